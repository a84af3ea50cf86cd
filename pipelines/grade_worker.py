"""The process in which `tuneprep grade` runs the user's reward function: loaded once, as
Lambda does, then called once per request, so a handler that hangs or kills its process costs
one call (pipelines/grade_calls.py ends and restarts this process), never the command.

Run as `python -m tuneprep.pipelines.grade_worker FILE FUNCTION TIMEOUT`. Requests are JSON
lines on stdin (one event each); answers are JSON lines on the stdout it was started with. The
handler's own prints go to stderr (which the command discards unless --verbose), as a
Lambda's go to its log, so they cannot corrupt the answers. It imports the standard library only, so the
user's module loads beside nothing of tuneprep's."""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import sys
import time
import traceback


class LocalContext:
    """The Lambda context object's documented attributes (the Python runtime's LambdaContext),
    with local values: a handler reading them works as it does on Lambda. The Forge SDK's local
    check passes {} instead."""

    def __init__(self, name: str, timeout: float, request: int):
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{name}"
        self.memory_limit_in_mb = "128"
        self.aws_request_id = f"tuneprep-grade-{request}"
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "tuneprep-grade"
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def where(tb, path: str) -> str:
    """file:line of the deepest frame in the handler's own file (else the deepest frame)."""
    frames = traceback.extract_tb(tb)
    own = [f for f in frames if os.path.realpath(f.filename) == os.path.realpath(path)]
    frame = (own or frames or [None])[-1]
    if frame is None:
        return path
    return f"{path if own else frame.filename}:{frame.lineno}"   # the file as the user named it


def first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else ""


def load(path: str, name: str):
    """The handler function; raises with a one-line message when the file cannot load."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))   # the task root, as on Lambda
    module_name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return getattr(module, name, None)


def _load_error(e: BaseException, path: str) -> str:
    if isinstance(e, SyntaxError) and e.filename:
        same = os.path.realpath(e.filename) == os.path.realpath(path)
        return f"{path if same else e.filename}:{e.lineno}: {type(e).__name__}: {e.msg}"
    return f"{where(e.__traceback__, path)}: {type(e).__name__}: {first_line(e)}"


def answer(handler, event, context, path: str) -> dict:
    started = time.perf_counter()
    try:
        result = handler(event, context)
    except BaseException as e:   # SystemExit too: on Lambda it fails the call, not the worker
        return {"exception": type(e).__name__, "message": first_line(e),
                "where": where(e.__traceback__, path),
                "seconds": time.perf_counter() - started}
    seconds = time.perf_counter() - started
    try:   # the runtime sends the result as JSON; what json cannot write never reaches Bedrock
        return json.loads(json.dumps({"result": result, "seconds": seconds}))
    except (TypeError, ValueError) as e:
        return {"unserializable": first_line(e), "seconds": seconds}


def main(path: str, name: str, timeout: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the command's to handle
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)                                  # the handler's prints: stderr
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)

    def send(message: dict) -> None:
        answers.write(json.dumps(message) + "\n")
        answers.flush()

    try:
        handler = load(path, name)
    except BaseException as e:
        send({"load_error": _load_error(e, path)})
        return
    if not callable(handler):
        send({"missing": name})
        return
    send({"ready": True})
    function = os.path.splitext(os.path.basename(path))[0]
    for request, line in enumerate(requests):
        context = LocalContext(function, timeout, request)
        send(answer(handler, json.loads(line), context, path))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))

"""`tuneprep grade`: a dry run of a Bedrock RFT reward function (a Python Lambda handler), on
this machine, before an RFT job is paid for. No AWS call, no network: the handler file is loaded
in a process of its own (pipelines/grade_worker.py) and called once per sampled record with the
envelope Bedrock sends (transforms/core/reward_envelope.py), the reference answer or a
--responses file's answer as the model's response. Exit codes: 0 every call returned a valid
reward, 1 some did not (or the handler cannot be loaded), 2 a usage error, 130 Ctrl-C."""
from __future__ import annotations

import argparse
import signal
import sys

from tuneprep.pipelines import interrupts
from tuneprep.pipelines.command_guard import refuse_special_file
from tuneprep.pipelines.grade_calls import Grader, HandlerLoadError, HandlerMissing
from tuneprep.pipelines.grade_inputs import (DEFAULT_SAMPLE, DEFAULT_SEED, choose, prepare,
                                            read_lines, read_responses)
from tuneprep.pipelines.grade_summary import report
from tuneprep.pipelines.options import UsageError
from tuneprep.transforms.core.reward_envelope import ENVELOPES

DEFAULT_FUNCTION = "lambda_handler"   # AWS's examples' and the Forge SDK's name
DEFAULT_TIMEOUT = 10.0                 # seconds per call

DESCRIPTION = (
    "Call your Bedrock reward function (a Python Lambda handler) on this machine with the "
    "envelope Bedrock sends it, on a sample of an RFT dataset (JSON Lines as an RFT target writes "
    "them), and report the reward spread (min, median, max, a histogram), the results that are "
    "not the documented shape, the exceptions (counted, with the records that raised them), "
    "timeouts and the time per call. Each record is one call, a list of one sample: "
    '[{"id", "messages": [...the prompt, {"role": "assistant", "content": RESPONSE}], '
    '"metadata": {"reference_answer", ...the record\'s other fields}}]; RESPONSE is the '
    "record's reference answer (an object as its JSON text) or --responses'. The handler must "
    'return [{"id": the id sent, "aggregate_reward_score": a number, "metrics_list"?: '
    '[{"name", "value", "type": "Reward" | "Metric"}]}]. Unlike the Nova Forge SDK\'s local '
    "check (verify_reward_function), which exec's the file and calls lambda_handler once with "
    "every record as written (reference_answer beside messages, no response appended) and a {} "
    "context: the handler is imported as a module (its folder on the path, as on Lambda), the "
    "response is appended, the context has Lambda's attributes, each call has its own timeout, "
    "the id returned must be the id sent and the score a JSON number (Forge's check takes "
    '"1.0", true, NaN and any id). --envelope flat sends the fields beside messages, as the '
    "Nova user guide's pages show. No AWS call, no network. Exit codes: 0 every call "
    "returned a valid reward, 1 some did not or the handler cannot be loaded, 2 a usage error.")


def add_grade_parser(sub, help_text: str) -> argparse.ArgumentParser:
    grade = sub.add_parser("grade", help=help_text, description=DESCRIPTION)
    grade.add_argument("dataset", metavar="DATASET", help="an RFT dataset file (JSON Lines)")
    grade.add_argument("--handler", required=True, metavar="FILE.py[:FUNCTION]",
                       help=f"the reward function's file and function (default function "
                       f"{DEFAULT_FUNCTION})")
    grade.add_argument("--responses", metavar="FILE", help="the responses to grade instead of "
                       'the reference answers: JSON Lines, {"id", "response"} matched by the '
                       'record\'s id, or {"response"} / a JSON string matched by line')
    amount = grade.add_mutually_exclusive_group()
    amount.add_argument("--sample", type=_positive_int, default=DEFAULT_SAMPLE, metavar="N",
                        help=f"grade N records drawn with --seed (default {DEFAULT_SAMPLE})")
    amount.add_argument("--all", action="store_true", help="grade every record")
    grade.add_argument("--seed", type=int, default=DEFAULT_SEED,
                       help=f"the sample's seed: the same records every time (default "
                       f"{DEFAULT_SEED})")
    grade.add_argument("--timeout", type=_positive_float, default=DEFAULT_TIMEOUT,
                       metavar="SECONDS", help=f"a call running longer fails (default "
                       f"{DEFAULT_TIMEOUT:g}; a Lambda's own is up to 900)")
    grade.add_argument("--envelope", choices=ENVELOPES, default=ENVELOPES[0],
                       help="metadata: the record's fields under \"metadata\", as Bedrock "
                       "sends them (default); flat: beside \"messages\"")
    grade.add_argument("--verbose", action="store_true",
                       help="show what the handler prints (hidden by default)")
    return grade


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds over 0")
    return value


def handler_spec(spec: str) -> tuple[str, str]:
    """--handler FILE.py[:FUNCTION] as (file, function); UsageError naming what is wrong."""
    path, sep, function = spec.rpartition(":")
    if not sep or not path.endswith(".py"):
        path, function = spec, DEFAULT_FUNCTION
    if not function.isidentifier():
        raise UsageError(f"--handler {spec}: {function!r} is not a Python function name")
    if not path.endswith(".py"):
        raise UsageError(f"--handler {spec}: a Python file (FILE.py[:FUNCTION]) is expected")
    refuse_special_file("--handler", path)
    try:
        open(path, "rb").close()
    except OSError as e:
        raise UsageError(f"--handler {path}: {e.strerror or e}") from None
    return path, function


def grade_main(args) -> int:
    path, function = handler_spec(args.handler)
    refuse_special_file("", args.dataset)
    lines = read_lines(args.dataset)
    if not lines:
        raise UsageError(f"{args.dataset}: no records")
    if args.responses:
        refuse_special_file("--responses", args.responses)
    responses = read_responses(args.responses) if args.responses else None
    chosen = choose(len(lines), None if args.all else args.sample, args.seed)
    samples = [prepare(*lines[i], responses, args.envelope) for i in chosen]
    grader = Grader(path, function, args.timeout, args.verbose)
    graded = []
    # Ctrl-C, SIGTERM and SIGHUP raise here whatever the parent set (a job started in the
    # background of a shell, as CI and cron do, inherits SIGINT ignored: Python then never
    # raises KeyboardInterrupt, and a hanging handler ran to its timeout)
    try:
        with interrupts.signals_raise():
            grader.start()
            print(f"grading {len(samples)} of {len(lines)} records of {args.dataset} "
                  f"({'all' if len(samples) == len(lines) else f'seed {args.seed}'}) with "
                  f"{path}:{function}, one call each, envelope {args.envelope}", flush=True)
            for sample in samples:
                graded.append((sample, grader.call(sample.event) if sample.event else None))
    except HandlerMissing as e:
        raise UsageError(str(e)) from None
    except HandlerLoadError as e:
        print(f"error: the handler cannot be loaded: {e}", file=sys.stderr)
        return 1
    except (interrupts.Interrupted, KeyboardInterrupt) as e:
        print(f"interrupted: {len(graded)} of {len(samples)} records graded; nothing reported",
              file=sys.stderr)
        return getattr(e, "exit_code", interrupts.EXIT_CODES[signal.SIGINT])
    finally:
        with interrupts.ignored():   # (a second Ctrl-C does not cut the cleanup short)
            grader.close()
    lines_out, code = report(args.dataset, graded, args.timeout)
    print("\n".join(lines_out))
    return code

"""Checks that depend on where the job runs.

On the DirectRunner every DoFn runs on this machine, in this folder. On any other runner
(PortableRunner, FlinkRunner, SparkRunner, DataflowRunner, DaskRunner, PrismRunner, ...) the
DoFns run in SDK worker processes that did not start here: they open the input and output
paths themselves, in their own working folder. A relative local path would name another file
there (or nothing), so it is refused before anything is written."""
from __future__ import annotations

from pipelines.options import UsageError

# runners that execute every DoFn in this process (or in children started in this folder)
_IN_PROCESS = {"direct", "directrunner", "switchingdirectrunner", "bundlebaseddirectrunner"}


def runner_name(beam_args: list[str]) -> str | None:
    """The --runner given among the Beam options, or None for Beam's default."""
    for i, arg in enumerate(beam_args):
        if arg == "--runner" and i + 1 < len(beam_args):
            return beam_args[i + 1]
        if arg.startswith("--runner="):
            return arg.split("=", 1)[1]
    return None


def runs_elsewhere(beam_args: list[str]) -> bool:
    name = runner_name(beam_args)
    if name is None:
        return False
    return name.rsplit(".", 1)[-1].lower() not in _IN_PROCESS


def _relative_local(uri: str | None) -> bool:
    return bool(uri) and "://" not in uri and not uri.startswith("/")


def check_paths_for_runner(args, beam_args: list[str]) -> None:
    """UsageError when a path the workers open is a relative local path and the runner's
    workers are not this process."""
    if not runs_elsewhere(beam_args):
        return
    named = [("--input", u) for u in args.input] + [
        ("--validation-input", u) for u in args.validation_input] + [
        ("--output", args.output), ("--image-root", args.image_root)]
    for name, uri in named:
        if _relative_local(uri):
            raise UsageError(
                f"{name} {uri}: a relative local path; with --runner {runner_name(beam_args)} "
                "the workers open it from their own folder: give an absolute path on storage "
                "every worker sees, or an s3:// URI")

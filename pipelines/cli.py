"""The `tuneprep` command: turn corpora into fine-tuning datasets for Amazon Bedrock, SageMaker
JumpStart and OpenAI.

Exit codes: 0 success; 1 the run failed (a check failed, or the job itself); 2 a usage error or a
refused option. Errors are one line on stderr."""
from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace

from tuneprep.pipelines import interrupts, output_guard
from tuneprep.pipelines.closed_pipe import quiet_on_closed_pipe
from tuneprep.pipelines.command_guard import one_line, one_line_errors, output_writable
from tuneprep.pipelines.options import (UsageError, add_inspect_arguments, add_run_arguments,
                                         add_spec_arguments, add_validate_arguments,
                                         did_you_mean, long_options, refuse_extra_arguments,
                                         run_groups)
from tuneprep.pipelines.settings import build_config, describe
from tuneprep.pipelines.storage_options import endpoint_of
from tuneprep.pipelines.job_spec import expand_config
from tuneprep.pipelines.local_workers import (check_workers_option, with_local_workers,
                                     worker_environment)
from tuneprep.pipelines.run_progress import status_line
from tuneprep.pipelines.run_state import RunState
from tuneprep.pipelines.run_summary import summarize as _summarize
from tuneprep.pipelines.runner_checks import (check_paths_for_runner, executable_path, option_value,
                                     refuse_beam_options, runs_elsewhere)
from tuneprep.pipelines.worker_logs import workers_log_to_file
from tuneprep.transforms.sink import claim
from tuneprep.transforms.io import s3_config, storage
from tuneprep.transforms.core.layout import (DEAD_LETTER_FOLDER, MANIFEST, REPORT_HTML, SUCCESS,
                                         TRAIN, TRAINING_REQUEST, VALIDATION)
from tuneprep.transforms.targets import get_target
from tuneprep.transforms.targets.media_staging import environment_problem

log = logging.getLogger("tuneprep")

class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2, as for every other usage error
        raise UsageError(f"{self.prog}: {message}")

    def _check_value(self, action, value):
        """A value outside the choices: the nearest choices ("did you mean"), on one line."""
        if action.choices is not None and value not in action.choices:
            option = action.option_strings[0] if action.option_strings else "command"
            see = _SEE.get(option, "see --help")
            raise argparse.ArgumentError(None, did_you_mean(option, value, action.choices, see))


_SEE = {"--target": "see `tuneprep targets`",
        "--input-format": "see `tuneprep inspect FILE` for the adapter detected",
        "command": "see `tuneprep --help`"}

# the commands, each with its one-line description (tuneprep --help)
COMMANDS = {
    "run": "build a training-ready dataset (and its training request) from files or s3://",
    "inspect": "show how files are read and what the target would write; writes nothing",
    "validate": "check JSONL files someone already made against a target's rules",
    "targets": "list the targets and the models each takes, with their limits (--json)",
    "grade": "call your RFT reward function (a Lambda handler) offline on a sample; no AWS call",
}


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tuneprep", description=__doc__.split("\n\n")[0],
                     epilog="`tuneprep COMMAND --help` describes a command and its options. "
                     "Exit codes: 0 success, 1 the run or a check failed, 2 a usage error.")
    from tuneprep import version
    parser.add_argument("-V", "--version", action="version", version=f"tuneprep {version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                title="commands", metavar="COMMAND")
    run = sub.add_parser("run", help=COMMANDS["run"], description=(
        "Build a training-ready dataset: read the inputs, turn each record into the target's "
        f"format, check it against the model's rules, and write {TRAIN}/, {VALIDATION}/, "
        f"{DEAD_LETTER_FOLDER}/, {REPORT_HTML}, {MANIFEST} and {TRAINING_REQUEST} (the request "
        "that starts the training job, with placeholders for what only you know). Options not "
        "listed here are Apache Beam pipeline options (for example --runner DataflowRunner, "
        "--direct_num_workers 2)."))
    groups = run_groups(run)
    add_run_arguments(run, groups)
    add_spec_arguments(groups["runner"])
    add_inspect_arguments(sub.add_parser(
        "inspect", help=COMMANDS["inspect"],
        description="For each file: the container format and input adapter detected, the "
        "field map, and the first records as canonical records and as the target writes them. "
        "Reads only the first records; writes nothing."))
    add_validate_arguments(sub.add_parser(
        "validate", help=COMMANDS["validate"],
        description="Check JSONL files (or dataset folders) someone already made against a "
        "target's rules, with the settings `run` would use for the same --model, --template "
        "and token options. Prints each problem as `file:line: reason: message`, the first "
        "--show N of each reason (--all: every one), the input format of a file none of whose "
        "lines passes with the `tuneprep run` that converts it, and one summary line (records "
        "checked, problems by reason); --format json prints one JSON document instead; exit 0 "
        "when every line passes, 1 when any fails, 2 for a usage error."))
    targets = sub.add_parser(
        "targets", help=COMMANDS["targets"],
        description="List the targets (output formats), the catalogue models each takes and "
        "the models' published limits; legacy models carry their mark.")
    from tuneprep.pipelines.targets_cmd import add_targets_arguments
    add_targets_arguments(targets)
    from tuneprep.pipelines.grade_cmd import add_grade_parser
    add_grade_parser(sub, COMMANDS["grade"])
    return parser


def _command_parser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    return next(a for a in parser._actions
                if isinstance(a, argparse._SubParsersAction)).choices[command]


# Loggers quietened during a run unless --verbose: Beam logs a failed bundle with its traceback.
_NOISY_LOGGERS = ("apache_beam", "botocore", "aiobotocore", "s3fs", "fsspec")


def _quiet_beam_import_noise(record: logging.LogRecord) -> bool:
    # Beam warns at import that Google Cloud client libraries are missing; they are not used.
    return "apitools not found" not in record.getMessage()


def _redact_record(record: logging.LogRecord) -> bool:
    """No credentials in a log line (storage.redact); the record is kept."""
    message = record.getMessage()
    clean = storage.redact(message)
    if clean != message:
        record.msg, record.args = clean, ()
    return True


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    return quiet_on_closed_pipe(lambda: _main(argv))


def _main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(_quiet_beam_import_noise)
        handler.addFilter(_redact_record)
    parser = make_parser()
    if not argv:   # bare `tuneprep`: what it can do, not an error
        parser.print_help()
        return 0
    return one_line_errors(lambda: _command(parser, argv))   # (exit 2 for a usage error)


def _command(parser, argv: list[str]) -> int:
    args, beam_args = parser.parse_known_args(expand_config(argv))
    if args.command != "run" and beam_args:
        refuse_extra_arguments(beam_args, long_options(_command_parser(parser, args.command)),
                               f"see `tuneprep {args.command} --help`")
    if args.command == "run" and args.print_config:
        from tuneprep.pipelines.print_config import print_config
        return print_config(args, beam_args)
    if args.command == "run":
        return _run(args, beam_args)
    if args.command == "grade":   # local files only: no store to configure
        from tuneprep.pipelines.grade_cmd import grade_main
        return grade_main(args)
    s3_config.configure()   # inspect and validate read S3 too: bounded waits, as a run's
    with storage.translate_failures():   # the store failing is one line, as for run
        if args.command == "inspect":
            from tuneprep.pipelines.inspect_cmd import inspect_main
            return inspect_main(args)
        if args.command == "validate":
            from tuneprep.pipelines.validate_cmd import validate_main
            return validate_main(args)
    from tuneprep.pipelines.targets_cmd import targets_main
    return targets_main(args)


def _run(args, beam_args: list[str]) -> int:
    refuse_beam_options(beam_args)
    check_workers_option(args.workers, beam_args)
    check_paths_for_runner(args, beam_args)
    s3_config.configure(endpoint_of(args), fresh=True)
    state = RunState()
    try:
        with interrupts.signals_raise():
            try:
                with storage.translate_failures():
                    return _launch(args, beam_args, state)
            except storage.StorageError as e:  # not a usage error: the store failed (exit 1)
                print(f"error: {e}{state.failure_note()}", file=sys.stderr)
                return 1
    except interrupts.Interrupted as e:
        with interrupts.ignored():
            return state.interrupted(e)


def _preflight(args) -> None:
    """Before anything is listed or written: every s3:// bucket named exists, the credentials
    are taken and listing is allowed (StorageError otherwise)."""
    named = [("--input", u) for u in args.input] + [
        ("--validation-input", u) for u in args.validation_input] + [
        ("--output", args.output), ("--image-uri-prefix", args.image_uri_prefix)]
    for name, uri in named:
        if uri:
            try:
                storage.preflight(uri)
            except storage.StorageError as e:
                raise storage.StorageError(f"{name} {storage.redact(uri)}: {e}") from e


def _launch(args, beam_args: list[str], state: RunState) -> int:
    cfg = build_config(args, before_expand=lambda: _preflight(args))
    output_guard.check_output(cfg.output, args.input + args.validation_input,
                              cfg.inputs + cfg.validation_inputs, args.image_root)
    problem = environment_problem(get_target(cfg.target))
    if problem:  # e.g. Pillow missing for an image target
        print(f"error: {problem}", file=sys.stderr)
        return 1
    if args.dry_run:  # checks and a plan from a sample of each file; nothing is written
        from tuneprep.pipelines.dry_run import dry_run
        return dry_run(cfg, overwrite=args.overwrite)
    plan = output_guard.plan_overwrite(cfg.output, args.overwrite, cfg.image_uri_prefix)
    state.created = not storage.exists(cfg.output)
    with output_writable(cfg.output):   # a read-only folder: one line, exit 2
        if plan is not None:
            output_guard.clear(cfg.output, plan)
        claimed = claim.claim(cfg.output, cfg.run_id)
    if not claimed:
        marker = claim.holder(cfg.output) or {}
        raise UsageError(f"--output {cfg.output}: another run is writing there "
                         f"({claim.describe(marker)}); wait for it to end, or stop it")
    state.cfg = cfg = claimed_run(cfg, beam_args)
    from tuneprep.transforms.beam.launch import pipeline_job

    beam_args = with_local_workers(beam_args, args.workers, cfg)
    job = pipeline_job(beam_args, lambda p: add_job(p, cfg, args))
    levels = {name: logging.getLogger(name).level for name in _NOISY_LOGGERS}
    for name in _NOISY_LOGGERS:  # Beam logs a failed bundle with its traceback on stderr
        logging.getLogger(name).setLevel(logging.INFO if args.verbose else logging.CRITICAL)
    worker_processes = option_value(beam_args, "--direct_running_mode") == "multi_processing"
    worker_log = None
    try:
        with workers_log_to_file(worker_processes and not args.verbose) as worker_log, \
                worker_environment(worker_processes), status_line(args, cfg, beam_args), \
                claim.Heartbeat(cfg.output, cfg.run_id):
            state.started = True
            if runs_elsewhere(beam_args):   # a job server may set its own SIGINT handler,
                job()                       # which only the main thread can
            else:
                interrupts.run_on_thread(job)
    except Exception as e:  # the job itself failed (storage, runner): one line, exit 1
        if args.verbose:
            log.exception("the run failed")
        message = storage.failure(e) or _failure_in_words(e)
        print(f"error: the run failed: {storage.redact(message)}"
              + state.failure_note(job_ended=True)
              + (f"; worker log: {worker_log}" if worker_log else ""), file=sys.stderr)
        return 1
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    state.started = False
    if executable_path(beam_args):   # the job was written as a jar, not run
        print(f"job written to {executable_path(beam_args)}; the dataset at {cfg.output} is "
              f"complete when that job has run and {SUCCESS} exists")
        return 0
    from tuneprep.transforms.sink.staged_files import finish
    complete = finish(cfg)   # the job succeeded as a whole: _SUCCESS now, if its report says
    return _summarize(cfg, complete)   # complete; the exit code agrees with it


def claimed_run(cfg, beam_args: list[str]):
    """The config of a run whose launcher holds the output's claim, with what the launcher
    decides from the runner: it writes _SUCCESS itself (a jar's job writes its own), and the
    parts are deleted as they are copied where nothing retries the assembly, on local disk."""
    return replace(cfg, claimed=True, success_by_launcher=not executable_path(beam_args),
                   drop_copied_parts=not runs_elsewhere(beam_args)
                   and storage.local_path(cfg.output) is not None)


def add_job(p, cfg, args) -> None:
    """The run's graph on `p`: the inputs as named, listed again on the workers (the graph
    holds no file list: pipelines/worker_listing.py)."""
    from tuneprep.pipelines.worker_listing import listing_for
    from tuneprep.transforms.beam.pipeline import build
    build(p, cfg, describe(cfg), listing_for(args, cfg))


def _failure_in_words(e: BaseException) -> str:
    """A failed job's exception as one line. A worker process's failure reaches the launcher as
    "RuntimeError: tuneprep.transforms.io.storage.StorageError: <message>": the message alone
    is the words a person needs."""
    line = one_line(e)
    for prefix in ("tuneprep.transforms.io.storage.StorageError: ", "StorageError: "):
        if prefix in line:
            return line.split(prefix, 1)[1]
    return f"{type(e).__name__}: {line}"


if __name__ == "__main__":
    sys.exit(main())

"""Checks that depend on where the job runs.

On the DirectRunner every DoFn runs on this machine, in this folder. On any other runner
(PortableRunner, FlinkRunner, SparkRunner, DataflowRunner, DaskRunner, PrismRunner, ...) the
DoFns run in SDK worker processes that did not start here, in their own working folder. Input
paths are made absolute when the launcher lists them; the output folder and --image-root are
opened by the workers as given, so a relative local path there would name another folder on
the workers: it is refused before anything is written. (A local path of any kind only works
when every worker sees the same filesystem: one machine, or a shared mount.)"""
from __future__ import annotations

from tuneprep.pipelines.options import (UsageError, run_long_options, suggestions,
                                         unknown_option)

DASK_RUNNER = "apache_beam.runners.dask.dask_runner.DaskRunner"
# runners that execute every DoFn in this process (or in children started in this folder)
_IN_PROCESS = {"direct", "directrunner", "switchingdirectrunner", "bundlebaseddirectrunner"}


def option_value(beam_args: list[str], name: str) -> str | None:
    """The value of a Beam option given as `--name value` or `--name=value`, else None."""
    for i, arg in enumerate(beam_args):
        if arg == name and i + 1 < len(beam_args):
            return beam_args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def runner_name(beam_args: list[str]) -> str | None:
    """The --runner given among the Beam options, or None for Beam's default."""
    return option_value(beam_args, "--runner")


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
    for name, uri in (("--output", args.output), ("--image-root", args.image_root)):
        if _relative_local(uri):
            raise UsageError(
                f"{name} {uri}: a relative local path; with --runner {runner_name(beam_args)} "
                "the workers open it from their own folder: give an absolute path on storage "
                "every worker sees, or an s3:// URI")


def load_runner(beam_args: list[str]) -> None:
    """Imports the module of the --runner given, so that its own pipeline options (DaskRunner's
    --dask_client_address, ...) are known before the options are checked; UsageError when the
    runner cannot be loaded here (its extra is not installed)."""
    name = runner_name(beam_args)
    if not name:
        return
    if name.lower() in ("dask", "daskrunner"):
        raise UsageError(f"--runner {name}: Beam knows this runner only by its full name, "
                         f"--runner {DASK_RUNNER} (experimental, and tuneprep does not run "
                         "there yet: see deploy/dask/README.md)")
    from tuneprep.transforms.beam.options import load_runner_module
    try:
        load_runner_module(name)
    except ImportError as e:
        raise UsageError(f"--runner {name}: cannot be loaded here ({e}); install the runner's "
                         "extra, e.g. pip install 'apache-beam[dask]' or 'apache-beam[gcp]'"
                         ) from None


def executable_path(beam_args: list[str]) -> str | None:
    """--output_executable_path: the portable Flink/Spark runners then write the job as a jar
    (for spark-submit / flink run) instead of running it; the dataset appears when it runs."""
    return option_value(beam_args, "--output_executable_path")


# Beam's in-process runner in multi-threaded mode lost records without an error when measured
# here; refuse it rather than risk a silently short dataset.
_MULTI_THREADING = ("--direct_running_mode=multi_threading lost records in our tests; "
                    "use in_memory (the default) or multi_processing")

# Beam's own S3 filesystem is not used (storage.py says why): its options would do nothing, and
# keys given as pipeline options would travel in the job graph.
_BEAM_S3_OPTIONS = ("--s3_access_key_id", "--s3_secret_access_key", "--s3_session_token",
                    "--s3_endpoint_url", "--s3_region_name", "--s3_api_version", "--s3_verify",
                    "--s3_disable_ssl")


def refuse_beam_options(beam_args: list[str]) -> None:
    """UsageError for a Beam option tuneprep refuses, or one neither parser knows."""
    if option_value(beam_args, "--direct_running_mode") == "multi_threading":
        raise UsageError(_MULTI_THREADING)
    for arg in beam_args:
        name = arg.split("=", 1)[0]
        if name in _BEAM_S3_OPTIONS:
            raise UsageError(
                "--s3-endpoint-url sets the S3 endpoint" if name == "--s3_endpoint_url" else
                f"{name}: not accepted; S3 is read through s3fs, which takes credentials and "
                "region from the AWS environment or profile (AWS_PROFILE, AWS_ACCESS_KEY_ID, "
                "AWS_DEFAULT_REGION, ...), so no secret lands in the job graph")
    _refuse_unknown_beam_options(beam_args)


def _refuse_unknown_beam_options(beam_args: list[str]) -> None:
    """Beam only logs options it does not know and runs on, so a misspelt tuneprep option
    (--validaton-split) would be silently ignored: refuse what neither parser knows."""
    if not beam_args:
        return
    load_runner(beam_args)   # a runner's own options (--dask_client_address) register on import
    from tuneprep.transforms.beam.options import known_options, unknown_flags
    options = unknown_flags(beam_args)
    if options:   # the nearest of tuneprep's options, else of Beam's
        ours = run_long_options()
        name = options[0]
        beams = [f"--{option}" for option in known_options()]
        raise unknown_option(name, ours if suggestions(name, ours) else beams,
                             "neither a tuneprep option nor a Beam pipeline option; "
                             "see `tuneprep run --help`")

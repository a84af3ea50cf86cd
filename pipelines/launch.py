"""`python -m tuneprep.pipelines.launch --opt=value ...` = `tuneprep run --opt=value ...`.

For launchers that run a Python file with options and no sub-command: Dataflow flex templates
(FLEX_TEMPLATE_PYTHON_PY_FILE), Airflow's BeamRunPythonPipelineOperator (py_file), spark-submit
style wrappers. Run as a file (the installed tuneprep/pipelines/launch.py, or a copy of this
one), it starts the installed tuneprep. Exit codes as `tuneprep run`."""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from tuneprep.pipelines.cli import main as cli_main
    return cli_main(["run", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())

"""`python pipelines/launch.py --opt=value ...` = `tuneprep run --opt=value ...`.

For launchers that run a Python file with options and no sub-command: Dataflow flex templates
(FLEX_TEMPLATE_PYTHON_PY_FILE), Airflow's BeamRunPythonPipelineOperator (py_file), spark-submit
style wrappers. Exit codes as `tuneprep run`."""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from tuneprep.pipelines.cli import main as cli_main
    return cli_main(["run", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    if __package__ in (None, ""):   # run as a file: make the package importable beside it
        import os
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main())

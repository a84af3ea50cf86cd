"""The faults x phases table of a run on S3 (issue 28, item 10): every cell of
tests/fault_matrix.py (a fault of the test proxy from the first request of a phase, a real
`tuneprep run` through it to the moto test server), checked by its rule, printed as markdown:
exit code, seconds from the first fault to the exit, and the records counted (in = written +
dead letters) when the dataset is complete. Needs the test dependencies (moto).

    python -m benchmarks.fault_table [--fault 500] [--phase "writing parts"] [--errors]

Exit 1 when a cell breaks its rule (the table says which)."""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.fault_matrix import LASTING, PASSING, PHASES, Cell, check, fail_bound, run_cell
from tests.helpers import S3Server


def row(cell: Cell) -> str:
    try:
        check(cell)
        verdict = "ok"
    except AssertionError as e:
        verdict = f"BROKEN: {str(e)[:120]}"
    n = cell.records
    records = (f"{n['in']} = {n['written']} + {n['dead letters']}" if n else "-")
    seconds = f"{cell.seconds:.1f}" + ("" if cell.code == 0 else
                                       f" (bound {fail_bound(cell.fault):.0f})")
    return (f"| {cell.fault} | {cell.phase} | {cell.code} | {seconds} | {records} | "
            f"{cell.faulted} | {verdict} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fault", action="append", choices=(*LASTING, *PASSING))
    parser.add_argument("--phase", action="append", choices=sorted(PHASES))
    parser.add_argument("--errors", action="store_true",
                        help="after the table, each failed run's error line")
    args = parser.parse_args(argv)
    server = S3Server().start()
    broken, errors = 0, []
    print("| fault | phase | exit | time (s): to fail, or the run | records: in = written + "
          "dead letters | requests faulted | rule |")
    print("|---|---|---|---|---|---|---|")
    try:
        with tempfile.TemporaryDirectory(prefix="tuneprep-faults-") as work:
            for fault in args.fault or (*LASTING, *PASSING):
                for phase in args.phase or PHASES:
                    folder = Path(work) / f"{fault}-{len(phase)}-{phase[:4]}"
                    folder.mkdir()
                    cell = run_cell(server, fault, phase, folder)
                    line = row(cell)
                    broken += "BROKEN" in line
                    print(line, flush=True)
                    if cell.code:
                        errors.append(f"- {fault} at {phase}: `{cell.stderr.strip()}`")
    finally:
        server.stop()
    if args.errors and errors:
        print("\n" + "\n".join(errors))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())

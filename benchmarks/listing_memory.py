"""Peak memory of the launcher's listing for a folder of many tiny files (issue 28, item 7).

    python -m benchmarks.listing_memory --files 100000 400000
    python -m benchmarks.listing_memory --files 100000 --checkout /tmp/before   # another tree
    python -m benchmarks.listing_memory --files 100000 --run                    # a real run too
    python -m benchmarks.listing_memory --files 20000 100000 --only-run --checkout /tmp/before

Makes K one-record .jsonl files per count (cached in --workdir), then for each count runs in a
child process: `listing` (the launcher's settings: the folder listed, checked and digested, as
`tuneprep run` does before building the job; nothing else) and `tuneprep run --dry-run`, and
with --run a real run (minutes at 100k files; --only-run: that alone). Prints the peak RSS of
each (the child's ru_maxrss from wait4: its largest process; the launcher, as the local runner
reads files this small in its own process) and the seconds, and of a run the sha256 of its data
files (train/, validation/, dead letters), to show two checkouts wrote the same dataset. --checkout DIR runs the code of
another tree laid out as an installed package (DIR/tuneprep/{pipelines,transforms}), e.g.
`git archive` of an older commit, so before and after are measured side by side."""
from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LISTING = """
import resource, sys
from tuneprep.pipelines.cli import make_parser
from tuneprep.pipelines.settings import build_config
from tuneprep.pipelines.worker_listing import listing_for
args, _ = make_parser().parse_known_args(["run", "--input", sys.argv[1], "--target",
                                          "bedrock-text", "--output", sys.argv[2]])
cfg = build_config(args)
listing_for(args, cfg)
print(len(cfg.inputs), file=sys.stderr)
"""


def make_folder(root: Path, files: int) -> Path:
    folder = root / f"tiny-{files}"
    done = folder / ".complete"   # (hidden: the listing skips it)
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(files):
            (folder / f"part-{i:07d}.jsonl").write_bytes(
                b'{"instruction": "q%d", "output": "a%d"}\n' % (i, i))
        done.write_text("")
    return folder


def measured(cmd: list[str], env: dict, cwd: Path) -> tuple[int, float, int]:
    """(exit code, seconds, peak RSS in KiB of the child's largest process). Run from `cwd`,
    not this checkout: `python -m` puts the current folder first on the path."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as err:   # (a pipe left unread could fill and block it)
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code:
            err.seek(0)
            sys.stderr.write(err.read().decode(errors="replace")[-2000:])
    return code, time.monotonic() - start, usage.ru_maxrss


def data_digest(out: Path) -> str:
    """The sha256 (first 16 digits) of a dataset's data files, by name, in name order."""
    sha = hashlib.sha256()
    for path in sorted(p for folder in ("train", "validation", "dead_letter")
                       for p in (out / folder).rglob("*") if p.is_file()):
        sha.update(str(path.relative_to(out)).encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()[:16]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, nargs="+", default=[100_000, 400_000])
    ap.add_argument("--workdir", type=Path,
                    default=Path(tempfile.gettempdir()) / "tuneprep-listing-bench")
    ap.add_argument("--checkout", type=Path, help="run this tree's code instead")
    ap.add_argument("--run", action="store_true", help="also a real run (slow)")
    ap.add_argument("--only-run", action="store_true", help="the real run alone")
    a = ap.parse_args(argv)
    a.workdir = a.workdir.resolve()
    env = dict(os.environ)
    if a.checkout:
        env["PYTHONPATH"] = str(a.checkout.resolve())
    print(f"code: {a.checkout or 'this checkout'}")
    print("| files | step | seconds | peak RSS MiB | data sha256 |\n|---:|---|---:|---:|---|")
    failed = 0
    for n in a.files:
        folder = make_folder(a.workdir, n)
        out = a.workdir / f"out-{n}"
        common = ["--input", str(folder), "--target", "bedrock-text", "--output", str(out)]
        steps = {"listing": [sys.executable, "-c", LISTING, str(folder), str(out)],
                 "dry-run": [sys.executable, "-m", "tuneprep", "run", *common, "--dry-run",
                             "--quiet"]}
        if a.only_run:
            steps = {}
        if a.run or a.only_run:
            steps["run"] = [sys.executable, "-m", "tuneprep", "run", *common, "--overwrite",
                            "--quiet"]
        for step, cmd in steps.items():
            code, seconds, peak = measured(cmd, env, a.workdir)
            failed |= code
            digest = data_digest(out) if step == "run" and not code else ""
            print(f"| {n:,} | {step}{' (failed)' if code else ''} | {seconds:.1f} | "
                  f"{peak / 1024:.0f} | {digest} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

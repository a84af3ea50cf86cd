"""The job graph's size for an input of many small files (issue 16, items 4-5).

    python -m benchmarks.graph_size --files 10000 100000 [--append-results benchmarks/results.md]

Makes K tiny JSON Lines files in a temporary folder, builds `tuneprep run --input FOLDER` 's
pipeline exactly as the launcher does (nothing is run) and measures the serialized pipeline
proto (`pipeline.to_runner_api().SerializeToString()`: what a runner is sent, and what
Dataflow's job-graph size limit applies to), plus the largest pickled DoFn or side value in it."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LINE = b'{"instruction": "Say hi", "output": "hi"}\n'


def make_files(folder: Path, k: int, names: str = "numbered") -> None:
    import hashlib
    for i in range(k):
        # 3 levels of folders, as a real prefix would hold them; names sort as they are numbered
        sub = folder / f"{i // 10000:03d}" / f"{i // 100 % 100:02d}"
        if i % 100 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        name = (f"part-{i:07d}" if names == "numbered" else   # hex: names that compress badly
                hashlib.sha1(str(i).encode()).hexdigest())
        (sub / f"{name}.jsonl").write_bytes(LINE)


def measure(folder: Path, out: Path) -> dict:
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from tuneprep.pipelines.cli import make_parser
    from tuneprep.pipelines.settings import build_config
    from tuneprep.pipelines import cli

    args, _ = make_parser().parse_known_args(
        ["run", "--input", str(folder), "--target", "bedrock-text", "--output", str(out)])
    t0 = time.perf_counter()
    cfg = build_config(args)
    listed = time.perf_counter() - t0
    p = beam.Pipeline(options=PipelineOptions([]))
    t0 = time.perf_counter()
    if hasattr(cli, "add_job"):
        cli.add_job(p, cfg, args)
    else:   # (before issue 16 item 4)
        from tuneprep.pipelines.settings import describe
        from tuneprep.transforms.beam.pipeline import build
        build(p, cfg, describe(cfg))
    proto = p.to_runner_api()
    data = proto.SerializeToString()
    built = time.perf_counter() - t0
    largest = max((len(t.spec.payload), name) for name, t in proto.components.transforms.items())
    return {"files": len(cfg.inputs), "graph_bytes": len(data), "largest_payload": largest[0],
            "largest_transform": largest[1], "list_s": listed, "build_s": built}


def commit() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "transforms", "pipelines"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" + uncommitted product edits" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--names", choices=("numbered", "hex"), default="numbered",
                    help="part-0000001.jsonl ..., or 40 hex digits (as content-addressed "
                         "objects are named: the graph's pickles compress them far less)")
    ap.add_argument("--append-results", metavar="FILE")
    ap.add_argument("--label", default="", help="a word for the results table (before/after)")
    opts = ap.parse_args(argv)
    rows = []
    for k in opts.files:
        with tempfile.TemporaryDirectory(prefix="tuneprep-graph-") as tmp:
            folder = Path(tmp) / "in"
            make_files(folder, k, opts.names)
            row = measure(folder, Path(tmp) / "out")
        rows.append(row)
        print(f"{k:>8,} files: job graph {row['graph_bytes']:>12,} bytes; largest payload "
              f"{row['largest_payload']:,} bytes ({row['largest_transform']}); listing "
              f"{row['list_s']:.2f} s, graph built in {row['build_s']:.2f} s", flush=True)
    if opts.append_results:
        lines = [f"\n### Job graph size ({opts.label or 'run'}; commit {commit()}, "
                 f"apache-beam {__import__('apache_beam').__version__}, "
                 f"{os.cpu_count()} CPUs, {opts.names} names)", "",
                 "`python -m benchmarks.graph_size --names " + opts.names + " --files "
                 + " ".join(str(k) for k in opts.files) + "`", "",
                 "| input files | job graph (serialized proto) | largest transform payload |",
                 "|---:|---:|---:|"]
        lines += [f"| {r['files']:,} | {r['graph_bytes']:,} B | {r['largest_payload']:,} B |"
                  for r in rows]
        with open(opts.append_results, "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

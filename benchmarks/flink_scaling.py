"""Flink beside the DirectRunner and Prism on the same inputs (issue 24, item 4).

    python -m benchmarks.flink_scaling [--records 200000] [--rounds 2] [--parallelism 1 2 4]

Makes (or reuses) an Alpaca corpus with benchmarks/corpus.py, starts the local Flink cluster of
deploy/flink/local/cluster.sh (needs `make flink`) in a temporary home on free ports, and runs
`tuneprep run --input CORPUS --target bedrock-text --output OUT --overwrite` on the DirectRunner,
on Prism (.cache/prism, `make prism`; its SDK workers LOOPBACK, in the launcher) and on the
cluster at each --parallelism, alternating, --rounds times; the same for the 94-record sample
(the per-run fixed cost). Per run: the whole command's wall time, the Flink job's duration
(REST /jobs/overview) and the load average. Every output's train/train.jsonl must have the
DirectRunner's sha256 (else exit 1). Prints a markdown table of medians. The cluster is stopped
at the end, also on error or Ctrl-C."""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.corpus import ensure_corpus

REPO = Path(__file__).resolve().parent.parent
CLUSTER = REPO / "deploy" / "flink" / "local" / "cluster.sh"
CLASSPATH = REPO / ".cache" / "flink" / "lib"
TUNEPREP = REPO / ".venv" / "bin" / "tuneprep"
SAMPLE = REPO / "samples" / "alpaca_sample.jsonl"
PORTS = ("FLINK_REST_PORT", "FLINK_RPC_PORT", "BEAM_JOB_PORT", "BEAM_ARTIFACT_PORT",
         "BEAM_EXPANSION_PORT", "BEAM_WORKER_POOL_PORT")


def prism_binary() -> Path:
    from importlib.metadata import version
    return REPO / ".cache" / "prism" / f"v{version('apache-beam')}" / "prism"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """cluster.sh in a home of its own, on free ports (as tests/e2e/test_flink.py runs it)."""

    def __init__(self, home: Path):
        self.env = {**os.environ, "FLINK_LOCAL_HOME": str(home), "PYTHON": sys.executable,
                    **{name: str(free_port()) for name in PORTS}}

    def run(self, *args: str) -> str:
        done = subprocess.run([str(CLUSTER), *args], env=self.env, capture_output=True,
                              text=True, timeout=240)
        if done.returncode:
            raise SystemExit(f"error: cluster.sh {' '.join(args)} failed: "
                             f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}")
        return done.stdout

    def runner_args(self, parallelism: int) -> list[str]:
        args = self.run("args").split()
        args[args.index("--parallelism") + 1] = str(parallelism)
        return args

    def jobs(self) -> dict[str, dict]:
        url = f"http://127.0.0.1:{self.env['FLINK_REST_PORT']}/jobs/overview"
        with urllib.request.urlopen(url, timeout=10) as response:
            return {job["jid"]: job for job in json.load(response)["jobs"]}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_once(corpus: Path, out: Path, runner: list[str], cluster: Cluster | None) -> dict:
    before = cluster.jobs() if cluster else {}
    load = os.getloadavg()[0]
    started = time.monotonic()
    done = subprocess.run([str(TUNEPREP), "run", "--input", str(corpus), "--target",
                           "bedrock-text", "--output", str(out), "--overwrite", "--quiet",
                           *runner], capture_output=True, text=True, cwd=out.parent)
    wall = time.monotonic() - started
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise SystemExit(f"error: {' '.join(runner) or 'DirectRunner'} on {corpus}: exit "
                         f"{done.returncode}: {last}")
    job_s = None
    if cluster:
        new = [job for jid, job in cluster.jobs().items() if jid not in before]
        if len(new) != 1 or new[0]["state"] != "FINISHED":
            raise SystemExit(f"error: expected one FINISHED Flink job, got {new}")
        job_s = new[0]["duration"] / 1000
    report = json.loads((out / "report.json").read_text())
    return {"wall": wall, "job": job_s, "records": report["input_records"],
            "sha": sha256(out / "train" / "train.jsonl"),
            "load": (load + os.getloadavg()[0]) / 2}


def runners(prism: Path, cluster: Cluster, parallelisms: list[int]):
    yield "DirectRunner", None, []
    # Prism's SDK workers default to LOOPBACK (threads of the launcher); one Prism server a run
    yield "Prism", None, ["--runner", "PrismRunner", "--prism_location", str(prism),
                          "--experiments", "disable_prism_server_singleton"]
    for p in parallelisms:
        yield "Flink", p, cluster.runner_args(p)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def table(name: str, results: dict) -> str:
    lines = [f"**{name}**", "",
             "| runner | parallelism | runs | wall s | job s | records/s (wall) | "
             "records/s per slot (wall) | load avg |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for (runner, p), runs in results.items():
        wall, job = median(r["wall"] for r in runs), median(r["job"] for r in runs)
        rate = runs[0]["records"] / wall
        per_slot = f"{rate / p:,.0f}" if p else "-"
        lines.append(f"| {runner} | {p or '-'} | {len(runs)} | {wall:.1f} | "
                     f"{'-' if job is None else f'{job:.1f}'} | {rate:,.0f} | {per_slot} | "
                     f"{median(r['load'] for r in runs):.1f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=200_000)
    p.add_argument("--rounds", type=int, default=2, help="runs of each runner on the corpus")
    p.add_argument("--sample-rounds", type=int, default=1, help="... on the 94-record sample")
    p.add_argument("--parallelism", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "tuneprep-bench"))
    args = p.parse_args(argv)
    prism = prism_binary()
    for needed, how in ((CLASSPATH / ".resolved", "make flink"), (prism, "make prism")):
        if not needed.exists():
            print(f"error: {needed} is missing: run `{how}` first", file=sys.stderr)
            return 2
    os.makedirs(args.workdir, exist_ok=True)
    paths, size, _ = ensure_corpus(args.workdir, "alpaca", args.records)
    inputs = [(f"sample, {SAMPLE.name}", SAMPLE, args.sample_rounds),
              (f"{args.records:,} Alpaca records, {size / 1e6:.0f} MB", Path(paths[0]),
               args.rounds)]
    work = Path(tempfile.mkdtemp(prefix="flink-scaling-", dir=args.workdir))
    cluster = Cluster(work / "cluster")
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; starting the cluster",
          flush=True)
    failed = False
    try:
        cluster.run("start")
        for name, corpus, rounds in inputs:
            results: dict = {}
            for round_ in range(rounds):
                # alternating: round 2 runs the runners in the reverse order
                order = list(runners(prism, cluster, args.parallelism))
                for runner, par, extra in (order if round_ % 2 == 0 else order[::-1]):
                    out = work / f"out-{runner}-{par}"
                    r = run_once(corpus, out, extra, cluster if runner == "Flink" else None)
                    results.setdefault((runner, par), []).append(r)
                    job = "" if r["job"] is None else f", job {r['job']:.1f} s"
                    print(f"  {name}: {runner}{f' p={par}' if par else ''}: wall "
                          f"{r['wall']:.1f} s{job}, load {r['load']:.1f}", flush=True)
            direct_sha = results[("DirectRunner", None)][0]["sha"]
            differ = [key for key, runs in results.items()
                      if any(r["sha"] != direct_sha for r in runs)]
            if differ:
                print(f"WARNING: {name}: train.jsonl differs from the DirectRunner's on {differ}")
                failed = True
            else:
                print(f"{name}: every train.jsonl has the DirectRunner's sha256 {direct_sha[:16]}")
            print("\n" + table(name, results) + "\n", flush=True)
    finally:
        print(cluster.run("stop"), end="")
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

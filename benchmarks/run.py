"""tuneprep against the plain-Python baseline, side by side, on a generated corpus.

    python -m benchmarks.run --records 200000 [--shape alpaca|messages] [--files K]
        [--target bedrock-text|sagemaker-instruction|bedrock-multi-turn] [--workdir DIR]
        [--repeat R] [--beam-args "..."] [--append-results benchmarks/results.md] [--json FILE]

Both run as child processes (`python -m benchmarks.baseline`, `python -m tuneprep.pipelines.cli run`),
alternating when --repeat > 1. For each: wall time (whole process, interpreter start and imports
included), records/s and MB/s of input, peak RSS of the child (GNU time's %M, i.e. wait4's
ru_maxrss: the largest single process of the tree) and the peak of the summed RSS of the whole
process tree (polled from /proc every 0.1 s; matters with --direct_running_mode multi_processing).
Then output and dead-letter line counts are compared; a difference is a printed WARNING.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata

import orjson

from benchmarks.corpus import ensure_corpus

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ("bedrock-text", "sagemaker-instruction", "bedrock-multi-turn")
GNU_TIME = "/usr/bin/time"
PAGE = os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------- machine and code identity
def machine() -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
    except OSError:
        pass
    ram = 0
    try:
        with open("/proc/meminfo") as f:
            ram = next(int(l.split()[1]) for l in f if l.startswith("MemTotal")) * 1024
    except (OSError, StopIteration):
        pass
    try:
        beam = metadata.version("apache-beam")
    except metadata.PackageNotFoundError:
        beam = "not installed"
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"nproc": nproc, "cpu": cpu, "ram_gib": round(ram / 2**30, 1),
            "python": platform.python_version(), "beam": beam, "code": _code_version()}


def _code_version() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "tuneprep", "pipelines", "transforms"],
                               cwd=ROOT, text=True, capture_output=True, timeout=10).stdout.strip()
        return (head or "unknown") + (" + uncommitted product edits" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# ---------------------------------------------------------------- measuring one child process
def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def _tree_rss(root: int, skip_root: bool) -> int:
    total = 0
    for pid in _descendants(root):
        if skip_root and pid == root:
            continue
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total


def measure(cmd: list[str], log_path: str) -> dict:
    """Runs cmd; wall seconds, peak RSS (bytes) of its largest process and of its summed tree."""
    use_time = os.access(GNU_TIME, os.X_OK)
    fd, time_out = tempfile.mkstemp(prefix="bench-time-")
    os.close(fd)
    full = [GNU_TIME, "-f", "%e %M", "-o", time_out, *cmd] if use_time else cmd
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with open(log_path, "wb") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(full, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        tree_peak, stop = [0], threading.Event()

        def poll():
            while not stop.is_set():
                tree_peak[0] = max(tree_peak[0], _tree_rss(proc.pid, skip_root=use_time))
                stop.wait(0.1)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        poller.join()
    peak = usage.ru_maxrss * 1024  # wait4 of the child: the largest process in its tree
    if use_time:
        try:
            with open(time_out) as f:
                fields = f.read().split()
            peak = int(fields[-1]) * 1024  # GNU time's %M (KiB); the same wait4 figure
        except (OSError, ValueError, IndexError):
            pass
    os.unlink(time_out)
    return {"wall_s": wall, "peak_rss": peak, "tree_peak_rss": max(tree_peak[0], peak),
            "returncode": proc.returncode}


# ---------------------------------------------------------------- counting what each wrote
def _count_lines(path: str) -> int:
    n = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            n += chunk.count(b"\n")
    return n


def output_counts(out: str) -> dict:
    """Lines in the split files and in the dead-letter file, the reasons as reported, and one
    sha256 over the split data files (to tell whether both wrote byte-identical data)."""
    lines, digest = 0, hashlib.sha256()
    for split in ("train", "validation"):
        folder = os.path.join(out, split)
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    while chunk := f.read(1 << 22):
                        digest.update(chunk)
                        if name.endswith(".jsonl"):
                            lines += chunk.count(b"\n")
    dead_path = os.path.join(out, "dead_letter", "dead_letter.jsonl")
    dead = _count_lines(dead_path) if os.path.exists(dead_path) else 0
    reasons = {}
    for name in ("report.json", "summary.json"):
        if os.path.exists(os.path.join(out, name)):
            with open(os.path.join(out, name), "rb") as f:
                reasons = orjson.loads(f.read()).get("dead_letter_reasons", {})
    return {"output_lines": lines, "dead_letters": dead, "reasons": dict(sorted(reasons.items())),
            "data_sha256": digest.hexdigest()}


# ---------------------------------------------------------------- the benchmark
def commands(tool: str, inputs: list[str], target: str, out: str, beam_args: list[str]):
    ins = [arg for path in inputs for arg in ("--input", path)]
    if tool == "baseline":
        return [sys.executable, "-m", "benchmarks.baseline", *ins, "--target", target,
                "--output", out]
    return [sys.executable, "-m", "tuneprep.pipelines.cli", "run", *ins, "--target", target,
            "--output", out, "--overwrite", *beam_args]


def run_benchmark(args) -> dict:
    beam_args = shlex.split(args.beam_args or "")
    os.makedirs(args.workdir, exist_ok=True)
    started = time.perf_counter()
    inputs, in_bytes, reused = ensure_corpus(args.workdir, args.shape, args.records, args.files,
                                             args.seed)
    print(f"corpus: {args.records:,} {args.shape} records, {len(inputs)} file(s), "
          f"{in_bytes / 1e6:.1f} MB ({'reused' if reused else 'generated in '}"
          f"{'' if reused else f'{time.perf_counter() - started:.1f} s'}) "
          f"in {os.path.dirname(inputs[0])}", flush=True)
    runs = []
    for r in range(args.repeat):
        order = ("baseline", "tuneprep") if r % 2 == 0 else ("tuneprep", "baseline")
        for tool in order:
            out = os.path.join(args.workdir, f"out-{tool}")
            if tool == "baseline" and os.path.exists(out):
                shutil.rmtree(out)
            log = os.path.join(args.workdir, f"{tool}.log")
            result = measure(commands(tool, inputs, args.target, out, beam_args), log)
            result.update(tool=tool, repeat=r + 1, **output_counts(out))
            with open(log, "rb") as f:
                result["log_tail"] = f.read()[-2000:].decode("utf-8", "replace")
            runs.append(result)
            print(f"  run {r + 1} {tool:8s} {result['wall_s']:7.2f} s  "
                  f"{result['peak_rss'] / 2**20:7.1f} MiB  exit {result['returncode']}", flush=True)
            if result["returncode"] != 0:
                print(f"ERROR: {tool} exited {result['returncode']}; log {log}:\n"
                      f"{result['log_tail']}", file=sys.stderr)
    return {"when": datetime.datetime.now().isoformat(timespec="seconds"),
            "command": "python -m benchmarks.run " + " ".join(map(shlex.quote, args.argv)),
            "records": args.records, "shape": args.shape, "files": len(inputs),
            "target": args.target, "input_bytes": in_bytes, "beam_args": beam_args,
            "machine": machine(), "runs": runs}


def summarize(result: dict) -> dict:
    per_tool = {}
    for tool in ("baseline", "tuneprep"):
        runs = [r for r in result["runs"] if r["tool"] == tool]
        wall = statistics.median(r["wall_s"] for r in runs)
        per_tool[tool] = {
            "wall_s": wall, "records_per_s": result["records"] / wall,
            "mb_per_s": result["input_bytes"] / 1e6 / wall,
            "peak_rss_mib": statistics.median(r["peak_rss"] for r in runs) / 2**20,
            "tree_peak_rss_mib": statistics.median(r["tree_peak_rss"] for r in runs) / 2**20,
            "ok": all(r["returncode"] == 0 for r in runs)}
    counts = {tool: {(r["output_lines"], r["dead_letters"], tuple(r["reasons"].items()))
                     for r in result["runs"] if r["tool"] == tool} for tool in per_tool}
    b, t = counts["baseline"], counts["tuneprep"]
    agree = len(b) == 1 and b == t
    identical = len({r["data_sha256"] for r in result["runs"]}) == 1
    return {"per_tool": per_tool, "counts_agree": agree, "data_identical": identical,
            "counts": {tool: sorted(c) for tool, c in counts.items()}}


def render(result: dict, summary: dict) -> str:
    m, p = result["machine"], summary["per_tool"]
    b, t = p["baseline"], p["tuneprep"]
    n = max(r["repeat"] for r in result["runs"])
    lines = [
        f"### {result['records']:,} {result['shape']} records ({result['files']} file"
        f"{'s' if result['files'] > 1 else ''}, {result['input_bytes'] / 1e6:.1f} MB) "
        f"→ {result['target']}" + (f" — beam args `{' '.join(result['beam_args'])}`"
                                   if result["beam_args"] else ""),
        "",
        f"{result['when']}; machine: {m['nproc']} CPUs, {m['cpu']}, {m['ram_gib']} GiB RAM; "
        f"Python {m['python']}; apache-beam {m['beam']}; tuneprep at {m['code']}",
        f"`{result['command']}`",
        "",
        f"| median of {n} | baseline | tuneprep | tuneprep / baseline |",
        "|---|---:|---:|---:|",
        f"| wall time (s) | {b['wall_s']:.2f} | {t['wall_s']:.2f} | "
        f"{t['wall_s'] / b['wall_s']:.2f}× |",
        f"| records/s | {b['records_per_s']:,.0f} | {t['records_per_s']:,.0f} | "
        f"{t['records_per_s'] / b['records_per_s']:.2f}× |",
        f"| input MB/s | {b['mb_per_s']:.1f} | {t['mb_per_s']:.1f} | "
        f"{t['mb_per_s'] / b['mb_per_s']:.2f}× |",
        f"| peak RSS (MiB, largest process) | {b['peak_rss_mib']:.0f} | {t['peak_rss_mib']:.0f} | "
        f"{t['peak_rss_mib'] / b['peak_rss_mib']:.2f}× |",
        f"| peak RSS (MiB, process tree sum) | {b['tree_peak_rss_mib']:.0f} | "
        f"{t['tree_peak_rss_mib']:.0f} | {t['tree_peak_rss_mib'] / b['tree_peak_rss_mib']:.2f}× |",
        "",
        "| run | tool | wall s | peak RSS MiB | output lines | dead letters | reasons | exit |",
        "|---:|---|---:|---:|---:|---:|---|---:|",
    ]
    for r in result["runs"]:
        reasons = ", ".join(f"{k} {v:,}" for k, v in r["reasons"].items()) or "-"
        lines.append(f"| {r['repeat']} | {r['tool']} | {r['wall_s']:.2f} | "
                     f"{r['peak_rss'] / 2**20:.0f} | {r['output_lines']:,} | "
                     f"{r['dead_letters']:,} | {reasons} | {r['returncode']} |")
    lines.append("")
    if summary["counts_agree"] and b["ok"] and t["ok"]:
        lines.append("counts: baseline and tuneprep agree (output lines, dead letters, reasons); "
                     "data files " + ("byte-identical" if summary["data_identical"] else
                                      "NOT byte-identical (same counts)"))
    else:
        lines.append("WARNING: baseline and tuneprep differ: "
                     + "; ".join(f"{tool} {c}" for tool, c in summary["counts"].items())
                     + ("" if b["ok"] and t["ok"] else " (a run failed)"))
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--records", type=int, required=True)
    p.add_argument("--shape", choices=("alpaca", "messages"), default="alpaca")
    p.add_argument("--files", type=int, default=1, help="split the corpus into K files")
    p.add_argument("--target", choices=TARGETS,
                   help="default: bedrock-text for alpaca, bedrock-multi-turn for messages")
    p.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "tuneprep-bench"),
                   help="corpus cache and outputs (default: %(default)s)")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--beam-args", default="", help='extra Beam options for tuneprep, one string')
    p.add_argument("--append-results", metavar="FILE", help="append the markdown table to FILE")
    p.add_argument("--json", metavar="FILE", help="write the raw measurements as JSON")
    args = p.parse_args(argv)
    if args.target is None:
        args.target = "bedrock-multi-turn" if args.shape == "messages" else "bedrock-text"
    if (args.shape == "messages") != (args.target == "bedrock-multi-turn"):
        p.error(f"--shape {args.shape} does not go with --target {args.target}")
    if args.records < 1 or args.files < 1 or args.repeat < 1:
        p.error("--records, --files and --repeat must be at least 1")
    args.argv = argv
    return args


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    result = run_benchmark(args)
    summary = summarize(result)
    table = render(result, summary)
    print()
    print(table, end="")
    if args.append_results:
        with open(args.append_results, "a") as f:
            f.write("\n" + table)
    if args.json:
        with open(args.json, "wb") as f:
            f.write(orjson.dumps({**result, "summary": summary}, option=orjson.OPT_INDENT_2))
    ok = summary["counts_agree"] and all(p["ok"] for p in summary["per_tool"].values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

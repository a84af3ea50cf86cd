"""report.html: the pure renderer (escaping, contents), the dead-letter examples kept by assembly,
the near-limit count, and the page opened in a real headless browser (Debian's chromium).

The browser test saves its screenshot under tests/artifacts/ (git-ignored) and prints the path.
Chromium is installed by the test set-up when missing, only where that is allowed (root, and
`CI` or TUNEPREP_INSTALL_CHROMIUM=1 set); otherwise the test skips and says why."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tuneprep.pipelines.cli import main
from tuneprep.transforms.steps import stats as st
from tuneprep.transforms.steps.process import TRAIN, BatchProcessor
from tuneprep.transforms.report import html_sections as sections
from tuneprep.transforms.report.html import CHOSEN, CSP, render

from tests.helpers import CORPORA, REPO, SAMPLES, read_json, write_jsonl

ARTIFACTS = REPO / "tests" / "artifacts"
HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>']


def _report(**over) -> dict:
    report = st.new_stats()
    report.update(status="succeeded", errors=[], input_records=10, accepted_records=8,
                  dead_letter_records=2, output_records={"train": 7, "validation": 1},
                  dead_letter_reasons={"invalid_json": 2}, dead_letter_stages={"read": 2},
                  files={"in.jsonl": {"input_records": 10, "accepted_records": 8,
                                      "dead_letter_records": 2, "adapter": "alpaca"}},
                  tokens_histogram={"<=64": 5, "<=4096": 3}, turns_histogram={"2": 8},
                  near_limit_records=3, chars={"count": 8, "sum": 800, "min": 10, "max": 200})
    report.update(over)
    return report


def _example(raw: str, message: str = "bad", uri: str = "in.jsonl") -> dict:
    return {"reason": "invalid_json", "stage": "read", "message": message,
            "source": {"uri": uri, "line": 3}, "raw": raw}


# ---------------------------------------------------------------- the renderer

def test_record_text_is_escaped_and_no_script_can_run():
    examples = {"invalid_json": [_example(HOSTILE[0], message=HOSTILE[1], uri=HOSTILE[1]),
                                 _example(HOSTILE[1])]}
    files = {HOSTILE[0]: {"input_records": 1, "accepted_records": 0, "dead_letter_records": 1,
                          "adapter": HOSTILE[1]}}
    page = render(_report(files=files, errors=[HOSTILE[0]],
                          dead_letter_reasons={"invalid_json": 2, HOSTILE[1]: 1}), examples, 4096)
    for text in HOSTILE:
        assert text not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script" not in page.lower()
    assert not re.search(r"<img\b", page) and "onerror=alert" not in page.replace(
        "onerror=alert(1)&gt;", "")
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert CSP == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    assert not re.search(r"(src|href)=\"(https?:)?//", page)   # nothing fetched at view time


def test_page_shows_counts_files_reasons_histograms_and_the_limit():
    page = render(_report(), {"invalid_json": [_example("{bad")]}, 4096)
    for text in ("records in", "written: train", "written: validation", "in.jsonl", "alpaca",
                 "invalid_json", "{bad", "model limit 4,096 tokens", "Turns per conversation",
                 "near the limit (&gt;90%)", "3 <small>37.5%</small>"):
        assert text in page, text
    assert page.count("<svg") >= 4


def test_page_without_limit_data_or_dead_letters_still_renders():
    page = render(_report(dead_letter_records=0, dead_letter_reasons={}, tokens_histogram={},
                          turns_histogram={}, chars={"count": 0, "sum": 0, "min": None,
                                                     "max": None}), {}, None)
    assert "No record was refused" in page and "no model limit" in page
    assert render({}, {}, None).startswith("<!DOCTYPE html>")   # a bare report is no crash


def test_the_file_table_is_bounded_to_the_files_with_the_most_dead_letters(monkeypatch):
    """Issue 28, item 7: 20,000 files made a 7.8 MB page (and ~2 KB a file of the run's memory
    to build it); the page lists FILES_SHOWN of them, report.json every one."""
    monkeypatch.setattr(sections, "FILES_SHOWN", 3, raising=False)
    dead = {"a.jsonl": 0, "b.jsonl": 5, "c.jsonl": 1, "d.jsonl": 5, "e.jsonl": 2, "f.jsonl": 0}
    files = {uri: {"input_records": 10, "accepted_records": 10 - n, "dead_letter_records": n,
                   "adapter": "alpaca"} for uri, n in dead.items()}
    page = render(_report(files=files), {}, None)
    listed = re.findall(r'<td class="path">([a-f])\.jsonl</td>', page)
    assert listed == ["b", "d", "e"]   # most dead letters first; a tie in input order
    assert "The 3 of 6 files with the most dead letters." in page
    assert '<td colspan="6" class="muted">and 3 more files: see report.json</td>' in page
    assert "6 file(s)" in page   # the summary still counts every file
    small = render(_report(files=dict(list(files.items())[:3])), {}, None)
    assert re.findall(r'<td class="path">([a-f])\.jsonl</td>', small) == ["a", "b", "c"]
    assert "more files" not in small and "with the most dead letters" not in small


def test_long_raw_text_is_cut_in_the_page():
    page = render(_report(), {"invalid_json": [_example("x" * 5000)]}, None)
    assert "x" * 600 in page and "x" * 601 not in page


# ---------------------------------------------------------------- statistics and assembly

def test_near_limit_is_counted_in_the_same_pass():
    s = st.new_stats()
    for chars in (10, 89, 90, 91, 100):
        st.add_lengths(s, [chars], 6.0, max_chars=100)
    assert s["near_limit_records"] == 2        # over 90 % of 100 characters
    st.add_lengths(s, [99], 6.0)                  # no limit: nothing is near it
    assert s["near_limit_records"] == 2 and s["chars"]["count"] == 6


def test_processing_counts_records_near_the_model_limit(tmp_path):
    from tuneprep.transforms.steps.batching import Batch
    from tuneprep.transforms.core.config import RunConfig
    from tuneprep.transforms.io.readers import RawItem
    cfg = RunConfig(target="bedrock-text", output=str(tmp_path), max_tokens=100,
                    token_margin=0.0)         # 600 characters
    items = [RawItem(i, {"instruction": "q", "input": "", "output": "a" * n})
             for i, n in enumerate((10, 538, 560, 599), 1)]
    stats = BatchProcessor(cfg)(Batch(0, 0, "in.jsonl", None, "alpaca", items)).stats
    assert stats["output_records"] == {TRAIN: 4}
    assert stats["near_limit_records"] == 2    # 561 and 600 characters > 540; 539 is not


def test_run_writes_report_html_with_examples_per_reason(tmp_path, capsys):
    rows = [{"instruction": f"q{i}", "input": "", "output": f"a{i}"} for i in range(8)]
    rows += [{"instruction": HOSTILE[0], "input": "", "output": ""}] * 5   # empty_field x5
    path = write_jsonl(tmp_path / "in.jsonl", rows)
    with open(path, "ab") as f:
        f.write(b'{"instruction": "' + HOSTILE[1].encode() + b'\n')
    out = tmp_path / "out"
    assert main(["run", "--input", str(path), "--target", "bedrock-text", "--output",
                 str(out), "--model", "titan-text-express"]) == 0
    capsys.readouterr()
    page = (out / "report.html").read_text(encoding="utf-8")
    manifest = read_json(out / "manifest.json")
    assert "report.html" in [f["path"] for f in manifest["files"]]
    assert page.count("[normalize]") == 3       # at most 3 examples of the 5 empty_field
    assert page.count("[read]") == 1
    assert "model limit 4,096 tokens" in page
    for text in HOSTILE:
        assert text not in page


# ---------------------------------------------------------------- in a real browser

def _allowed_to_install() -> str | None:
    """None when apt-get may be used here, else why not."""
    if os.name != "posix" or os.geteuid() != 0:
        return "not running as root"
    if not (os.environ.get("CI") or os.environ.get("TUNEPREP_INSTALL_CHROMIUM") == "1"):
        return "set CI=1 or TUNEPREP_INSTALL_CHROMIUM=1 to let the tests install it"
    if not shutil.which("apt-get"):
        return "apt-get is not available"
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists()
                                      else None)
        if found:
            return found
    why = _allowed_to_install()
    if why:
        pytest.skip(f"chromium is not installed and cannot be installed here ({why}); "
                    "install it with `apt-get install -y chromium` to run the browser test")
    try:
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            subprocess.run(cmd, check=True, capture_output=True, timeout=600,
                           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    except (subprocess.SubprocessError, OSError) as e:
        pytest.skip(f"chromium is not installed and `apt-get install chromium` failed: {e}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get install chromium ran but no chromium command appeared")
    return found


def _screenshot(chromium: str, page: Path, png: Path, tmp_path: Path) -> str:
    """Renders `page` headless to `png`; returns chromium's stderr (console messages included)."""
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--disable-extensions", f"--user-data-dir={tmp_path / 'profile'}",
           "--enable-logging=stderr", "--v=0", f"--screenshot={png}", "--window-size=1200,2000",
           page.resolve().as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stderr


def _console_errors(stderr: str) -> list[str]:
    """Console messages and uncaught errors of the page (chromium's own dbus/gpu noise is not)."""
    return [line for line in stderr.splitlines()
            if "CONSOLE" in line or "Uncaught" in line or "Content Security Policy" in line
            or "Refused to" in line]


def test_report_renders_in_a_headless_browser(chromium, tmp_path, capsys):
    """A run over the shared corpora (the bundled samples when they are absent), opened in
    chromium: it renders, logs no console error, and the screenshot is kept for people to see."""
    out = tmp_path / "out"
    if CORPORA.is_dir():
        inputs = [CORPORA / name for name in (
            "sharegpt_fastchat_dummy", "openai_chat_toy", "sharegpt_glaive_toolcall",
            "bedrock_samples/nova_tooluse_train_ft.jsonl", "llamafactory_samples",
            "alpaca_demo_1k")]
        args = ["--target", "bedrock-multi-turn", "--model", "claude-3-haiku",
                "--validation-split", "0.1"]
    else:
        inputs, args = [SAMPLES / "alpaca_sample.jsonl"], ["--target", "bedrock-text",
                                                           "--model", "titan-text-express"]
    hostile = write_jsonl(tmp_path / "hostile.jsonl", [
        {"messages": [{"role": "user", "content": text}]} for text in HOSTILE])
    argv = ["run", "--output", str(out), *args]
    for uri in [*inputs, hostile]:
        argv += ["--input", str(uri)]
    assert main(argv) in (0, 1)
    capsys.readouterr()
    page = out / "report.html"
    report = read_json(out / "report.json")
    assert report["dead_letter_records"] >= 2 and len(report["files"]) == len(inputs) + 1 \
        if not CORPORA.is_dir() else len(report["files"]) >= 10
    html_text = page.read_text(encoding="utf-8")
    assert all(text not in html_text for text in HOSTILE)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png = ARTIFACTS / "report.png"
    png.unlink(missing_ok=True)
    stderr = _screenshot(chromium, page, png, tmp_path)
    assert _console_errors(stderr) == [], stderr[-2000:]
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000   # not a blank page
    shutil.copy(page, ARTIFACTS / "report.html")
    with capsys.disabled():
        print(f"\nreport screenshot: {png}")


def test_a_script_in_the_page_would_be_blocked_and_reported(chromium, tmp_path):
    """The console check is real: a page that breaks the CSP shows up in chromium's log, so the
    clean result above means something."""
    page = tmp_path / "bad.html"
    page.write_text(f'<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
                    f'content="{CSP}"></head><body><script>console.error("ran")</script>'
                    f'</body></html>', encoding="utf-8")
    stderr = _screenshot(chromium, page, tmp_path / "bad.png", tmp_path)
    errors = _console_errors(stderr)
    assert errors, stderr[-2000:]                       # the refusal is logged...
    assert not any('"ran"' in line for line in errors)  # ...and the script never ran


def test_tool_use_section_shows_calls_per_record_and_reasoning():
    use = {"records_with_tools": 5, "records_with_calls": 4, "tool_calls": 7,
           "calls_histogram": {"0": 1, "1": 2, "2": 1, "3": 1}, "records_with_reasoning": 2}
    page = render(_report(tool_use=use), {}, None)
    section = page[page.index("<h2>Tool use and reasoning</h2>"):]
    assert "5 of 8 written records (62.5%) define tools; 4 call one, 7 calls in all" in section
    assert "2 written records (25.0%) hold reasoning" in section
    assert "Tool use and reasoning" not in render(_report(), {}, None)


# ---------------------------------------------------------------- a sampled and a failed run

def _dom(chromium: str, page: Path, tmp_path: Path) -> str:
    """The page as chromium laid it out (its DOM after parsing), with the console checked."""
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", f"--user-data-dir={tmp_path / 'dom-profile'}",
           "--enable-logging=stderr", "--v=0", "--dump-dom", page.resolve().as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _console_errors(done.stderr) == [], done.stderr[-2000:]
    return done.stdout


def _many(path: Path, n: int) -> Path:
    return write_jsonl(path, [{"messages": [{"role": "user", "content": f"q{i}"},
                                            {"role": "assistant", "content": f"a{i}"}]}
                              for i in range(n)])


def _sampled_run(tmp_path: Path) -> Path:
    out = tmp_path / "sampled"
    assert main(["run", "--input", str(_many(tmp_path / "many.jsonl", 10_040)), "--target",
                 "bedrock-single-turn", "--model", "claude-3-haiku", "--sample-to-quota",
                 "--output", str(out)]) == 0
    return out


def _failed_run(tmp_path: Path) -> Path:
    out = tmp_path / "failed"   # over the quota, without --sample-to-quota: nothing is written
    assert main(["run", "--input", str(_many(tmp_path / "few.jsonl", 10_002)), "--target",
                 "bedrock-single-turn", "--model", "claude-3-haiku", "--output", str(out)]) == 1
    return out


@pytest.mark.slow
def test_a_sampled_run_reports_the_sampled_out_apart_and_names_the_run(tmp_path, capsys):
    out = _sampled_run(tmp_path)
    capsys.readouterr()
    report = read_json(out / "report.json")
    assert report["sampled_out_records"] == 40 and report["dead_letter_records"] == 0
    run = report["run"]
    assert (run["target"], run["model"]) == ("bedrock-single-turn", "claude-3-haiku")
    assert run["model_limits"]["max_train_records"] == 10_000
    # Haiku's limit at AWS's Haiku validator's 3 characters a token, less the 10 % margin
    assert run["record_limit"] == {"tokens": 32_000, "characters": 86_400,
                                   "chars_per_token": 3.0, "token_margin": 0.1,
                                   "from": "--model"}
    assert run["options"]["sample_to_quota"] is True
    assert run["versions"]["tuneprep"] and run["versions"]["apache_beam"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", run["started"])
    assert 0 < run["duration_seconds"] < 600
    sizes = {f["path"]: (f["records"], f["bytes"]) for f in run["files"]}
    assert sizes["train/train.jsonl"] == (10_000, (out / "train/train.jsonl").stat().st_size)
    assert sizes["sampled_out/sampled_out.jsonl"][0] == 40
    page = (out / "report.html").read_text(encoding="utf-8")
    assert CHOSEN in page and "sampled out" in page and "The run" in page
    assert "choose one with --model" not in page and "sampled_out/sampled_out.jsonl" in page
    # sampled out is drawn in the neutral colour, never the dead letters' red
    bars = re.findall(r'fill="(#[0-9a-f]{6})"><title>sampled out: 40</title>', page)
    assert bars == [CHOSEN]


@pytest.mark.slow
def test_a_failed_run_says_nothing_was_written(tmp_path, capsys):
    out = _failed_run(tmp_path)
    stdout = capsys.readouterr().out
    assert stdout.startswith("records in: 10,002; accepted: 10,002; written: nothing (the run "
                             "failed); dead letters: 0")
    report = read_json(out / "report.json")
    assert report["status"] == "failed" and report["output_records"] == {}
    assert report["not_written_records"] == {"train": 10_002}
    assert [f["path"] for f in report["run"]["files"]] == ["dead_letter/dead_letter.jsonl"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "written: train" not in page and "nothing was written" in page


def test_sampled_and_failed_reports_render_in_a_headless_browser(chromium, tmp_path, capsys):
    for out, texts in ((_sampled_run(tmp_path), ("sampled out", "The run", "claude-3-haiku",
                                                 "Files written", "as read")),
                       (_failed_run(tmp_path), ("The run failed", "nothing", "The run",
                                                "nothing was written"))):
        capsys.readouterr()
        dom = _dom(chromium, out / "report.html", tmp_path)
        for text in texts:
            assert text in dom, (out.name, text)
        png = ARTIFACTS / f"report-{out.name}.png"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        _screenshot(chromium, out / "report.html", png, tmp_path)
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")

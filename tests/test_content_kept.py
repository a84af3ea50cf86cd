"""Deterministic, and no content dropped without a reason (issue 12 §4): a record's content is
written, or the record is a dead letter with a reason, or an explicit option drops it.

- Dead letters hold no per-run text (memory addresses): two identical runs write identical
  dead letters and manifests entries.
- An image path that is a FIFO (or socket, device) is a dead letter, never opened (open() on a
  FIFO would wait for a writer for ever).
"""
from __future__ import annotations

import os
import threading

import pytest

from pipelines.cli import main

from tests.conftest import read_json, read_jsonl, write_jsonl


@pytest.fixture
def unblocked():
    """Should a run open a FIFO after all, a writer turns up at once (each time), so the test
    fails on its assertions instead of hanging; a non-blocking open finds no reader otherwise."""
    stop = threading.Event()

    def start(fifo):
        def write():
            while not stop.wait(0.2):
                try:
                    fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:   # ENXIO: nobody is reading it
                    continue
                os.write(fd, b"late")
                os.close(fd)
        threading.Thread(target=write, daemon=True).start()

    yield start
    stop.set()


def test_fifo_image_is_a_dead_letter_and_runs_are_identical(s3, unblocked, tmp_path, capsys):
    from PIL import Image
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    os.mkfifo(corpus / "pipe.jpg")
    unblocked(corpus / "pipe.jpg")
    (corpus / "notes.jpg").write_bytes(b"not an image at all")   # Pillow: "<… at 0x7f…>"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(corpus / "red.jpg", "JPEG")
    captions = write_jsonl(corpus / "captions.jsonl", [
        {"image": "pipe.jpg", "caption": "A pipe."},
        {"image": "notes.jpg", "caption": "Some notes."},
        {"image": "red.jpg", "caption": "A red picture."}])
    runs = []
    for name in ("one", "two"):
        out = tmp_path / name
        code = main(["run", "--target", "bedrock-image", "--input", str(captions),
                     "--image-uri-prefix", s3.uri("images"), "--output", str(out),
                     "--s3-endpoint-url", s3.endpoint])
        _, err = capsys.readouterr()
        assert code == 0, err
        runs.append(out)
    dead = read_jsonl(runs[0] / "dead_letter/dead_letter.jsonl")
    assert [(d["reason"], d["source"]["line"]) for d in dead] == [
        ("image_unreadable", 1), ("image_unreadable", 2)]
    assert "is a FIFO file, not a regular file; it is not opened" in dead[0]["message"]
    assert "no image type is recognised in its content" in dead[1]["message"]
    assert all(" at 0x" not in d["message"] for d in dead)
    assert [r["caption"] for r in read_jsonl(runs[0] / "train/train.jsonl")] == [
        "A red picture."]
    for path in ("dead_letter/dead_letter.jsonl", "train/train.jsonl"):
        assert (runs[0] / path).read_bytes() == (runs[1] / path).read_bytes(), path
    files = [read_json(out / "manifest.json")["files"] for out in runs]
    assert files[0] == files[1]

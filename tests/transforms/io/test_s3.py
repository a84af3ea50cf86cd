"""End-to-end runs against a real S3-protocol server (moto's, on 127.0.0.1; see conftest.py):
inputs and outputs on S3 exactly as on disk, globs and mixed local + S3 inputs, and the
failures that must end a run cleanly (missing bucket, refused credentials, denied access, an
endpoint that goes away in the middle of a run). The CLI is called in-process, as in
test_cli.py."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import orjson
import pytest

from tuneprep.pipelines.cli import main
from tests.helpers import (
    S3Bucket, S3Server, SAMPLES, aws_test_env, check_counts, check_manifest, read_json, read_jsonl)
from tuneprep.transforms.report import status
from tuneprep.transforms.targets import TARGETS

# inputs (sample files) and options per target; a target not listed takes the chat and Alpaca
# samples with no option
TARGET_CASES = {
    "sagemaker-instruction": (["alpaca_sample.jsonl"],
                              ["--template", SAMPLES / "template.json", "--num-shards", "2",
                               "--validation-split", "0.1"]),
    "bedrock-text": (["alpaca_sample.jsonl"], ["--validation-split", "0.1"]),
    "bedrock-pretrain": (["shakespeare.txt", "c4_sample.jsonl"], []),
    "bedrock-single-turn": (["openai_toy_chat.jsonl"], []),
    "bedrock-multi-turn": (["chat_sample.jsonl"], ["--validation-split", "0.2"]),
}
DEFAULT_CASE = (["chat_sample.jsonl", "alpaca_sample.jsonl"], [])
MUST_SUCCEED = set(TARGET_CASES) | {"bedrock-image"}


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def download(bucket: S3Bucket, prefix: str, dest: Path) -> Path:
    """Every object under `prefix` into `dest`, so the disk checks of test_cli.py apply."""
    for key in bucket.keys(prefix.rstrip("/") + "/"):
        path = dest / key[len(prefix.rstrip("/")) + 1:]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bucket.get(key))
    return dest


def data_digests(out: Path) -> dict:
    """path → (records, bytes, sha256) of the data files in a run's manifest."""
    manifest = read_json(out / "manifest.json")
    return {f["path"]: (f["records"], f["bytes"], f["sha256"]) for f in manifest["files"]
            if f["path"].split("/")[0] in ("train", "validation")}


def counts(report: dict) -> dict:
    keys = ("status", "input_records", "accepted_records", "output_records",
            "dead_letter_records", "dead_letter_reasons", "dead_letter_stages")
    return {k: report[k] for k in keys}


def one_line_error(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


# --- pictures for the image flow -----------------------------------------------------------------

def picture(path: Path, size=(768, 512), fmt="JPEG", color=(200, 80, 40)) -> Path:
    from PIL import Image
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, format=fmt)
    return path


CAPTIONS = [  # (image, caption, reason or None) for titan-image-generator
    ("pets/ron.jpg", "Ron the dog on a beach.", None),
    ("pets/ron_copy.jpg", "Ron again, the same picture.", None),
    ("pets/smila.png", "Smila the cat in a tunnel.", None),
    ("pets/really_png.jpg", "A PNG under a .jpg name.", None),
    ("pets/dog2.jpg", "Another dog.", None),
    ("pets/missing.jpg", "This file does not exist.", "image_missing"),
    ("pets/notes.jpg", "This file is text.", "image_unreadable"),
    ("pets/tiny.jpg", "Too small for the model.", "image_dimensions"),
    ("pets/banner.jpg", "Wider than 4:1.", "image_aspect"),
    ("pets/anim.png", "A GIF under a .png name.", "unsupported_image_type"),
]


def caption_corpus(folder: Path) -> Path:
    """Captions naming local images beside them (see CAPTIONS): 5 good images, two of them the
    same picture under two names (uploaded once), and one of each kind of bad image."""
    picture(folder / "pets/ron.jpg")
    picture(folder / "pets/ron_copy.jpg")
    picture(folder / "pets/smila.png", (800, 600), "PNG", (10, 120, 200))
    picture(folder / "pets/really_png.jpg", (600, 600), "PNG")
    picture(folder / "pets/dog2.jpg", (512, 1024), color=(20, 200, 20))
    picture(folder / "pets/tiny.jpg", (100, 100))
    picture(folder / "pets/banner.jpg", (2100, 512))
    picture(folder / "pets/anim.png", (600, 600), "GIF")
    (folder / "pets/notes.jpg").write_bytes(b"not an image at all")
    path = folder / "captions.jsonl"
    path.write_bytes(b"".join(orjson.dumps({"image": i, "caption": c}) + b"\n"
                              for i, c, _ in CAPTIONS))
    return path


# --- every target: the same dataset on S3 as on disk ---------------------------------------------

@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_target_same_bytes_on_s3_as_on_disk(target, s3, tmp_path, capsys):
    """Inputs read from S3 (a glob) and the dataset written to S3 give the same counts and
    byte-identical data files as the same run on disk."""
    if target == "bedrock-image":
        captions = caption_corpus(tmp_path / "corpus")
        local_inputs, extra = [captions], ["--model", "titan-image-generator",
                                           "--image-uri-prefix", s3.uri("images")]
        s3.put("in/captions.jsonl", captions.read_bytes())
        # the caption file on S3, its images local (under --image-root)
        s3_args = ["--input", s3.uri("in/*.jsonl"), "--image-root", tmp_path / "corpus"]
    else:
        names, extra = TARGET_CASES.get(target, DEFAULT_CASE)
        local_inputs = [SAMPLES / n for n in sorted(names)]   # the order a glob gives
        for path in local_inputs:
            s3.put(f"in/{path.name}", path.read_bytes())
        s3_args = ["--input", s3.uri("in/*")]
    disk = tmp_path / "disk"
    args = ["run", "--target", target, *extra, "--s3-endpoint-url", s3.endpoint]
    code_disk, out_disk, err_disk = cli(capsys, *args, "--output", disk,
                                        *[a for p in local_inputs for a in ("--input", p)])
    code_s3, out_s3, err_s3 = cli(capsys, *args, "--output", s3.uri("out"), *s3_args)
    assert code_s3 == code_disk, (err_disk, err_s3)
    if target in MUST_SUCCEED:
        assert code_disk == 0, err_disk
    assert out_s3.splitlines()[:1] == out_disk.splitlines()[:1]   # the summary line
    remote = download(s3, "out", tmp_path / "from_s3")
    assert counts(read_json(remote / "report.json")) == counts(read_json(disk / "report.json"))
    check_counts(read_json(remote / "report.json"))
    check_manifest(remote)
    assert data_digests(remote) == data_digests(disk)
    assert (remote / "_SUCCESS").exists() == (disk / "_SUCCESS").exists() == (code_disk == 0)
    assert not s3.keys("out/_temporary/") and not s3.keys("out/_RUNNING")
    # the dead letters are the same but for where their sources are
    dead = [(d["reason"], d["source"]["line"]) for d in
            read_jsonl(remote / "dead_letter/dead_letter.jsonl")]
    assert dead == [(d["reason"], d["source"]["line"]) for d in
                    read_jsonl(disk / "dead_letter/dead_letter.jsonl")]


def test_glob_and_mixed_local_and_s3_inputs(s3, tmp_path, capsys):
    for i in range(3):
        s3.put(f"data/part-{i}.jsonl", b"".join(
            orjson.dumps({"prompt": f"q{i}-{j}", "completion": f"a{i}-{j}"}) + b"\n"
            for j in range(5)))
    s3.put("data/README.md", b"not data")
    s3.put("data/_hidden/x.jsonl", b'{"prompt": "hidden", "completion": "no"}\n')
    local = tmp_path / "local.jsonl"
    local.write_bytes(b'{"prompt": "local", "completion": "yes"}\n')
    out = tmp_path / "out"
    code, stdout, err = cli(capsys, "run", "--target", "bedrock-text", "--output", out,
                            "--input", s3.uri("data/part-*.jsonl"), "--input", s3.uri("data"),
                            "--input", local, "--s3-endpoint-url", s3.endpoint)
    assert code == 0, err
    report = read_json(out / "report.json")
    assert report["input_records"] == report["accepted_records"] == 16
    assert sorted(report["files"]) == sorted([str(local)] + [s3.uri(f"data/part-{i}.jsonl")
                                                             for i in range(3)])
    assert read_json(out / "manifest.json")["inputs"] == sorted(
        s3.uri(f"data/part-{i}.jsonl") for i in range(3)) + [str(local)]


def test_endpoint_from_the_environment(s3, tmp_path, capsys, monkeypatch):
    """AWS_ENDPOINT_URL_S3 alone is enough (botocore honours it, and the launcher passes it on
    to the workers in the RunConfig)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3.endpoint)
    s3.put("in/a.jsonl", (SAMPLES / "alpaca_sample.jsonl").read_bytes())
    code, _, err = cli(capsys, "run", "--target", "bedrock-text", "--input", s3.uri("in/a.jsonl"),
                       "--output", s3.uri("out"))
    assert code == 0, err
    assert s3.keys("out/_SUCCESS") == ["out/_SUCCESS"]
    manifest = orjson.loads(s3.get("out/manifest.json"))
    assert manifest["options"]["s3_endpoint_url"] == s3.endpoint


# --- failures end cleanly ------------------------------------------------------------------------

def test_missing_bucket(s3, tmp_path, capsys):
    s3.put("in/a.jsonl", (SAMPLES / "alpaca_sample.jsonl").read_bytes())
    base = ["run", "--target", "bedrock-text", "--s3-endpoint-url", s3.endpoint]
    code, out, err = cli(capsys, *base, "--input", "s3://tp-no-such-bucket/in/*.jsonl",
                         "--output", tmp_path / "out")
    assert code == 1 and out == ""
    assert one_line_error(err) == ("error: --input s3://tp-no-such-bucket/in/*.jsonl: the bucket "
                                   "does not exist (NoSuchBucket)")
    assert not (tmp_path / "out").exists()
    code, out, err = cli(capsys, *base, "--input", s3.uri("in/a.jsonl"),
                         "--output", "s3://tp-no-such-bucket/out")
    assert code == 1 and out == ""
    assert "--output s3://tp-no-such-bucket/out: the bucket does not exist" in one_line_error(err)


def test_refused_credentials(s3, tmp_path, capsys, monkeypatch):
    import moto.settings
    s3.put("in/a.jsonl", (SAMPLES / "alpaca_sample.jsonl").read_bytes())
    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)  # moto checks keys
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-canary-8f3a1c")
    code, out, err = cli(capsys, "run", "--target", "bedrock-text", "--input", s3.uri("in/a.jsonl"),
                         "--output", s3.uri("out"), "--s3-endpoint-url", s3.endpoint)
    assert code == 1 and out == ""
    line = one_line_error(err)
    assert "the credentials were refused (InvalidAccessKeyId)" in line
    assert "wrong-secret-canary" not in err


def test_unreachable_endpoint(s3, tmp_path, capsys):
    code, out, err = cli(capsys, "run", "--target", "bedrock-text", "--input", s3.uri("in/a.jsonl"),
                         "--output", tmp_path / "out", "--s3-endpoint-url", "http://127.0.0.1:9")
    assert code == 1 and out == ""
    assert "cannot reach S3 (EndpointConnectionError)" in one_line_error(err)


@pytest.mark.parametrize("argv, expected", [
    (["--input", "s3://AKIAEXAMPLE:very-secret-canary@bucket/x.jsonl"],
     "--input s3://***@bucket/x.jsonl: credentials in a URI are not accepted"),
    (["--input", "s3://bucket/x.jsonl?X-Amz-Signature=very-secret-canary"],
     "credentials in a URI are not accepted"),
    (["--input", "x.jsonl", "--s3-endpoint-url", "http://user:very-secret-canary@minio:9000"],
     "--s3-endpoint-url http://***@minio:9000: credentials in a URI"),
    (["--input", "x.jsonl", "--s3_secret_access_key", "very-secret-canary"],
     "--s3_secret_access_key: not accepted"),
    (["--input", "x.jsonl", "--s3_endpoint_url=http://minio:9000"],
     "--s3-endpoint-url sets the S3 endpoint"),
])
def test_secrets_in_options_are_refused(argv, expected, tmp_path, capsys):
    code, out, err = cli(capsys, "run", "--target", "bedrock-text", "--output", tmp_path / "o",
                         *argv)
    assert code == 2 and out == ""
    assert expected in one_line_error(err)
    assert "very-secret-canary" not in err
    assert not (tmp_path / "o").exists()


def test_no_secret_in_outputs_logs_or_job_graph(s3, tmp_path, capsys, monkeypatch, caplog):
    """The secret key of the environment appears in no file of the dataset, no log line and
    not in the Beam job graph, even when an error message or a path would carry it."""
    import logging

    import base64
    import bz2
    import zlib

    import apache_beam as beam
    from apache_beam.portability.api import beam_runner_api_pb2

    from tuneprep.transforms.beam.pipeline import build
    from tuneprep.pipelines.options import add_run_arguments
    from tuneprep.pipelines.settings import build_config, describe
    import argparse

    canary = "canary-secret-5d1f0b2e9a"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", canary)
    s3.put("in/a.jsonl", (SAMPLES / "alpaca_sample.jsonl").read_bytes())
    s3.put(f"in/{canary}.jsonl", b'{"instruction": "x"}\n{not json\n')   # a secret in a name
    caplog.set_level(logging.INFO)
    argv = ["--target", "bedrock-text", "--input", s3.uri("in/*.jsonl"),
            "--output", s3.uri("out"), "--s3-endpoint-url", s3.endpoint, "--verbose"]
    code, out, err = cli(capsys, "run", *argv)
    assert code == 0, err
    for key in s3.keys("out/"):
        assert canary.encode() not in s3.get(key), key
    assert canary not in out + err + caplog.text
    # the job graph: the pickled DoFns and their RunConfig
    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    argv[argv.index(s3.uri("in/*.jsonl"))] = s3.uri("in/a.jsonl")   # no secret in a path
    cfg = build_config(parser.parse_args(argv))
    pipeline = beam.Pipeline()
    build(pipeline, cfg, describe(cfg))
    proto = pipeline.to_runner_api()
    blobs = [proto.SerializeToString()]
    for transform in proto.components.transforms.values():   # the pickled DoFns, unpacked
        if transform.spec.urn == "beam:transform:pardo:v1":
            payload = beam_runner_api_pb2.ParDoPayload.FromString(transform.spec.payload)
            packed = base64.b64decode(payload.do_fn.payload)   # Beam: zlib or bz2
            for unpack in (zlib.decompress, bz2.decompress):
                try:
                    blobs.append(unpack(packed))
                except (zlib.error, OSError, ValueError):
                    pass
    assert any(s3.endpoint.encode() in b for b in blobs)   # the endpoint travels to workers...
    assert not any(canary.encode() in b for b in blobs)    # ...the credentials never do


@pytest.mark.slow
def test_server_stopped_in_the_middle_of_a_run(tmp_path, capsys, monkeypatch):
    """The endpoint goes away while parts are being written: exit 1, one line, no _SUCCESS;
    once it is back, a rerun with --overwrite completes."""
    aws_test_env(monkeypatch, tmp_path)
    server = S3Server().start()
    try:
        bucket = S3Bucket(server, "tp-midrun")
        for i in range(10):
            bucket.put(f"in/part-{i:02d}.jsonl", b"".join(
                orjson.dumps({"prompt": f"question {i}-{j}", "completion": f"answer {j}"}) + b"\n"
                for j in range(400)))
        argv = ["run", "--target", "bedrock-text", "--input", bucket.uri("in/*.jsonl"),
                "--output", bucket.uri("out"), "--s3-endpoint-url", server.endpoint,
                "--batch-size", "40"]
        watcher_client = server.client()
        stopped = threading.Event()

        def stop_after_first_parts():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                listed = watcher_client.list_objects_v2(Bucket="tp-midrun",
                                                        Prefix="out/_temporary/")
                if listed.get("KeyCount", 0) >= 3:
                    server.stop()
                    stopped.set()
                    return
                time.sleep(0.01)

        watcher = threading.Thread(target=stop_after_first_parts)
        watcher.start()
        started = time.monotonic()
        code, out, err = cli(capsys, *argv)
        failed_after = time.monotonic() - started
        watcher.join()
        assert stopped.is_set()
        assert code == 1, (out, err)
        line = one_line_error(err)
        assert line.startswith("error: the run failed: ") and "cannot reach S3" in line, line
        assert "no _SUCCESS" in line

        server = S3Server(server.port).start()   # back, with the same data
        assert bucket.keys("out/_SUCCESS") == []
        assert bucket.keys("out/_temporary/")     # the failed run's parts are still there
        code, out, err = cli(capsys, *argv, "--overwrite")
        assert code == 0, err
        assert bucket.keys("out/_SUCCESS") == ["out/_SUCCESS"]
        assert bucket.keys("out/_temporary/") == []
        report = orjson.loads(bucket.get("out/report.json"))
        assert report["input_records"] == report["accepted_records"] == 4000
        assert len(bucket.get("out/train/train.jsonl").splitlines()) == 4000
        print(f"mid-run stop: failed after {failed_after:.1f} s")
    finally:
        server.stop()


# --- image-caption datasets ----------------------------------------------------------------------

def test_image_flow_uploads_by_content_and_references_real_objects(s3, tmp_path, capsys):
    """Local images are checked by content and against the model, uploaded once under
    --image-uri-prefix with content-addressed names, and the records point at objects that
    exist; bad images are dead letters with their own reason; S3 images are checked where they
    are, and one in another bucket than the dataset's is a warning."""
    captions = caption_corpus(tmp_path / "corpus")
    other = S3Bucket(s3.server, s3.name + "-other")
    picture(tmp_path / "remote.jpg", (1024, 768))
    other.put("cats/remote.jpg", (tmp_path / "remote.jpg").read_bytes())
    remote_captions = tmp_path / "remote.jsonl"
    remote_captions.write_bytes(
        orjson.dumps({"image": other.uri("cats/remote.jpg"), "caption": "On S3 already."})
        + b"\n" + orjson.dumps({"image": other.uri("cats/gone.jpg"), "caption": "Not there."})
        + b"\n")
    argv = ["run", "--target", "bedrock-image", "--model", "titan-image-generator",
            "--input", captions, "--input", remote_captions,
            "--image-uri-prefix", s3.uri("images/"), "--output", s3.uri("dataset"),
            "--s3-endpoint-url", s3.endpoint]
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    # the bad images are over a tenth of the records: the run also says it has many dead letters
    many = [line for line in err.splitlines() if line.startswith("warning: many dead letters")]
    warning = [line for line in err.splitlines() if line not in many]
    assert many and orjson.loads(s3.get("dataset/report.json"))["status"] == status.MANY
    assert len(warning) == 1 and warning[0].startswith("warning: 1 media references are in "
                                                       "another bucket than the dataset's")
    assert f"s3://{other.name} (1)" in warning[0]
    uploads = s3.keys("images/")
    assert len(uploads) == 4                         # ron and ron_copy are one picture
    assert all(len(k.split("/")[1]) == 32 + 4 for k in uploads)
    assert sorted(k[-4:] for k in uploads) == [".jpg", ".jpg", ".png", ".png"]
    written = [orjson.loads(line) for line in s3.get("dataset/train/train.jsonl").splitlines()]
    assert [w["caption"] for w in written] == [c for _, c, r in CAPTIONS if r is None] + [
        "On S3 already."]
    for record in written:
        ref = record["image-ref"]
        bucket, key = ref[len("s3://"):].split("/", 1)
        assert ref.startswith("s3://") and bucket and key         # an s3 URI...
        assert s3.client.head_object(Bucket=bucket, Key=key)["ContentLength"] > 0   # ...that exists
    assert written[0]["image-ref"] == written[1]["image-ref"]     # same content, same object
    report = orjson.loads(s3.get("dataset/report.json"))
    expected = {}
    for _, _, reason in CAPTIONS:
        if reason:
            expected[reason] = expected.get(reason, 0) + 1
    expected["image_missing"] += 1                   # s3://other/cats/gone.jpg
    assert report["dead_letter_reasons"] == dict(sorted(expected.items()))
    assert report["media_buckets"] == {other.name: 1, s3.name: 5}
    dead = [orjson.loads(line) for line in s3.get("dataset/dead_letter/dead_letter.jsonl")
            .splitlines()]
    assert {d["stage"] for d in dead} == {"format"}
    assert any("is 100x100 pixels" in d["message"] for d in dead)
    assert any("is GIF, not JPEG or PNG" in d["message"] for d in dead)

    # a rerun uploads nothing: an object that exists is never written again
    tampered = uploads[0]
    s3.put(tampered, b"left alone")
    code, out, err = cli(capsys, *argv, "--overwrite")
    assert code == 0, err
    assert s3.keys("images/") == uploads and s3.get(tampered) == b"left alone"


@pytest.mark.slow
def test_local_images_need_an_upload_prefix(tmp_path, capsys):
    captions = caption_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", "--target", "bedrock-image", "--input", captions,
                       "--output", out)
    assert code == 1   # nothing accepted
    dead = read_jsonl(out / "dead_letter/dead_letter.jsonl")
    assert {d["reason"] for d in dead} == {"bad_image_ref"}
    assert all("pass --image-uri-prefix s3://" in d["message"] for d in dead)


def test_workers_in_other_processes_get_the_endpoint(s3, capsys):
    """Beam workers in other processes (multi_processing) know the endpoint only from the
    RunConfig: each DoFn's setup() configures fsspec there (no AWS_ENDPOINT_URL is set)."""
    s3.put("in/a.jsonl", (SAMPLES / "alpaca_sample.jsonl").read_bytes())
    code, _, err = cli(capsys, "run", "--input", s3.uri("in/*.jsonl"), "--target", "bedrock-text",
                       "--output", s3.uri("out"), "--s3-endpoint-url", s3.endpoint,
                       "--direct_running_mode=multi_processing", "--direct_num_workers=2")
    assert code == 0, err
    assert s3.keys("out/_SUCCESS") == ["out/_SUCCESS"]
    assert orjson.loads(s3.get("out/report.json"))["accepted_records"] == 91


# --- Converse datasets with images (bedrock-conversation) ----------------------------------------

@pytest.mark.parametrize("model", ["llama3-2-11b-vision-instruct", "nova-lite"])
def test_conversation_images_uploaded_once_and_referenced(model, s3, tmp_path, capsys):
    """A LLaMA-Factory style messages file, one local JPEG a record (8 records, 4 distinct
    pictures: each named twice, once under a copy's name): every picture is checked, uploaded
    once under --image-uri-prefix by content, each record's image block names an object that
    exists, the "<image>" placeholders are gone (Nova reserves the word), and every line passes
    validate_line with the model's rules (Nova: media in the dataset's bucket). A rerun uploads
    nothing."""
    from tuneprep.transforms.targets.models import get_model
    from tuneprep.transforms.core.context import TargetContext
    corpus = tmp_path / "corpus"
    colors = [(200, 80, 40), (20, 200, 20), (10, 120, 200), (240, 240, 0)]
    rows = []
    for i in range(8):
        name = f"pics/p{i % 4}.jpg" if i < 4 else f"pics/copies/p{i % 4}_again.jpg"
        picture(corpus / name, (320 + 16 * (i % 4), 240), color=colors[i % 4])
        rows.append({"messages": [
            {"role": "user", "content": f"<image>What colour is picture {i}?"},
            {"role": "assistant", "content": f"Colour number {i % 4}."},
            {"role": "user", "content": "Are you sure?"},
            {"role": "assistant", "content": "Yes."}], "images": [name]})
    data = corpus / "mllm.json"
    data.write_bytes(orjson.dumps(rows))
    argv = ["run", "--target", "bedrock-conversation", "--model", model, "--input", data,
            "--image-uri-prefix", s3.uri("images"), "--output", s3.uri("dataset"),
            "--s3-endpoint-url", s3.endpoint]
    if model.startswith("nova"):   # (the Forge validator wants the bucket's owner named)
        argv += ["--media-bucket-owner", "123456789012"]
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    # the images are in the dataset's bucket: no warning (but the one saying Llama's tokens are
    # estimated where its tokenizer, an opt-in extra, is not installed)
    assert [line for line in err.splitlines() if "tokenizer is not installed" not in line] == []
    uploads = s3.keys("images/")
    assert len(uploads) == 4                           # once per distinct picture
    assert all(len(k.split("/")[1]) == 32 + 4 and k.endswith(".jpg") for k in uploads)
    report = orjson.loads(s3.get("dataset/report.json"))
    assert (report["accepted_records"], report["dead_letter_records"]) == (8, 0)
    assert report["media_buckets"] == {s3.name: 8}
    lines = s3.get("dataset/train/train.jsonl").splitlines()
    ctx = TargetContext(model=get_model(model), dataset_uri=s3.uri("dataset"))
    target = TARGETS["bedrock-conversation"]
    by_picture: dict[int, set] = {}
    for i, line in enumerate(lines):
        assert target.validate_line(line, ctx) == [], line
        obj = orjson.loads(line)
        first = obj["messages"][0]["content"]
        assert first[1] == {"text": f"What colour is picture {i}?"}      # no "<image>" left
        assert first[0]["image"]["format"] == "jpeg"
        uri = first[0]["image"]["source"]["s3Location"]["uri"]
        bucket, key = uri[len("s3://"):].split("/", 1)
        assert bucket == s3.name and key in uploads
        assert s3.client.head_object(Bucket=bucket, Key=key)["ContentLength"] > 0
        by_picture.setdefault(i % 4, set()).add(uri)
        assert all(len(m["content"]) == 1 for m in obj["messages"][1:])
    assert len(lines) == 8
    assert all(len(uris) == 1 for uris in by_picture.values())   # a copy is the same object
    assert len(set().union(*by_picture.values())) == 4

    # a rerun uploads nothing: an object that exists is never written again
    s3.put(uploads[0], b"left alone")
    code, out, err = cli(capsys, *argv, "--overwrite")
    assert code == 0, err
    assert s3.keys("images/") == uploads and s3.get(uploads[0]) == b"left alone"

"""Nova media without s3Location.bucketOwner (issue 22, item 3): AWS's Nova Forge validator
requires it, so `run` and `validate` refuse such a record (missing_bucket_owner) unless
--media-bucket-owner gives the owner or the input's own s3Location carries one
(transforms/targets/bucket_owner.py)."""
from __future__ import annotations

import io

import orjson
import pytest

from tuneprep.pipelines.cli import main
from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.targets.models import get_model
from tests.helpers import reasons, write_jsonl

OWNER = "123456789012"


def picture_rows(s3, n: int) -> list[dict]:
    """n LLaMA-Factory records, each naming its own small PNG put in the bucket."""
    from PIL import Image
    rows = []
    for i in range(n):
        png = io.BytesIO()
        Image.new("RGB", (64, 48), (i * 20, 80, 40)).save(png, "PNG")
        rows.append({"messages": [{"role": "user", "content": f"what is in picture {i}?"},
                                  {"role": "assistant", "content": "a cat"}],
                     "images": [s3.put(f"img/cat{i}.png", png.getvalue())]})
    return rows


def converse_record(uri: str, owner: str | None = None) -> dict:
    location = {"uri": uri, **({"bucketOwner": owner} if owner else {})}
    return {"schemaVersion": "bedrock-conversation-2024", "messages": [
        {"role": "user", "content": [{"image": {"format": "png", "source": {
            "s3Location": location}}}, {"text": "What is it?"}]},
        {"role": "assistant", "content": [{"text": "A cat."}]}]}


def owners(s3, key: str) -> set:
    written = [orjson.loads(line) for line in s3.get(key).splitlines()]
    return {b["image"]["source"]["s3Location"].get("bucketOwner") for r in written
            for m in r["messages"] for b in m["content"] if "image" in b}


@pytest.mark.slow
def test_a_nova_run_without_a_bucket_owner_refuses_its_media(s3, tmp_path, capsys):
    corpus = write_jsonl(tmp_path / "pics.jsonl", picture_rows(s3, 10))
    base = ["run", "--input", str(corpus), "--target", "bedrock-conversation", "--model",
            "nova-lite", "--s3-endpoint-url", s3.endpoint]
    # the Forge SDK refuses each of the 10: each is a dead letter, nothing is written
    code = main([*base, "--output", s3.uri("ds1")])
    _, err = capsys.readouterr()
    assert code == 1, err
    dead = [orjson.loads(line) for line in
            s3.get("ds1/dead_letter/dead_letter.jsonl").splitlines()]
    assert [d["reason"] for d in dead] == ["missing_bucket_owner"] * 10
    assert [d["source"]["line"] for d in dead] == list(range(1, 11))
    assert "--media-bucket-owner ACCOUNT_ID" in dead[0]["message"]
    assert "train/train.jsonl" not in s3.keys("ds1/")
    # with the option, every one is written with the owner
    code = main([*base, "--output", s3.uri("ds2"), "--media-bucket-owner", OWNER])
    _, err = capsys.readouterr()
    assert code == 0 and "bucketOwner" not in err, err
    assert owners(s3, "ds2/train/train.jsonl") == {OWNER}


@pytest.mark.slow
def test_an_owner_the_input_gives_is_kept(s3, tmp_path, capsys):
    """Converse records that carry their bucketOwner are written with it, no option needed."""
    rows = [converse_record(r["images"][0], OWNER) for r in picture_rows(s3, 8)]
    corpus = write_jsonl(tmp_path / "converse.jsonl", rows)
    code = main(["run", "--input", str(corpus), "--target", "bedrock-conversation", "--model",
                 "nova-lite", "--s3-endpoint-url", s3.endpoint, "--output", s3.uri("ds")])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert owners(s3, "ds/train/train.jsonl") == {OWNER}


def test_validate_refuses_nova_media_without_a_bucket_owner(tmp_path, capsys):
    bare = converse_record("s3://data-bkt/img/cat.png")
    path = write_jsonl(tmp_path / "train.jsonl", [bare, converse_record(bare["messages"][0][
        "content"][0]["image"]["source"]["s3Location"]["uri"], OWNER)])
    args = ["validate", "--target", "bedrock-conversation", str(path)]
    assert main([*args, "--model", "nova-pro"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[0].endswith(
        "train.jsonl:1: missing_bucket_owner: message 1 content[0]: s3Location has no "
        "bucketOwner, which AWS's Nova Forge validator requires for Amazon Nova Pro; "
        "`tuneprep run --media-bucket-owner ACCOUNT_ID` writes it (the account that owns the "
        "media's bucket)")
    assert ":2:" not in out   # the record with an owner passes
    assert "(missing_bucket_owner 1, records 1)" in err   # (records: the file's 2, under 8)
    # Llama 3.2 Vision's validator asks for no owner, nor does the schema without a model
    assert main([*args, "--model", "llama3-2-11b-vision-instruct"]) == 0
    assert main(args) == 0
    assert reasons("bedrock-conversation", bare, TargetContext(model=get_model("nova-lite"))) \
        == ["missing_bucket_owner"]

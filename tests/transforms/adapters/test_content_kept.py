"""Deterministic, and no content dropped without a reason (issue 12 §4): a record's content is
written, or the record is a dead letter with a reason, or an explicit option drops it.

- Every adapter x every target (a property test through the pure core, BatchProcessor): each
  field an adapter reads (README "Inputs") reaches the output line, or the record is a dead
  letter with a reason. Keys an adapter does not read are metadata (ids, category, ...).
- The drop cases found and what each now does (history, system, tools, tool calls, images).
- Dead letters hold no per-run text (memory addresses): two identical runs write identical
  dead letters and manifests.
- An image path that is a FIFO (or socket, device) is a dead letter, never opened (open() on a
  FIFO would wait for a writer for ever).
"""
from __future__ import annotations

import os
import string
import threading
from unittest import mock

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuneprep.pipelines.cli import main
from tuneprep.transforms.io import images
from tuneprep.transforms.adapters import ADAPTERS
from tuneprep.transforms.adapters.image_caption import CAPTION_KEYS, IMAGE_KEYS
from tuneprep.transforms.adapters.text import KEYS as TEXT_KEYS
from tuneprep.transforms.steps.batching import Batch
from tuneprep.transforms.core import preferences
from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.steps.process import DEAD_LETTER, BatchProcessor, stable_message
from tuneprep.transforms.io.readers import RawItem
from tuneprep.transforms.core.records import REASONS
from tuneprep.transforms.core.unwritten_fields import KEY as FIELDS_NOT_WRITTEN
from tuneprep.transforms.targets import TARGETS

from tests.helpers import read_json, read_jsonl, stable_files, write_jsonl


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
    files = [stable_files(read_json(out / "manifest.json")["files"]) for out in runs]
    assert files[0] == files[1]


# --- every adapter x every target: content is written or the record is refused -------------------

_ALPHABET = string.ascii_letters + string.digits + " .,?!é"
_words = st.text(_ALPHABET, min_size=1, max_size=12).map(str.strip).filter(bool)


def _text(label: str):
    """A random non-empty text, marked with its field so no other field's text contains it."""
    return _words.map(lambda w: f"[{label}] {w}")


# metadata: keys no adapter reads (README "Inputs"): kept for templates, not content
_extras = st.dictionaries(st.sampled_from(["id", "category", "source", "lang", "note"]),
                          _text("meta") | st.integers(0, 9), max_size=2)
_image = _words.map(lambda w: "s3://bucket-a/pics/" + w.replace(" ", "_") + ".jpg")


def _tools(label: str):
    """Tool definitions, as glaive's JSON text or as a list."""
    return _text(label).flatmap(lambda name: st.sampled_from([
        orjson.dumps([{"name": name}]).decode(), [{"name": name}]]))


def _with_extras(content: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(content, _extras).map(lambda pair: {**pair[1], **pair[0]})


def _instruction(context_key: str, response_key: str) -> st.SearchStrategy:
    history = st.lists(st.tuples(_text("history-q"), _text("history-a")).map(list),
                       min_size=1, max_size=2)
    return _with_extras(st.fixed_dictionaries(
        {"instruction": _text("instruction"), response_key: _text("response")},
        optional={context_key: _text("context"), "system": _text("system"), "history": history,
                  "tools": _tools("tools"), "images": _image.map(lambda uri: [uri])}))


def _exchanges(user: str, assistant: str, count: int):
    return [(role, f"[turn {i}] {text}") for i, (role, text) in enumerate(
        (r, t) for _ in range(count) for r, t in (("u", user), ("a", assistant)))]


@st.composite
def _messages(draw):
    count = draw(st.integers(1, 3))
    turns = [{"role": "user" if role == "u" else "assistant", "content": text}
             for role, text in _exchanges(draw(_words), draw(_words), count)]
    if draw(st.booleans()):   # an assistant tool call and its result before the last answer
        turns[-1:-1] = [{"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {
                "name": draw(_text("call")),
                "arguments": orjson.dumps({"q": draw(_text("argument"))}).decode()}}]},
            {"role": "tool", "tool_call_id": "c1", "content": draw(_text("result"))}]
    value = {"messages": turns}
    for key, strategy in (("system", _text("system")), ("tools", _tools("tools")),
                          ("functions", _tools("functions")),
                          ("toolConfig", _tools("toolConfig").map(lambda t: {"tools": t})),
                          ("images", _image.map(lambda uri: [uri]))):
        if draw(st.integers(0, 3)) == 0:
            value[key] = draw(strategy)
    return {**draw(_extras), **value}


@st.composite
def _sharegpt(draw):
    count = draw(st.integers(1, 3))
    turns = [{"from": "human" if role == "u" else "gpt", "value": text}
             for role, text in _exchanges(draw(_words), draw(_words), count)]
    if draw(st.booleans()):
        call = {"name": draw(_text("call")), "arguments": {"q": draw(_text("argument"))}}
        turns[-1:-1] = [{"from": "function_call", "value": orjson.dumps(call).decode()},
                        {"from": "observation", "value": draw(_text("result"))}]
    value = {"conversations": turns}
    for key, strategy in (("system", _text("system")), ("tools", _tools("tools")),
                          ("images", _image.map(lambda uri: [uri]))):
        if draw(st.booleans()):
            value[key] = draw(strategy)
    return {**draw(_extras), **value}


# the fields each adapter reads (README "Inputs"); text and image-caption read the first of
# their alternative keys, so a record here has one of them
RECORDS = {
    "alpaca": _instruction("input", "output"),
    "dolly": _instruction("context", "response"),
    "prompt-completion": _with_extras(st.fixed_dictionaries(
        {"prompt": _text("prompt"), "completion": _text("completion")},
        optional={"system": _text("system")})),
    "messages": _messages(),
    "sharegpt": _sharegpt(),
    "text": _text("document") | _with_extras(st.builds(
        lambda key, text: {key: text}, st.sampled_from(TEXT_KEYS), _text("document"))),
    "image-caption": _with_extras(st.builds(
        lambda image_key, image, caption_key, caption: {
            image_key: [image] if image_key == "images" else image, caption_key: caption},
        st.sampled_from(IMAGE_KEYS), _image, st.sampled_from(CAPTION_KEYS), _text("caption"))),
    # preference and RFT records (issue 25): every target of this version refuses them
    "preference": _with_extras(st.fixed_dictionaries(
        {"prompt": _text("prompt"), "chosen": _text("chosen"), "rejected": _text("rejected")})),
    "openai-preference": _with_extras(st.fixed_dictionaries(
        {"input": st.fixed_dictionaries({"messages": st.tuples(_text("prompt")).map(
            lambda t: [{"role": "user", "content": t[0]}])}),
         "preferred_output": _text("chosen").map(lambda t: [{"role": "assistant", "content": t}]),
         "non_preferred_output": _text("rejected").map(
             lambda t: [{"role": "assistant", "content": t}])})),
    "nova-dpo": _with_extras(st.builds(lambda prompt, chosen, rejected: {"messages": [
        {"role": "user", "content": [{"text": prompt}]},
        {"role": "assistant", "candidates": [
            {"content": [{"text": chosen}], "preferenceLabel": "preferred"},
            {"content": [{"text": rejected}], "preferenceLabel": "non-preferred"}]}]},
        _text("prompt"), _text("chosen"), _text("rejected"))),
    "prompt-answer": _with_extras(st.builds(lambda key, prompt, answer: {key: prompt,
                                                                         "answer": answer},
                                            st.sampled_from(["prompt", "question"]),
                                            _text("prompt"), _text("answer"))),
}
assert set(RECORDS) == set(ADAPTERS)
_METADATA = {"id", "category", "source", "lang", "note"}
# a turn's role, a part's kind and a candidate's preference label (a DPO target writes it as
# the place of the answer: preferred_output, chosen): form, not text
_STRUCTURE = {"role", "from", "type", "preferenceLabel"}


def content_texts(value) -> list[str]:
    """Every text of the record's content: the leaves of every field but the metadata (and of
    JSON text, as a tool call or definitions give it: the adapter reads its values)."""
    if isinstance(value, str):
        if value[:1] in ("{", "["):
            try:
                return content_texts(orjson.loads(value))
            except orjson.JSONDecodeError:
                pass
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() if key not in _METADATA | _STRUCTURE
                for text in content_texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in content_texts(item)]
    return []


def output_texts(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in output_texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in output_texts(item)]
    return []


def _placed(ref, prefix, model, taken=tuple(images.FORMATS)):
    """place_image without the store: the S3 image is taken where it is, as a small JPEG."""
    return ref, images.ImageInfo("JPEG", 512, 512, 1000)


_PROCESSORS = {name: BatchProcessor(RunConfig(target=name, output="mem://out"))
               for name in TARGETS}


def run_one(adapter: str, target: str, value) -> tuple[list[dict], list[dict]]:
    """(output objects, dead letters) of one record through the pure core."""
    return run_counted(adapter, target, value)[:2]


def run_counted(adapter: str, target: str, value) -> tuple[list[dict], list[dict], set]:
    """run_one's, and the names of the input fields the run says it did not write."""
    batch = Batch(0, 0, "mem://in/a.jsonl", None, adapter,
                  [RawItem(1, value, raw=orjson.dumps(value))])
    with mock.patch.object(images, "place_image", _placed):
        out = _PROCESSORS[target](batch)
    written = [orjson.loads(line) for split, lines in out.lines.items()
               if split != DEAD_LETTER for line in lines]
    return (written, [orjson.loads(line) for line in out.lines.get(DEAD_LETTER, [])],
            set(out.stats.get(FIELDS_NOT_WRITTEN) or ()))


@pytest.mark.parametrize("adapter", sorted(RECORDS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), target=st.sampled_from(sorted(TARGETS)))
def test_every_field_read_is_written_or_the_record_refused(adapter, data, target):
    value = data.draw(RECORDS[adapter], label="record")
    written, dead, said = run_counted(adapter, target, value)
    if dead:
        assert not written and len(dead) == 1 and dead[0]["reason"] in REASONS
        return
    assert written
    out = output_texts(written)
    # a field the run names as not written is not dropped without a word (an RFT prompt's
    # reference answer on bedrock-distillation, which writes the prompt alone)
    kept = {k: v for k, v in value.items() if k not in said} if isinstance(value, dict) else value
    for text in content_texts(kept):
        assert any(text in piece for piece in out), (
            f"{adapter} -> {target}: {text!r} is not written and the record is not refused")


# --- each drop case, and what it does now ----------------------------------------------------------

def one(adapter: str, target: str, value, **options) -> tuple[list[dict], list[dict]]:
    """(written objects, dead letters) of one record, with these RunConfig options."""
    cfg = RunConfig(target=target, output="mem://out", **options)
    batch = Batch(0, 0, "mem://in/a.jsonl", None, adapter,
                  [RawItem(1, value, raw=orjson.dumps(value))])
    out = BatchProcessor(cfg)(batch)
    return ([orjson.loads(line) for line in out.lines.get("train", [])],
            [orjson.loads(line) for line in out.lines.get(DEAD_LETTER, [])])


def reason_of(adapter, target, value, **options) -> str:
    written, dead = one(adapter, target, value, **options)
    assert not written and len(dead) == 1, (written, dead)
    return dead[0]["reason"]


ALPACA_HISTORY = {"instruction": "And 3+3?", "input": "", "output": "6",
                  "history": [["2+2?", "4"]]}


@pytest.mark.parametrize("target", ["bedrock-text", "sagemaker-instruction"])
def test_a_history_is_refused_by_single_exchange_targets(target):
    assert reason_of("alpaca", target, ALPACA_HISTORY) == "not_single_turn"
    written, _ = one("alpaca", target, {**ALPACA_HISTORY, "history": []})  # an empty one: none
    assert len(written) == 1


def test_a_history_is_written_by_conversation_targets():
    written, _ = one("alpaca", "bedrock-multi-turn", ALPACA_HISTORY)
    assert [m["content"] for m in written[0]["messages"]] == ["2+2?", "4", "And 3+3?", "6"]


def test_a_system_prompt_takes_one_path_whatever_the_input_format():
    """bedrock-text has no system field: the system prompt goes before the prompt, for an
    Alpaca or prompt-completion record as for a messages record."""
    chat = {"system": "Be brief.", "messages": [{"role": "user", "content": "Add\n\n1 and 2"},
                                                 {"role": "assistant", "content": "3"}]}
    alpaca = {"system": "Be brief.", "instruction": "Add", "input": "1 and 2", "output": "3"}
    pair = {"system": "Be brief.", "prompt": "Add\n\n1 and 2", "completion": "3"}
    expected = [{"prompt": "Be brief.\n\nAdd\n\n1 and 2", "completion": "3"}]
    for adapter, value in (("messages", chat), ("alpaca", alpaca), ("prompt-completion", pair)):
        assert one(adapter, "bedrock-text", value) == (expected, []), adapter
    # sagemaker-instruction: before the instruction, unless the template has a {system}
    assert one("alpaca", "sagemaker-instruction", alpaca)[0] == [
        {"instruction": "Be brief.\n\nAdd", "context": "1 and 2", "response": "3"}]
    template = {"prompt": "{system} {instruction} {context}", "completion": "{response}"}
    assert one("alpaca", "sagemaker-instruction", alpaca, template=template)[0] == [
        {"system": "Be brief.", "instruction": "Add", "context": "1 and 2", "response": "3"}]
    nowhere = {"prompt": "{question_text}", "completion": "{response}"}
    assert reason_of("alpaca", "sagemaker-instruction", {**alpaca, "question_text": "Q"},
                     template=nowhere) == "template_field"


GLAIVE = {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}],
          "tools": '[{"name": "get_weather", "parameters": {"type": "object", "properties": {}}}]'}
# the targets that cannot write tool use (openai-chat and bedrock-conversation write it when
# their writers say so: Target.writes_tools) and write a plain conversation (a preference or
# RFT target's own tests refuse tool use in a pair or a prompt)
TOOLLESS = sorted(name for name, target in TARGETS.items() if not target.writes_tools
                  and target.trains_on in (preferences.ANSWERS, preferences.PROMPTS)
                  and name not in {"bedrock-image", "bedrock-pretrain",
                                   "sagemaker-domain-adaptation"})


@pytest.mark.parametrize("target", TOOLLESS)
def test_tool_definitions_are_refused_not_dropped(target):
    written, dead = one("sharegpt", target, GLAIVE)
    assert not written and [d["reason"] for d in dead] == ["tool_turn"]
    assert f"the record holds tool use (definitions, calls or results) that --target {target}" \
        in dead[0]["message"]
    for empty in ("[]", "", [], None):   # no tool defined: nothing to lose
        # (a reward category for nova-ppo, which writes none without one; others leave it out)
        plain = {**GLAIVE, "tools": empty, "reward_category": "default"}
        assert one("sharegpt", target, plain)[0], (target, empty)


def test_tool_definitions_are_dropped_only_by_the_repair_or_written_by_a_template():
    written, dead = one("sharegpt", "bedrock-multi-turn", GLAIVE, repair=("drop_tool_turns",))
    assert not dead and written == [{"messages": [{"role": "user", "content": "Hi"},
                                                  {"role": "assistant", "content": "Hello"}]}]
    # a template naming {tools} takes the definitions, as JSON text of the plain shape
    template = {"prompt": "{tools}\n{instruction}", "completion": "{response}"}
    written, dead = one("sharegpt", "sagemaker-instruction", GLAIVE, template=template)
    assert not dead and orjson.loads(written[0]["tools"]) == orjson.loads(GLAIVE["tools"])
    # ... and a record defining none gets "[]", so every line has the field
    written, dead = one("sharegpt", "sagemaker-instruction", {**GLAIVE, "tools": "[]"},
                        template=template)
    assert not dead and written[0]["tools"] == "[]"
    # as a list (OpenAI) or under OpenAI's older name or Converse's: the same
    chat = {"messages": [{"role": "user", "content": "Hi"},
                         {"role": "assistant", "content": "Hello"}]}
    for key, tools in (("tools", [{"type": "function", "function": {"name": "f"}}]),
                       ("functions", [{"name": "f"}]),
                       ("toolConfig", {"tools": [{"toolSpec": {"name": "f"}}]})):
        assert reason_of("messages", "bedrock-multi-turn", {**chat, key: tools}) == "tool_turn"


def test_a_tool_call_is_a_tool_turn():
    """An OpenAI assistant message with tool_calls was dropped with its call (content text) or
    refused as null content; its calls and results are canonical parts now, refused by a
    target that cannot write them (tool_turn). --repair drop_tool_turns drops the calls and
    results only: the message's text stays, so it meets the next assistant text
    (consecutive_roles, or joined by --repair merge_consecutive)."""
    chat = {"messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "Let me look.", "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "18 C"},
        {"role": "assistant", "content": "It is 18 C."}]}
    for target in ("bedrock-multi-turn", "sagemaker-chat"):
        assert reason_of("messages", target, chat) == "tool_turn"
        assert reason_of("messages", target, chat,
                         repair=("drop_tool_turns",)) == "consecutive_roles"
        written, _ = one("messages", target, chat,
                         repair=("drop_tool_turns", "merge_consecutive"))
        assert "Let me look.\n\nIt is 18 C." in output_texts(written)
        assert "18 C" not in output_texts(written)   # the result is dropped
    chat["messages"][1]["content"] = None
    assert reason_of("messages", "bedrock-multi-turn", chat) == "tool_turn"
    written, _ = one("messages", "bedrock-multi-turn", chat, repair=("drop_tool_turns",))
    assert [m["content"] for m in written[0]["messages"]] == ["Weather in Paris?", "It is 18 C."]


def test_images_of_any_conversation_format_are_kept_or_refused():
    alpaca = {"instruction": "<image>What is this?", "output": "A dog.", "images": ["dog.jpg"]}
    assert reason_of("alpaca", "bedrock-text", alpaca) == "not_taken_by_model"
    assert reason_of("alpaca", "sagemaker-instruction", alpaca) == "not_taken_by_model"
    share = {"conversations": [{"from": "human", "value": "<image>What is this?"},
                               {"from": "gpt", "value": "A dog."}],
             "images": ["s3://bucket-a/dog.jpg"]}
    with mock.patch.object(images, "place_image", _placed):
        written, dead = one("sharegpt", "bedrock-conversation", share)
    assert not dead
    assert written[0]["messages"][0]["content"] == [
        {"image": {"format": "jpeg", "source": {"s3Location": {"uri": "s3://bucket-a/dog.jpg"}}}},
        {"text": "What is this?"}]
    for key in ("videos", "audios"):
        assert reason_of("sharegpt", "bedrock-conversation",
                         {**share, key: ["clip"]}) == "not_taken_by_model"
    two = {"images": ["s3://bucket-a/a.jpg", "s3://bucket-a/b.jpg"], "caption": "Two dogs."}
    assert reason_of("image-caption", "bedrock-image", two) == "too_many_media"


def test_dead_letter_messages_hold_no_memory_address():
    assert stable_message("bad <fsspec.LocalFileOpener object at 0x7ff8a1b2c3d0> here") == \
        "bad <fsspec.LocalFileOpener object> here"
    assert stable_message("field \"x\" is missing") == "field \"x\" is missing"

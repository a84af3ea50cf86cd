"""Preference and RFT inputs (issue 25, the input side): each shape is read into the canonical
record (the prompt as its turns, the chosen / rejected responses as turn tuples, a KTO label, an
RFT reference answer kept as given with every other field a grader field), each refusal has
its own reason code, detection leaves the existing shapes to their adapters, and a supervised
target never writes a reference answer or a rejected response as a training answer."""
from __future__ import annotations

import orjson
import pytest

from tuneprep.transforms.adapters import detect, normalize
from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.core.options import AdapterOptions
from tuneprep.transforms.core.preferences import Preference
from tuneprep.transforms.core.records import NORMALIZE, RecordError, Source
from tuneprep.transforms.core.rft import Reference
from tuneprep.transforms.targets import get_target

from tests.helpers import REPO, formatted, reason

FIXTURES = REPO / "tests" / "fixtures" / "issue25"
SOURCE = Source("mem://in.jsonl", 1)
USE_CHOSEN = TargetContext(repair=frozenset({"use_chosen"}))
SUPERVISED = ["openai-chat", "bedrock-multi-turn", "bedrock-conversation", "sagemaker-chat",
              "bedrock-text", "sagemaker-instruction"]


def pair(chosen, rejected):
    return Preference(chosen=(("assistant", chosen),), rejected=(("assistant", rejected),))


def refused(value, adapter, opts=None) -> RecordError:
    with pytest.raises(RecordError) as error:
        normalize(value, adapter, SOURCE, opts)
    assert error.value.stage == NORMALIZE
    return error.value


def fixture(name: str) -> list:
    path = FIXTURES / name
    if path.suffix == ".json":
        return orjson.loads(path.read_bytes())
    return [orjson.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("name, adapter", [
    ("trl_preference.jsonl", "preference"), ("openai_preference.jsonl", "openai-preference"),
    ("nova_dpo.jsonl", "nova-dpo"), ("rft_messages.jsonl", "prompt-answer"),
    ("prompt_answer.jsonl", "prompt-answer"),
    # LLaMA-Factory's DPO and KTO stay with the adapters that read their conversation
    ("llamafactory_dpo.json", "sharegpt"), ("llamafactory_kto.json", "messages")])
def test_each_fixture_is_detected_as_its_shape(name, adapter):
    assert detect(fixture(name)) == adapter


@pytest.mark.parametrize("value, adapter", [
    # a chat record ending with its answer, whatever metadata it carries, is supervised data
    ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
      "answer": "a", "ground_truth": "a"}, "messages"),
    ({"prompt": "p", "completion": "c", "ground_truth": "c"}, "prompt-completion"),
    ({"instruction": "i", "output": "o", "chosen": "o", "rejected": "x"}, "alpaca"),
    ({"messages": [{"role": "user", "content": "q"}]}, "messages"),
    # a question,answer CSV is as often a supervised pair: not detected as an RFT prompt (the
    # run proposes the field map); with a grader-only key it is one
    ({"question": "q", "answer": "a"}, None),
    ({"prompt": "p", "solution": "s"}, None),
    ({"question": "q", "answer": "a", "ground_truth": "a"}, "prompt-answer"),
    ({"prompt": "p", "reference_answer": "a"}, "prompt-answer"),
])
def test_detection_does_not_take_the_existing_shapes(value, adapter):
    assert detect([value]) == adapter


def test_trl_explicit_prompt_as_a_string_or_messages():
    strings = normalize({"prompt": "Name a prime.", "chosen": "7", "rejected": "9", "id": 3},
                        "preference", SOURCE)
    assert strings.turns == [("user", "Name a prime.")]
    assert strings.preference == pair("7", "9") and strings.fields == {"id": 3}
    listed = normalize(fixture("trl_preference.jsonl")[1], "preference", SOURCE)
    assert listed.turns == [("system", "Be brief."), ("user", "Capital of France?")]
    assert listed.preference == pair("Paris.", "Lyon.")


def test_a_response_is_kept_whole():
    two = [{"role": "assistant", "content": "First."}, {"role": "assistant", "content": "Then."}]
    record = normalize({"prompt": "Go.", "chosen": two, "rejected": "No."}, "preference", SOURCE)
    assert record.preference.chosen == (("assistant", "First."), ("assistant", "Then."))


def test_trl_implicit_prompt_is_the_shared_prefix():
    record = normalize(fixture("trl_preference.jsonl")[2], "preference", SOURCE)
    assert record.turns == [("user", "2 + 2?")] and record.preference == pair("4", "5")
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
               {"role": "user", "content": "2 + 2?"}]
    multi = normalize({"chosen": history + [{"role": "assistant", "content": "4"}],
                       "rejected": history + [{"role": "assistant", "content": "5"}]},
                      "preference", SOURCE)
    assert multi.turns == [("user", "Hi"), ("assistant", "Hello"), ("user", "2 + 2?")]
    # answers sharing their first words: the shared part is the answers', not the prompt's
    same_start = normalize(
        {"chosen": history + [{"role": "assistant", "content": "4"},
                              {"role": "assistant", "content": "Sure."}],
         "rejected": history + [{"role": "assistant", "content": "4"},
                                {"role": "assistant", "content": "Maybe."}]},
        "preference", SOURCE)
    assert same_start.turns == multi.turns
    assert same_start.preference.chosen == (("assistant", "4"), ("assistant", "Sure."))


def test_alpaca_style_dpo_reads_its_instruction_as_the_prompt():
    record = normalize({"instruction": "Translate.", "input": "chat", "chosen": "cat",
                        "rejected": "dog"}, "preference", SOURCE)
    assert record.turns == [("user", "Translate.\n\nchat")] and record.preference == \
        pair("cat", "dog")


def test_openai_preference_input():
    record = normalize(fixture("openai_preference.jsonl")[0], "openai-preference", SOURCE)
    assert record.turns == [("user", "How cold is San Francisco today?")]
    assert record.preference == pair("Around 14-20 C: mild.", "Not cold.")
    assert record.fields == {"parallel_tool_calls": True}
    # named as in a chat record, so openai-chat's writing it counts (not "input.<name>")
    assert record.unread == ("parallel_tool_calls",)


def test_nova_dpo_candidates():
    record = normalize(fixture("nova_dpo.jsonl")[0], "nova-dpo", SOURCE)
    assert record.system == "Be brief." and record.turns == [("user", "Name a prime.")]
    assert record.preference == pair("7", "9")
    value = fixture("nova_dpo.jsonl")[0]
    value["messages"][-1]["candidates"].append(
        {"content": [{"text": "1"}], "preferenceLabel": "non-preferred"})
    ranked = normalize(value, "nova-dpo", SOURCE).preference
    assert ranked.candidates == (("preferred", (("assistant", "7"),)),
                                 ("non-preferred", (("assistant", "9"),)),
                                 ("non-preferred", (("assistant", "1"),)))


def test_llamafactory_dpo_and_kto_hold_their_preference():
    dpo = normalize(fixture("llamafactory_dpo.json")[0], "sharegpt", SOURCE)
    assert dpo.turns == [("system", "Answer briefly."), ("user", "Say hello.")]
    assert dpo.preference == pair("Hello!", "No.")
    kto = normalize(fixture("llamafactory_kto.json")[1], "messages", SOURCE)
    assert kto.preference == Preference(label=False)
    assert kto.turns[-1] == ("assistant", "Five, probably.")   # the response labelled


def test_rft_record_keeps_its_reference_and_grader_fields_as_given():
    first, second, _ = fixture("rft_messages.jsonl")
    record = normalize(first, "prompt-answer", SOURCE)
    assert record.turns[-1][0] == "user" and record.turns[0][0] == "system"
    assert record.reference == Reference("48 + 24 = 72 #### 72", "reference_answer",
                                         {"ground_truth": "72", "id": "gsm8k-1"})
    assert list(record.reference.grader_fields) == ["ground_truth", "id"]   # source order
    # a target writing the prompt alone says it leaves these out
    assert record.unread == ("reference_answer", "ground_truth", "id")
    obj = normalize(second, "prompt-answer", SOURCE).reference
    assert obj.answer == {"sum": 3} and obj.grader_fields == {"task": {"kind": "json",
                                                                         "weight": 2}}


def test_prompt_answer_shapes_take_the_first_reference_key():
    prompt, gsm8k = fixture("prompt_answer.jsonl")
    record = normalize(prompt, "prompt-answer", SOURCE)
    assert record.turns == [("user", "What is 3 * 4?")]
    assert record.reference == Reference("12", "solution", {"ground_truth": "12"})
    question = normalize(gsm8k, "prompt-answer", SOURCE)
    assert question.turns[0][1].startswith("Weng earns") and question.reference.key == "answer"
    listed = normalize({"prompt": [{"role": "user", "content": "Hi?"}], "ground_truth": "x"},
                       "prompt-answer", SOURCE)
    assert listed.turns == [("user", "Hi?")] and listed.reference.answer == "x"


def test_the_field_map_works_for_the_new_keys():
    opts = AdapterOptions(field_map={"reference_answer": "final", "question": "problem"})
    value = {"problem": "1 + 1?", "final": "2", "level": 1}
    assert detect([value], opts) == "prompt-answer"
    record = normalize(value, "prompt-answer", SOURCE, opts)
    assert record.reference == Reference("2", "reference_answer", {"level": 1})
    dpo = AdapterOptions(field_map={"chosen": "good", "rejected": "bad"})
    assert detect([{"prompt": "p", "good": "g", "bad": "b"}], dpo) == "preference"


def test_the_reference_and_the_preference_make_the_record_id():
    base = {"question": "1 + 1?", "answer": "2"}
    ids = {normalize(value, "prompt-answer", SOURCE).with_id().id
           for value in (base, {**base, "answer": "3"}, {**base, "tag": "x"})}
    assert len(ids) == 3
    assert normalize(base, "prompt-answer", SOURCE).with_id().id == \
        normalize(dict(base), "prompt-answer", SOURCE).with_id().id


@pytest.mark.parametrize("value, adapter, code", [
    ({"prompt": "Say yes.", "chosen": "Yes.", "rejected": "Yes."}, "preference",
     "identical_preference"),
    (fixture("openai_preference.jsonl")[1], "openai-preference", "identical_preference"),
    (fixture("llamafactory_dpo.json")[1], "sharegpt", "identical_preference"),
    ({"chosen": [{"role": "user", "content": "2?"}, {"role": "assistant", "content": "2"}],
      "rejected": [{"role": "user", "content": "2?"}, {"role": "assistant", "content": "2"}]},
     "preference", "identical_preference"),
    (fixture("trl_preference.jsonl")[4], "preference", "prompt_mismatch"),
    ({"chosen": [{"role": "system", "content": "A"}, {"role": "user", "content": "q"},
                 {"role": "assistant", "content": "x"}],
      "rejected": [{"role": "system", "content": "B"}, {"role": "user", "content": "q"},
                   {"role": "assistant", "content": "y"}]}, "preference", "prompt_mismatch"),
    ({"chosen": "7", "rejected": "9"}, "preference", "prompt_mismatch"),   # no prompt at all
    ({"prompt": "p", "chosen": "7"}, "preference", "missing_field"),
    ({"prompt": "p", "chosen": "", "rejected": "9"}, "preference", "empty_field"),
    ({"prompt": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
      "chosen": "7", "rejected": "9"}, "preference", "ends_with_assistant"),
    ({"prompt": "p", "chosen": [{"role": "user", "content": "x"}], "rejected": "9"},
     "preference", "unknown_role"),
    (fixture("nova_dpo.jsonl")[1], "nova-dpo", "missing_label"),
    ({"messages": [{"role": "user", "content": [{"text": "q"}]}, {"role": "assistant",
      "candidates": [{"content": [{"text": "a"}], "preferenceLabel": "preferred"},
                     {"content": [{"text": "b"}]}]}]}, "nova-dpo", "missing_label"),
    ({"messages": [{"role": "user", "content": [{"text": "q"}]}, {"role": "assistant",
      "candidates": [{"content": [{"text": "a"}], "preferenceLabel": "preferred"},
                     {"content": [{"image": {"format": "png", "source": {"s3Location": {
                         "uri": "s3://b/i.png"}}}}], "preferenceLabel": "non-preferred"}]}]},
     "nova-dpo", "media_in_assistant_turn"),
    ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
      "kto_tag": "yes"}, "messages", "missing_label"),
    (fixture("rft_messages.jsonl")[2], "prompt-answer", "empty_reference_answer"),
    ({"question": "q", "answer": {}}, "prompt-answer", "empty_reference_answer"),
    ({"question": "q", "answer": None}, "prompt-answer", "empty_reference_answer"),
    ({"question": "q", "reference_answer": 72}, "prompt-answer", "wrong_type"),
    ({"question": "q", "note": "no answer"}, "prompt-answer", "empty_reference_answer"),
    ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
      "answer": "a"}, "prompt-answer", "ends_with_assistant"),
])
def test_each_refusal_has_its_reason(value, adapter, code):
    assert refused(value, adapter).reason == code


RFT_RECORDS = fixture("rft_messages.jsonl")[:2] + fixture("prompt_answer.jsonl")


@pytest.mark.parametrize("target", SUPERVISED)
@pytest.mark.parametrize("ctx", [TargetContext(), USE_CHOSEN])
def test_a_supervised_target_never_writes_a_reference_answer(target, ctx):
    """Safe by construction: the reference answer is Record.reference, never a turn, so a
    target training on answers finds none."""
    for value in RFT_RECORDS:
        record = normalize(value, "prompt-answer", SOURCE)
        # every target that trains on answers refuses it by the one rule, naming the RFT target
        assert reason(target, record, ctx) == "missing_assistant_message"
        with pytest.raises(RecordError) as error:
            get_target(target).format(record, ctx)
        assert "grader's reference" in error.value.message


def test_distillation_takes_the_prompt_and_says_the_reference_is_not_written():
    record = normalize(RFT_RECORDS[0], "prompt-answer", SOURCE)
    written = orjson.dumps(formatted("bedrock-distillation", record)).decode()
    assert "Natalia" in written and "####" not in written
    assert "reference_answer" in record.unread


@pytest.mark.parametrize("ctx", [TargetContext(), USE_CHOSEN])
def test_the_supervised_refusal_names_the_rft_target(ctx):
    """Target.format's preference branch (targets/base.py) refuses a record with a reference
    answer, naming the RFT targets as the registry declares them (core names none)."""
    for value in RFT_RECORDS:
        with pytest.raises(RecordError) as error:
            get_target("openai-chat").format(normalize(value, "prompt-answer", SOURCE), ctx)
        assert error.value.reason == "missing_assistant_message"
        assert "grader's reference" in error.value.message
        assert "--target bedrock-rft" in error.value.message


def test_an_explicit_field_map_reads_a_prompt_answer_file_as_supervised_data():
    opts = AdapterOptions(field_map={"instruction": "question", "output": "answer"})
    value = fixture("prompt_answer.jsonl")[1]
    assert detect([value], opts) == "alpaca"
    written = formatted("openai-chat", normalize(value, "alpaca", SOURCE, opts))
    assert written[0]["messages"][-1]["content"].endswith("#### 10")


@pytest.mark.parametrize("name, adapter", [
    ("trl_preference.jsonl", "preference"), ("openai_preference.jsonl", "openai-preference"),
    ("nova_dpo.jsonl", "nova-dpo")])
def test_new_preference_shapes_are_refused_or_write_only_the_chosen(name, adapter):
    record = normalize(fixture(name)[0], adapter, SOURCE)
    assert reason("openai-chat", record) == "preference_record"
    record = normalize(fixture(name)[0], adapter, SOURCE)
    rejected = record.preference.rejected[0][1]
    written = formatted("openai-chat", record, USE_CHOSEN)[0]["messages"]
    assert written[-1] == {"role": "assistant", "content": record.turns[-1][1]}
    assert rejected not in orjson.dumps(written).decode()


def test_one_record_ending_with_an_answer_does_not_turn_an_rft_file_into_chat():
    """Each value counts for the first adapter matching it: 19 RFT prompts and one record
    ending with an answer are an RFT file (the answer-ending one then refused as such), not 20
    chat records whose reference answers would all be lost."""
    prompt = {"messages": [{"role": "user", "content": "2+2?"}], "reference_answer": "4"}
    answered = {"messages": [{"role": "user", "content": "2+2?"},
                             {"role": "assistant", "content": "4"}], "reference_answer": "4"}
    assert detect([prompt] * 19 + [answered]) == "prompt-answer"
    assert detect([answered] * 19 + [prompt]) == "messages"
    assert refused(answered, "prompt-answer").reason == "ends_with_assistant"

"""--dedup exact's key (transforms/steps/dedup_keys.py): what is and is not the same record,
and which of the same is kept."""
from tuneprep.transforms.core.records import Record, Source
from tuneprep.transforms.core.tools import ToolSpec
from tuneprep.transforms.steps import dedup_keys as dk


def rec(turns, **kwargs):
    return Record(Source(kwargs.pop("uri", "a.jsonl"), kwargs.pop("line", 1)), turns=turns,
                  **kwargs)


def key(*turns, **kwargs):
    return dk.record_key(rec(list(turns), **kwargs))


U, A = ("user", "Name a tree."), ("assistant", "Oak.")


def test_the_same_conversation_is_the_same_key_wherever_it_comes_from():
    assert key(U, A, uri="a.jsonl", line=1) == key(U, A, uri="b.jsonl", line=9)
    assert len(key(U, A)) == dk.KEY_BYTES


def test_whitespace_runs_and_the_ends_do_not_count():
    assert key(("user", "  Name a\n\t tree. "), ("assistant", "Oak.\n")) == key(U, A)


def test_unicode_nfc_makes_composed_and_decomposed_the_same():
    assert key(("user", "caf\u00e9"), A) == key(("user", "cafe\u0301"), A)


def test_case_punctuation_and_inner_text_count():
    assert key(("user", "name a tree."), A) != key(U, A)
    assert key(("user", "Name a tree"), A) != key(U, A)
    assert key(("user", "Nameatree."), A) != key(U, A)   # a space is not nothing


def test_roles_order_and_boundaries_count():
    assert key(("user", "Oak."), ("assistant", "Name a tree.")) != key(U, A)
    # the same words split into turns otherwise are another conversation
    assert key(("user", "Name a tree. Oak."), ("assistant", "")) != key(U, A)


def test_the_system_prompt_media_and_tools_count():
    assert key(U, A, system="Be brief.") != key(U, A)
    assert key(U, A, system="Be   brief.") == key(U, A, system="Be brief.")
    assert key(U, A, image="s3://b/1.png") != key(U, A, image="s3://b/2.png")
    tool = ToolSpec("get_weather", "The weather.", {"type": "object"})
    assert key(U, A, tools=[tool]) != key(U, A)
    assert key(U, A, tools=[tool]) == key(U, A, tools=[ToolSpec("get_weather", "The  weather.",
                                                                {"type": "object"})])


def test_the_first_in_input_order_is_kept_file_then_line():
    at = [dk.location(1, 2), dk.location(0, 7), dk.location(1, 1), dk.location(0, 9)]
    assert list(dk.losers(at)) == [(dk.location(0, 9), dk.location(0, 7)),
                                   (dk.location(1, 1), dk.location(0, 7)),
                                   (dk.location(1, 2), dk.location(0, 7))]
    assert list(dk.losers([dk.location(3, 4)])) == []


def test_a_location_keeps_its_file_line_and_unit():
    assert dk.unpack(dk.location(7, 123_456_789, "record")) == (7, 123_456_789, "record")
    assert dk.unpack(dk.location(0, 1)) == (0, 1, "line")
    assert dk.location(0, 2, "record") < dk.location(0, 3) < dk.location(1, 1)


def test_a_batch_finds_its_lines_buckets_whatever_its_size():
    lines = {1023, 1024, 2050}
    assert dk.buckets(2, lines) == ["2-0", "2-1", "2-2"]
    assert all(dk.bucket(2, n) in dk.buckets(2, lines) for n in lines)


def test_the_message_names_the_kept_record():
    assert "data/a.jsonl:7, which is kept" in dk.duplicate_message("data/a.jsonl",
                                                                   dk.location(0, 7))
    assert "data/a.json record 3" in dk.duplicate_message("data/a.json",
                                                          dk.location(0, 3, "record"))

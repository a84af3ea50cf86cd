import re

import pytest

from tuneprep.transforms.targets.chunking import chunk_text


def squash(text):
    return re.sub(r"\s+", "", text)


TEXT = ("First paragraph. It has two sentences!\n\n"
        "Second paragraph is a little longer. It goes on and on, and then some more words "
        "follow without end.\n\n\n  Third.\n" + "x" * 95 + " tail")


@pytest.mark.parametrize("max_chars", [1, 3, 7, 20, 40, 64, 100, 1000])
def test_invariants(max_chars):
    chunks = chunk_text(TEXT, max_chars)
    assert all(0 < len(chunk) <= max_chars for chunk in chunks)
    assert all(chunk.strip() for chunk in chunks)
    assert squash("".join(chunks)) == squash(TEXT)


def test_short_text_is_one_chunk():
    assert chunk_text("short text", 100) == ["short text"]


def test_paragraph_boundary_preferred():
    text = "a b c. d e f.\n\ng h i. j k l."
    assert chunk_text(text, 20) == ["a b c. d e f.", "g h i. j k l."]


def test_sentence_then_whitespace_then_hard_cut():
    assert chunk_text("One two. Three four.", 12) == ["One two.", "Three four."]
    assert chunk_text("aaaa bbbb cccc", 9) == ["aaaa bbbb", "cccc"]
    assert chunk_text("abcdefghij", 4) == ["abcd", "efgh", "ij"]


def test_whitespace_only_dropped():
    assert chunk_text("   \n\n  ", 3) == []
    assert chunk_text("", 10) == []


def test_bad_max():
    with pytest.raises(ValueError):
        chunk_text("abc", 0)


def test_random_texts_keep_invariants():
    import random
    rng = random.Random(7)
    alphabet = ["a", "bb", "ccc", ".", " ", "  ", "\n", "\n\n", "!", "\t", "\n \n", "é"]
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 150)))
        max_chars = rng.randint(1, 30)
        chunks = chunk_text(text, max_chars)
        assert all(0 < len(chunk) <= max_chars and chunk.strip() for chunk in chunks)
        assert squash("".join(chunks)) == squash(text)

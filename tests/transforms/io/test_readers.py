"""Readers against real files written in tmp_path: every container, compression and bad input."""
from __future__ import annotations

import bz2
import gzip

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from tuneprep.transforms.io.readers import ReadOptions, container_format, read_items


def read(path, **opts):
    return list(read_items(str(path), ReadOptions(**opts)))


def values(items):
    return [(i.line, i.value) for i in items if i.error is None]


def errors(items):
    return [(i.line, i.error.reason) for i in items if i.error is not None]


def write(path, data: bytes):
    path.write_bytes(data)
    return path


JSONL = b'{"a": 1}\n{"a": 2}\n{"a": 3}\n'


# --- JSON Lines ---------------------------------------------------------------------------

def test_jsonl_values_and_line_numbers(tmp_path):
    items = read(write(tmp_path / "d.jsonl", JSONL))
    assert values(items) == [(1, {"a": 1}), (2, {"a": 2}), (3, {"a": 3})]
    assert all(i.error is None for i in items)


@pytest.mark.parametrize("ext,compress", [("gz", gzip.compress), ("bz2", bz2.compress),
                                          ("zst", zstandard.compress),
                                          ("zstd", zstandard.compress)])
def test_jsonl_compressed(tmp_path, ext, compress):
    items = read(write(tmp_path / f"d.jsonl.{ext}", compress(JSONL)))
    assert values(items) == [(1, {"a": 1}), (2, {"a": 2}), (3, {"a": 3})]


def test_bom_crlf_and_blank_lines(tmp_path):
    data = b'\xef\xbb\xbf{"a": 1}\r\n\r\n   \n{"a": 2}\r\n\n'
    items = read(write(tmp_path / "d.jsonl", data))
    assert values(items) == [(1, {"a": 1}), (4, {"a": 2})]
    assert errors(items) == []


def test_invalid_utf8_in_the_middle_keeps_reading(tmp_path):
    data = b'{"a": 1}\n{"a": "\xff\xfe"}\n{"a": 3}\n'
    items = read(write(tmp_path / "d.jsonl", data))
    assert values(items) == [(1, {"a": 1}), (3, {"a": 3})]
    bad = items[1]
    assert (bad.line, bad.error.reason, bad.error.stage) == (2, "invalid_utf8", "read")
    assert bad.raw == b'{"a": "\xff\xfe"}'
    assert bad.error.message.startswith("invalid UTF-8: ")


def test_invalid_json_line(tmp_path):
    items = read(write(tmp_path / "d.jsonl", b'{"a": 1}\n{"a": ,}\n{"a": 3}\n'))
    assert values(items) == [(1, {"a": 1}), (3, {"a": 3})]
    bad = items[1]
    assert (bad.line, bad.error.reason, bad.raw) == (2, "invalid_json", '{"a": ,}')
    assert bad.error.message == "invalid JSON at column 7: unexpected character, expected a JSON value"
    assert "\n" not in bad.error.message


def test_line_over_max_record_bytes(tmp_path):
    big = b'{"a": "' + b"x" * 50_000 + b'"}\n'
    items = read(write(tmp_path / "d.jsonl", b'{"a": 1}\n' + big + b'{"a": 3}\n'),
                 max_record_bytes=10_000)
    assert values(items) == [(1, {"a": 1}), (3, {"a": 3})]
    bad = items[1]
    assert (bad.line, bad.error.reason) == (2, "record_too_large")
    assert bad.raw == big[:4096]
    assert "10000 bytes" in bad.error.message


def test_line_exactly_at_the_limit_is_read(tmp_path):
    line = b'{"a": "' + b"x" * 93 + b'"}'          # 102 bytes
    items = read(write(tmp_path / "d.jsonl", line + b"\n"), max_record_bytes=len(line))
    assert values(items) == [(1, {"a": "x" * 93})]


def test_truncated_gzip_reports_unreadable_after_what_was_read(tmp_path):
    # Varied text, so half the compressed bytes still hold more than the 1 MiB read buffer.
    rows = 60_000
    data = "".join(f'{{"n": {n}, "pad": "{n * 7919 % 100003:x}"}}\n' for n in range(rows))
    packed = gzip.compress(data.encode())
    items = read(write(tmp_path / "d.jsonl.gz", packed[: len(packed) // 2]))
    good = values(items)
    assert 0 < len(good) < rows
    assert good == [(n + 1, {"n": n, "pad": f"{n * 7919 % 100003:x}"}) for n in range(len(good))]
    last = items[-1]
    assert (last.line, last.error.reason) == (len(good) + 1, "unreadable_file")
    assert last.error.message.startswith("unreadable file: EOFError")


def test_missing_file_is_unreadable_at_line_0(tmp_path):
    items = read(tmp_path / "nope.jsonl")
    assert errors(items) == [(0, "unreadable_file")]
    assert "FileNotFoundError" in items[0].error.message


@pytest.mark.parametrize("name,data", [("e.jsonl", b""), ("b.jsonl", b"\n\r\n  \n"),
                                       ("e.json", b"  "), ("a.json", b"[]"),
                                       ("e.csv", b""), ("h.csv", b"a,b\n"),
                                       ("e.txt", b"\n\n"),
                                       # mtime 0: the same test id in every xdist worker
                                       ("e.jsonl.gz", gzip.compress(b"", mtime=0))])
def test_empty_files(tmp_path, name, data):
    assert errors(read(write(tmp_path / name, data))) == [(0, "empty_file")]


# --- JSON documents -------------------------------------------------------------------------

def test_json_array_line_numbers_are_index_plus_one(tmp_path):
    doc = [{"instruction": "a"}, {"instruction": "b"}, 3]
    items = read(write(tmp_path / "d.json", orjson.dumps(doc, option=orjson.OPT_INDENT_2)))
    assert values(items) == [(1, {"instruction": "a"}), (2, {"instruction": "b"}), (3, 3)]


def test_json_single_object(tmp_path):
    items = read(write(tmp_path / "d.json", b'{\n  "messages": [{"role": "user"}]\n}\n'))
    assert values(items) == [(1, {"messages": [{"role": "user"}]})]


def test_json_caption_map(tmp_path):
    items = read(write(tmp_path / "c.json", b'\xef\xbb\xbf{"a.jpg": "A dog", "b.jpg": "A cat"}'))
    assert values(items) == [(1, {"image": "a.jpg", "caption": "A dog"}),
                             (2, {"image": "b.jpg", "caption": "A cat"})]


def test_json_object_with_a_non_string_value_is_one_record(tmp_path):
    items = read(write(tmp_path / "c.json", b'{"a.jpg": "A dog", "n": 3}'))
    assert values(items) == [(1, {"a.jpg": "A dog", "n": 3})]


def test_json_data_wrapper(tmp_path):
    items = read(write(tmp_path / "w.json", b'{"data": [{"text": "x"}, {"text": "y"}]}'))
    assert values(items) == [(1, {"text": "x"}), (2, {"text": "y"})]


def test_a_json_document_the_caller_says_is_one_record_is_not_unwrapped(tmp_path):
    """The reader knows no adapter: whether {"text": ..., "tools": [...]} is one record or a
    wrapper of its list is the caller's ReadOptions.one_record (the config sets it)."""
    doc = {"text": "x", "tools": [{"name": "f"}, {"name": "g"}]}
    path = write(tmp_path / "t.json", orjson.dumps(doc))
    asked = []
    items = read(path, one_record=lambda d, key: asked.append((d, key)) or key == "tools")
    assert values(items) == [(1, doc)] and asked == [(doc, "tools")]
    assert values(read(path)) == [(1, {"name": "f"}), (2, {"name": "g"})]


def test_a_json_array_cut_short_gives_the_elements_before_the_cut_then_where_it_stopped(
        tmp_path):
    items = read(write(tmp_path / "d.json", b'[{"a": 1},\n {"a": 2'))
    assert values(items) == [(1, {"a": 1})]
    assert errors(items) == [(2, "truncated_file")]
    assert items[1].error.message == (
        'truncated file: the JSON array ends inside element 2 (from byte 10) before its closing '
        '"]"; 1 element read; the file may be cut short')


def test_invalid_json_object_is_one_error_at_line_0(tmp_path):
    items = read(write(tmp_path / "d.json", b'{"a": 1,\n "b": '))
    assert errors(items) == [(0, "invalid_json")]
    assert items[0].error.message.startswith("invalid JSON: ")


def test_json_extension_holding_json_lines_is_read_as_lines(tmp_path):
    items = read(write(tmp_path / "d.json", JSONL))
    assert values(items) == [(1, {"a": 1}), (2, {"a": 2}), (3, {"a": 3})]


# --- CSV / TSV ------------------------------------------------------------------------------

def test_csv_rows_with_quoted_newlines_and_crlf(tmp_path):
    data = (b'\xef\xbb\xbfinstruction,response\r\n"say\r\nhi",hello\r\n\r\n'
            b'plain,"a ""quoted"" word"\r\n')
    items = read(write(tmp_path / "d.csv", data))
    assert values(items) == [(2, {"instruction": "say\r\nhi", "response": "hello"}),
                             (5, {"instruction": "plain", "response": 'a "quoted" word'})]


def test_ragged_csv_row_is_invalid_and_reading_goes_on(tmp_path):
    items = read(write(tmp_path / "d.csv", b"a,b\n1,2\n1,2,3\n4\n5,6\n"))
    assert values(items) == [(2, {"a": "1", "b": "2"}), (5, {"a": "5", "b": "6"})]
    assert errors(items) == [(3, "invalid_csv"), (4, "invalid_csv")]
    assert items[1].error.message == "invalid CSV: row has 3 fields, the header has 2"
    assert items[1].raw == "1,2,3"


def test_tsv_and_gzipped_csv(tmp_path):
    tsv = read(write(tmp_path / "d.tsv", b"prompt\tcompletion\nhi, you\tbye\n"))
    assert values(tsv) == [(2, {"prompt": "hi, you", "completion": "bye"})]
    gz = read(write(tmp_path / "d.csv.gz", gzip.compress(b"x,y\n1,2\n")))
    assert values(gz) == [(2, {"x": "1", "y": "2"})]


def test_csv_invalid_utf8_row(tmp_path):
    items = read(write(tmp_path / "d.csv", b"a,b\n1,\xff\n3,4\n"))
    assert values(items) == [(3, {"a": "3", "b": "4"})]
    assert errors(items) == [(2, "invalid_utf8")]
    assert items[0].raw == b"1,\xff"


# --- Parquet --------------------------------------------------------------------------------

def test_parquet_rows_across_record_batches(tmp_path):
    n = 5000
    table = pa.table({"prompt": [f"p{i}" for i in range(n)], "n": list(range(n))})
    path = tmp_path / "d.parquet"
    pq.write_table(table, path, row_group_size=1500)
    items = read(path)
    assert len(items) == n
    assert values(items)[:2] == [(1, {"prompt": "p0", "n": 0}), (2, {"prompt": "p1", "n": 1})]
    assert values(items)[-1] == (n, {"prompt": f"p{n - 1}", "n": n - 1})


def test_parquet_garbage_is_unreadable(tmp_path):
    items = read(write(tmp_path / "d.parquet", b"not parquet at all"))
    assert errors(items) == [(0, "unreadable_file")]


# --- Plain text -----------------------------------------------------------------------------

TEXT = b"\xef\xbb\xbfFirst line\r\nsecond line\r\n\r\n\r\nThird para\n  \nlast\n"


def test_text_whole_file(tmp_path):
    items = read(write(tmp_path / "d.txt", TEXT))
    assert values(items) == [(1, "First line\nsecond line\n\n\nThird para\n  \nlast\n")]


def test_text_lines(tmp_path):
    items = read(write(tmp_path / "d.txt", TEXT), text_unit="line")
    assert values(items) == [(1, "First line"), (2, "second line"), (5, "Third para"),
                             (7, "last")]


def test_text_paragraphs(tmp_path):
    items = read(write(tmp_path / "d.md", TEXT), text_unit="paragraph")
    assert values(items) == [(1, "First line\nsecond line"), (5, "Third para"), (7, "last")]


def test_text_paragraph_over_the_limit(tmp_path):
    data = b"short\n\n" + b"x" * 60 + b"\n" + b"y" * 60 + b"\n\nafter\n"
    items = read(write(tmp_path / "d.txt", data), text_unit="paragraph", max_record_bytes=100)
    assert values(items) == [(1, "short"), (6, "after")]
    assert errors(items) == [(3, "record_too_large")]


def test_text_invalid_utf8_line(tmp_path):
    items = read(write(tmp_path / "d.txt", b"ok\nbad \xff\nfine\n"), text_unit="line")
    assert values(items) == [(1, "ok"), (3, "fine")]
    assert errors(items) == [(2, "invalid_utf8")]


# --- Format choice --------------------------------------------------------------------------

@pytest.mark.parametrize("uri,forced,expected", [
    ("s3://b/x/data.jsonl.gz", None, "jsonl"), ("a.ndjson", None, "jsonl"),
    ("a.JSON", None, "json"), ("a.csv.zst", None, "csv"), ("a.tsv", None, "tsv"),
    ("a.parquet", None, "parquet"), ("a.txt.bz2", None, "text"), ("notes.md", None, "text"),
    ("a.data", None, "unknown"), ("noext", None, "unknown"), ("a.txt", "jsonl", "jsonl")])
def test_container_format(uri, forced, expected):
    assert container_format(uri, forced) == expected


def test_container_format_refuses_an_unknown_forced_format():
    with pytest.raises(ValueError):
        container_format("a.jsonl", "yaml")


@pytest.mark.parametrize("data,expected", [
    (JSONL, [(1, {"a": 1}), (2, {"a": 2}), (3, {"a": 3})]),
    (b'  [{"a": 1}, {"a": 2}]', [(1, {"a": 1}), (2, {"a": 2})]),
    (b'{\n "a": 1\n}\n', [(1, {"a": 1})]),
    (b'{"x.png": "cap"}', [(1, {"image": "x.png", "caption": "cap"})]),
    (b"just some words\nmore\n", [(1, "just some words\nmore\n")]),
])
def test_sniffing_when_the_extension_says_nothing(tmp_path, data, expected):
    assert values(read(write(tmp_path / "data.dat", data))) == expected


def test_forced_format_wins_over_the_extension(tmp_path):
    items = read(write(tmp_path / "d.txt", JSONL), file_format="jsonl")
    assert values(items)[0] == (1, {"a": 1})


# --- JSON arrays: every element read, or a dead letter where reading stopped (issue 28) -------

def alpaca_element(i: int, **extra) -> bytes:
    return orjson.dumps({"instruction": f"q{i}", "input": "", "output": "a", **extra})


def nested(depth: int) -> bytes:
    return b'{"instruction": "deep", "output": "a", "x": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("limit", [4096, 16 * 1024 * 1024])   # streamed, parsed whole
def test_an_element_nested_5000_deep_after_one_255_deep_loses_no_other_element(tmp_path, limit):
    elements = [alpaca_element(i) for i in range(12)]
    elements[1], elements[3] = nested(255), nested(5000)
    items = read(write(tmp_path / "d.json", b"[\n" + b",\n".join(elements) + b"\n]\n"),
                 max_record_bytes=limit)
    assert errors(items) == [(2, "too_deep"), (4, "too_deep")]
    assert [line for line, _ in values(items)] == [1, 3, 5, 6, 7, 8, 9, 10, 11, 12]


def test_a_trailing_comma_in_element_3_of_1000_is_that_element_only(tmp_path):
    elements = [alpaca_element(i) for i in range(1000)]
    elements[2] = elements[2][:-1] + b",}"
    data = b"[\n" + b",\n".join(elements) + b"\n]\n"
    items = read(write(tmp_path / "d.json", data))
    assert errors(items) == [(3, "invalid_json")]
    assert len(values(items)) == 999
    assert items[2].error.message == (
        f"invalid JSON in element 3 of the JSON array (from byte {data.index(elements[2])}): "
        "trailing comma is not allowed")


def test_a_streamed_array_that_stops_parsing_names_the_offset_and_the_elements_read(tmp_path):
    elements = [alpaca_element(i) for i in range(1000)]
    elements[2] = elements[2][:-1] + b",}"
    items = read(write(tmp_path / "d.json", b"[\n" + b",\n".join(elements) + b"\n]\n"),
                 max_record_bytes=4096)
    assert errors(items) == [(3, "unreadable_tail")]
    assert len(values(items)) == 2
    assert ("; after element 2 (2 read), within the first 4,097 bytes; the rest of the document "
            "is not read") in items[2].error.message


@pytest.mark.parametrize("data, expected", [
    (b'[{"a": 1}, {"a": 2}', [(1, {"a": 1}), (2, {"a": 2}), (3, "truncated_file")]),
    (b'[{"a": 1}, {"a": 2},', [(1, {"a": 1}), (2, {"a": 2}), (3, "truncated_file")]),
    (b'[{"a": 1}] {"a": 2}', [(1, {"a": 1}), (2, "unreadable_tail")]),
    (b'[{"a": "]"}, 1,, {"a": "\\"]"}]', [(1, {"a": "]"}), (2, 1), (3, "invalid_json"),
                                          (4, {"a": '"]'})]),
])
def test_a_broken_array_in_memory_gives_every_element_and_says_where_it_ends(tmp_path, data,
                                                                            expected):
    items = read(write(tmp_path / "d.json", data))
    assert [(i.line, i.error.reason if i.error else i.value) for i in items] == expected


# --- a file named .jsonl: lines, or one pretty-printed document (issue 28) -------------------

RECORDS = b"".join(alpaca_element(i) + b"\n" for i in range(1000))


@pytest.mark.parametrize("first", [b"[", b"{", b'{"instruction": "cut", "x": [',
                                   b'{"instruction": "cut", "x": {', b'[{"a": 1},'])
def test_a_jsonl_whose_first_line_opens_a_document_is_still_read_line_by_line(tmp_path, first):
    items = read(write(tmp_path / "d.jsonl", first + b"\n" + RECORDS))
    assert errors(items) == [(1, "invalid_json")]
    assert [line for line, _ in values(items)] == list(range(2, 1002))


def test_a_pretty_printed_document_named_jsonl_is_read_as_one_document(tmp_path):
    doc = orjson.dumps([{"instruction": f"q{i}", "output": "a"} for i in range(3)],
                       option=orjson.OPT_INDENT_2)
    items = read(write(tmp_path / "d.jsonl.gz", gzip.compress(doc)))
    assert values(items) == [(i + 1, {"instruction": f"q{i}", "output": "a"}) for i in range(3)]


def test_a_broken_pretty_printed_document_named_jsonl_is_lines_each_bad_one_a_dead_letter(
        tmp_path):
    doc = b'[\n  {\n    "instruction": "q",\n    "output": "a",\n  }\n]\n'   # trailing comma
    items = read(write(tmp_path / "d.jsonl", doc))
    assert errors(items) == [(line, "invalid_json") for line in range(1, 7)]

"""A file named JSON Lines: its lines, or one pretty-printed JSON document named .jsonl?

Decided per file, where it is read (the worker), from evidence that cannot drop a line: a file
is read as one document only when its first line opens one (formats.opens_document: cheap, on
the first bytes) and the whole file then parses as one JSON value. Reading a file of records
as a document would swallow every line after the first fault (issue 28: a first line "[" or a
record cut after "{" lost 1,000 records with exit 0), while reading a document as lines loses
nothing: each line that is no record is a dead letter (invalid_json).
"""
from __future__ import annotations

from typing import BinaryIO

from tuneprep.transforms.io.readers import recoded
from tuneprep.transforms.io.readers.formats import PEEK_BYTES, opens_document, read_head
from tuneprep.transforms.io.readers.json_stream import CHUNK, JSONError, ijson
from tuneprep.transforms.io.storage import open_read


def one_json_value(stream: BinaryIO) -> bool:
    """Whether the rest of `stream` is exactly one JSON value. Streamed by yajl's parser: memory
    and time linear in the size and depth (1,000,000 nested "[" in 0.5 s and 10 MB)."""
    try:
        for _ in ijson.basic_parse(stream, use_float=True, buf_size=CHUNK):
            pass
    except (JSONError, UnicodeDecodeError):   # (trailing text after the value is one too)
        return False
    except Exception:   # cut short (EOFError, zlib.error, ...): read as lines, which say where
        return False
    return True


def is_document(head: bytes, stream: BinaryIO) -> bool:
    """Whether a file named JSON Lines, whose first bytes are `head` and whole text `stream`,
    is read as one JSON document (see the module's docstring). Reads `stream` only when the
    head opens a document."""
    return opens_document(head) and one_json_value(stream)


def pretty_printed(uri: str, encoding: str = "utf-8") -> bool:
    """is_document() of the file at `uri` (for inspect, --dry-run and the launch's notes)."""
    if not opens_document(read_head(uri, encoding, PEEK_BYTES)):
        return False
    try:
        with open_read(uri, decompress=True) as raw:
            return one_json_value(recoded(raw, encoding))
    except Exception:   # unopenable: the reader proper reports it
        return False

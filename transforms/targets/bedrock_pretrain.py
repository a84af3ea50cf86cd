"""bedrock-pretrain: Bedrock continued pre-training, {"input"}; long documents are chunked."""
from __future__ import annotations

from transforms.targets.base import Target, exact_keys, fail, non_empty_string, require_string
from transforms.targets.chunking import chunk_text


class BedrockPretrain(Target):
    name = "bedrock-pretrain"
    kind = "pretrain"

    def build(self, record, ctx):
        if record.text is None:
            fail("no_document_text", "the record has no document text (is it a conversation "
                                     "or an instruction record?)")
        text = require_string(record.text, "text")
        return [{"input": chunk} for chunk in chunk_text(text, ctx.chunk_chars)]

    def check(self, obj, ctx):
        return exact_keys(obj, {"input"}) or non_empty_string(obj, "input")

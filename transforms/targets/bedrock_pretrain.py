"""bedrock-pretrain: Bedrock continued pre-training, {"input"}; long documents are chunked.

DocumentTarget is the shape shared with sagemaker-domain-adaptation: one object a chunk, the text
under one key."""
from __future__ import annotations

from tuneprep.transforms.targets import requests_bedrock
from tuneprep.transforms.targets.base import Target, exact_keys, fail, non_empty_string, require_string
from tuneprep.transforms.targets.chunking import chunk_text


class DocumentTarget(Target):
    reads = "document"
    key = "input"

    def build(self, record, ctx):
        if record.text is None:
            fail("no_document_text", "the record has no document text (is it a conversation "
                                     "or an instruction record?)")
        text = require_string(record.text, "text")
        return [{self.key: chunk} for chunk in chunk_text(text, ctx.chunk_chars)]

    def check(self, obj, ctx):
        return exact_keys(obj, {self.key}) or non_empty_string(obj, self.key)


class BedrockPretrain(DocumentTarget):
    name = "bedrock-pretrain"
    kind = "pretrain"
    request_builder = requests_bedrock.BedrockRequest("CONTINUED_PRE_TRAINING")
    key = "input"

"""bedrock-conversation: Bedrock fine-tuning in the Converse schema (Amazon Nova, Meta Llama 3.1 /
3.2 incl. Vision): {"schemaVersion": "bedrock-conversation-2024", "system"?: [{"text"}],
"messages": [{"role", "content": [blocks]}]}.

Rules: user/assistant alternate, start with user, end with assistant; media only in user turns;
no record mixes images and a video; and the model's rules from its ModelSpec (media kinds and
formats, media counts, reserved words, media in the dataset's bucket, record and token limits).
The record's image (an s3:// URI) goes before the text of the first user turn.

"Image and video never mixed in one dataset" is checked per record, and over the dataset through
the dataset_facets/dataset_problems hooks: a run whose records mix them fails (no _SUCCESS), and
`tuneprep validate` reports a file that mixes them.
"""
from __future__ import annotations

from transforms.targets.base import Target
from transforms.targets.conversation import clean_turns
from transforms.targets.converse import (check_converse, converse_length, converse_object,
                                         media_block, media_kinds, media_uris,
                                         mixed_media_problems)


class BedrockConversation(Target):
    name = "bedrock-conversation"
    kind = "conversation"

    def build(self, record, ctx):
        system, turns = clean_turns(record, ctx)
        media = media_block(record.image) if record.image is not None else None
        return [converse_object(system, turns, media)]

    def check(self, obj, ctx):
        return check_converse(obj, ctx, min_messages=2, ends_with_assistant=True)

    def measure(self, obj) -> int:
        return converse_length(obj)

    def media_uris(self, obj) -> list[str]:
        return media_uris(obj)

    # the dataset-level rule: the media kinds of each record, then one kind over the union
    def dataset_facets(self, obj) -> set[str]:
        return media_kinds(obj)

    def dataset_problems(self, facets: set, ctx) -> list[tuple[str, str]]:
        return mixed_media_problems(facets)

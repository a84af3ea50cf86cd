"""bedrock-conversation: Bedrock fine-tuning in the Converse schema (Amazon Nova, Meta Llama 3.1 /
3.2 incl. Vision): {"schemaVersion": "bedrock-conversation-2024", "system"?: [{"text"}],
"messages": [{"role", "content": [blocks]}]}.

Rules: user/assistant alternate, start with user, end with assistant; media only in user turns;
no record mixes images and a video; and the model's rules from its ModelSpec (media kinds and
formats, media counts, reserved words, media in the dataset's bucket, record and token limits).
The record's image (an s3:// URI) goes before the text of the first user turn.

Images (where the model takes them; any Converse image without --model) go through the
bedrock-image code path (transforms/io/images.py place_image): checked by their content against the
model's image formats, byte and pixel limits; an s3:// image where it is, a local one then
uploaded under --image-uri-prefix by content, the record pointing at the upload. An s3:// video
(where the model takes videos) is checked where it is: it exists, the model's byte and duration
limits (Nova: 50 MB, 90 s), its container by content (transforms/io/videos.py). Both through
converse_media.py, which `tuneprep validate --check-media` uses too.

"Image and video never mixed in one dataset" is checked per record, and over the dataset through
the dataset_facets/dataset_problems hooks: a run whose records mix them fails (no _SUCCESS), and
`tuneprep validate` reports a file that mixes them. For Nova the same hooks hold each optional
field (system, image, video, reasoning, toolUse, toolResult) in every record or in none.

Tool use (writes_tools; ModelSpec.tool_use decides per model: Nova) and reasoning
(writes_reasoning; ModelSpec.reasoning_content: Nova 2 Lite): a top-level toolConfig from
Record.tools, assistant reasoningContent / text / toolUse blocks, user toolResult / text blocks,
as converse_tools.py writes them (converse_tool_object), checked by converse_tool_checks.py,
whose rules follow the Nova Forge SDK's sft_dataset_validator
(tests/oracles/test_nova_forge_tools.py runs it over what this target writes). A model without
tool use refuses a record that holds some (tool_turn; --repair drop_tool_turns), one without
reasoning a record with reasoning (reasoning_not_taken; --repair drop_reasoning).
"""
from __future__ import annotations

from tuneprep.transforms.targets import requests_bedrock, tool_rules
from tuneprep.transforms.targets.base import Target
from tuneprep.transforms.targets.bucket_owner import owner_for
from tuneprep.transforms.targets.conversation import clean_turns
from tuneprep.transforms.targets.converse import (OPTIONAL_FIELDS, converse_length,
                                                  converse_object, converse_texts,
                                                  inconsistent_field_problems, optional_fields)
from tuneprep.transforms.targets.converse_check import check_converse
from tuneprep.transforms.targets.converse_media_blocks import (media_block, media_kinds,
                                                               mixed_media_problems)
from tuneprep.transforms.targets.converse_tools import converse_tool_object, tool_messages
from tuneprep.transforms.targets.converse_media import ConverseMedia


class BedrockConversation(Target):
    name = "bedrock-conversation"
    kind = "conversation"
    request_builder = requests_bedrock.FINE_TUNING
    takes_media_owner = True   # --media-bucket-owner: s3Location.bucketOwner of its media
    takes_image = True
    media = ConverseMedia()
    writes_tools = True       # where the model takes tool use (ModelSpec.tool_use)
    writes_reasoning = True   # where the model takes reasoning (ModelSpec.reasoning_content)
    selectable_fields = tuple(OPTIONAL_FIELDS)   # system, image, video, reasoning, toolUse, ...

    def build(self, record, ctx):
        media = (media_block(record.image, owner_for(record, ctx))
                 if record.image is not None else None)
        if tool_rules.is_structured(record):
            system, messages = tool_messages(record, ctx)
            return [converse_tool_object(system, messages, media, record.tools)]
        system, turns = clean_turns(record, ctx)
        if record.tools:   # tools defined, none called
            return [converse_tool_object(system, [(role, [(role, content)])
                                                  for role, content in turns],
                                         media, record.tools)]
        return [converse_object(system, turns, media)]

    def check(self, obj, ctx):
        return check_converse(obj, ctx, min_messages=2, ends_with_assistant=True,
                              tools_allowed=True)

    def measure(self, obj) -> int:
        return converse_length(obj)

    def texts(self, obj) -> list[str]:
        return converse_texts(obj)

    # the dataset-level rules: one media kind over the union; for Nova, each optional field in
    # every record or in none
    def dataset_facets(self, obj) -> set[str]:
        return media_kinds(obj) | optional_fields(obj)

    def dataset_problems(self, facets: dict, ctx, records: int = 0) -> list[tuple[str, str]]:
        return mixed_media_problems({f for f, n in facets.items() if n}) + \
            inconsistent_field_problems(facets, records, getattr(ctx, "model", None))

"""What a target needs to know beyond the record: the model, its limits and the user's choices."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Repairs a user may switch on with --repair (off by default: each problem is a dead letter).
REPAIRS = {
    "merge_consecutive": "join two turns of one role in a row into one turn",
    "drop_inner_system": "drop system turns that are not first",
    "drop_tool_turns": "drop tool definitions, calls and results where the target or model "
                       "cannot write them",
    "drop_reasoning": "drop reasoning where the target or model cannot write it",
    "drop_trailing_user": "drop a last user turn that has no answer",
    "drop_leading_assistant": "drop assistant turns before the first user turn",
    "drop_weights": "drop message weights where the target cannot write them (every assistant "
                    "message then trains)",
    "use_chosen": "write a preference record's chosen answer as the assistant turn (its "
                  "rejected one dropped); keep a KTO record labelled true, refuse one labelled "
                  "false",
}


@dataclass
class TargetContext:
    model: Any = None                    # tuneprep.transforms.targets.models.ModelSpec or None
    max_chars: int | None = None         # per-record limit in characters (tokens x chars/token x (1 - margin))
    chars_per_token: float = 6.0         # what max_chars was computed with (AWS's planning rule: 6)
    # exact counts (transforms/core/tokens.py): the tokenizer's name, when the launcher found it
    # installed (RunConfig.tokenizer), and the limit it checks, max_tokens, with no margin; the
    # estimate's max_chars is then left to the report's near-the-limit counts and chunk sizes
    tokenizer: str | None = None
    max_tokens: int | None = None
    chunk_chars: int = 20_000            # pre-training documents are chunked to at most this many chars
    template: dict | None = None         # sagemaker-instruction: {"prompt": ..., "completion": ...}
    placeholder_map: dict[str, str] = field(default_factory=dict)   # placeholder -> record field
    repair: frozenset = frozenset()      # names from REPAIRS
    dataset_uri: str | None = None       # where the dataset is written (Nova: media in its bucket)
    image_uri_prefix: str | None = None  # s3:// folder local images are uploaded under
    media_bucket_owner: str | None = None   # written as s3Location.bucketOwner (Converse media)
    # the optional fields (Target.selectable_fields) a written record must hold / must not hold:
    # how a user makes a dataset whose records differ consistent (Nova takes each optional
    # field in every record or in none); the others are dead letters not_selected
    records_with: frozenset = frozenset()
    records_without: frozenset = frozenset()


def selection_problem(facets: set, ctx) -> str | None:
    """Why a written record with these facets (Target.dataset_facets) is left out by
    --records-with / --records-without; None when it is kept."""
    missing = sorted(ctx.records_with - facets)
    if missing:
        return (f"the record has no {', '.join(missing)} "
                f"(--records-with {','.join(sorted(ctx.records_with))})")
    held = sorted(ctx.records_without & facets)
    if held:
        return (f"the record has {', '.join(held)} "
                f"(--records-without {','.join(sorted(ctx.records_without))})")
    return None

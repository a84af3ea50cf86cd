"""Targets: the canonical Record → the training service's JSON object, and that object's rules.

Contract (used by transforms/process.py, the CLI and `tuneprep validate`):

    TARGETS: dict[str, Target]               the registry; adding a target = a module + an entry
    class Target:
        name: str
        kind: str                # "text-to-text" | "pretrain" | "image" | "single-turn" |
                                 # "multi-turn" | "instruction"  (what models.py matches on)
        layout: str              # "single" (one train.jsonl) | "sharded" (part-NNNNN-of-MMMMM.jsonl)
        takes_validation: bool
        def format(self, record: Record, ctx: TargetContext) -> list[dict]
            # one output object, or several for a chunked document; raises RecordError
            # (stage "format") with a stable reason; never anything else
        def validate(self, obj, ctx: TargetContext) -> list[tuple[str, str]]
            # (reason, message) for every rule the written object breaks; [] when it is fine.
            # Used on every formatted object and by `tuneprep validate` on existing files.
        def measure(self, obj) -> int
            # characters that count toward the model's token limit
        def side_files(self, ctx) -> dict[str, bytes]
            # extra files beside the data in each split folder (template.json); {} for most
"""

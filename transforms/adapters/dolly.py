"""Dolly: {"instruction", "context", "response", "category"}; category and any other scalar
field land in Record.fields."""
from tuneprep.transforms.adapters.common import instruction_adapter

ADAPTER = instruction_adapter("dolly", context_key="context", response_key="response")

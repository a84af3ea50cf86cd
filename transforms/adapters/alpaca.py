"""Alpaca: {"instruction", "input", "output", "system"?, "history"? [[q, a], ...]}."""
from tuneprep.transforms.adapters.common import instruction_adapter

ADAPTER = instruction_adapter("alpaca", context_key="input", response_key="output")

"""The core: the canonical record and its dead letters, the run's config, and a batch of raw
items through every per-record stage (process.py). Plain Python."""

"""Benchmarks: tuneprep against a plain-Python single-process baseline doing the same work.

`python -m benchmarks.run --records N ...` (see benchmarks/README.md)."""

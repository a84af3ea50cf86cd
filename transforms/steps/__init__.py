"""The per-record steps: a batch of raw items read, adapted, formatted and checked
(process.py), the batching of a file's items, the run's counts and samples. Plain Python."""

"""The report a run leaves beside its dataset (report.json is built in io/assemble.py)."""

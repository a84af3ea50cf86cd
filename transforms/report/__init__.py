"""The report a run leaves beside its dataset (report.json is built in sink/assemble.py)."""

"""Findings -> files: the report's model and its formats (JSON, JSONL, CSV, HTML), the aliases table."""

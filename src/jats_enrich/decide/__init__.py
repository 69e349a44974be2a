"""Candidates + policy -> decisions and edits: what is written, suggested or reported, and where."""

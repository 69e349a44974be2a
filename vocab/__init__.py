"""Shipped dictionaries (JSON-LD), installed as jats_enrich.shipped_vocab."""

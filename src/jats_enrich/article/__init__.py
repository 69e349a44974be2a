"""Bytes -> Article -> targets: reading an article, its JATS version, its entities, the elements to enrich."""

"""HTTP -> the library: the enrichment service, its request models and its workers."""

"""Shipped XSLT 3.0 stylesheets, installed as jats_enrich.shipped_xslt."""

"""Package data: tables generated from public facts (see scripts/)."""

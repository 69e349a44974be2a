"""``python -m jats_enrich`` runs the command-line tool."""

from jats_enrich.cli import main

raise SystemExit(main())

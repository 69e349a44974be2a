"""``python -m jats_enrich`` runs the command-line tool."""

from .cli import main

raise SystemExit(main())

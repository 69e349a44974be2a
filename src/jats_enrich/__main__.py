"""``python -m jats_enrich`` runs the command-line tool."""

from jats_enrich.cli.program import main

raise SystemExit(main())

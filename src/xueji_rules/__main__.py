"""``python -m xueji_rules`` runs the command-line interface."""

from xueji_rules.cli import main

raise SystemExit(main())

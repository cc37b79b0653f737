"""The ``xueji-rules`` command (placeholder until the engine lands)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = sys.argv[1:] if argv is None else argv
    print("xueji-rules: not yet implemented:", " ".join(args), file=sys.stderr)
    return 2

"""Tools for policy authors, above the engine: ``diff`` two packs, ``docs`` a pack as a site.

>>> from xueji_rules.authoring import diff_packs, render_markdown, build_site
>>> report = diff_packs("shanxi", "./drafts/shanxi", population=500)   # doctest: +SKIP
>>> print(render_markdown(report))                                   # doctest: +SKIP
>>> build_site("shanxi", "site/")                                    # doctest: +SKIP

See docs/authoring.md.
"""

from __future__ import annotations

from xueji_rules.authoring.diff import diff_packs
from xueji_rules.authoring.report import render_markdown
from xueji_rules.authoring.site import build_site

__all__ = ["build_site", "diff_packs", "render_markdown"]

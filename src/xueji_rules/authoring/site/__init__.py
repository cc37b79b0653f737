"""``docs PACK -o DIR``: a pack as a static HTML site (Chinese, English where the pack has it).

Pages: an overview; every document article by article with its rules as cards (conditions in
words, messages, citations); the parameters with their dated values; one page per transition
(its edges, the inputs it reads, documents, approval bodies, exception routes, obligations and
clocks); each stage's lifecycle as an SVG state diagram drawn by Graphviz (the ``[docs]`` extra);
what a province layer adds, narrows, fills, replaces and disables; and rule coverage. Only the
standard library builds the HTML; nothing is fetched from the network when a page is viewed.
"""

from __future__ import annotations

from xueji_rules.authoring.site.build import SiteResult, build_site, render_site

__all__ = ["SiteResult", "build_site", "render_site"]

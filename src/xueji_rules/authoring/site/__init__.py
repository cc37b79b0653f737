"""``docs PACK -o DIR``: a pack as a static HTML site, in Chinese and, under ``en/``, in English.

Pages: an overview; every document article by article with its rules as cards (conditions in
words, needed inputs, messages with their figures, citations); the parameters with their dated
values; one page per transition from its input contract (edges and their targets, forbidden
moves, the inputs it reads, grounds, applicants, documents, approval bodies, exception routes,
obligations and clocks); each stage's lifecycle as an SVG state diagram drawn by Graphviz (the
``[docs]`` extra) with its forbidden moves; the declared vocabularies; the pack's own input
fields; the records data and the collection form; what a province layer adds, narrows, fills,
replaces and disables; and rule coverage. Only the standard library builds the HTML; nothing is
fetched from the network when a page is viewed, and no page has a script.
"""

from __future__ import annotations

from xueji_rules.authoring.site.build import SiteResult, build_site, render_site

__all__ = ["SiteResult", "build_site", "render_site"]

"""``diff BASE DRAFT``: what a draft pack changes, first in its text, then in its decisions.

>>> from xueji_rules.authoring import diff_packs
>>> report = diff_packs("shanxi", "./drafts/shanxi", population=500, seed=1)   # doctest: +SKIP
>>> report["changed"], report["behaviour"]["changed"]                         # doctest: +SKIP

The report is JSON-ready data (``schemas/diff.schema.json``); :func:`render_markdown` prints it
for a person. The inputs replayed are every scenario of both packs and of the packs they extend
(records and requests only, each once), a seeded population for the transitions the structural
changes touch (every transition when a change can reach any) — pairs generated from the
lifecycle and scenario inputs moved around the term starts — and optionally a JSONL file of real
(record, request) pairs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from xueji_rules.authoring.behaviour import Case, compare_behaviour, read_requests, scenario_cases
from xueji_rules.authoring.diffing import is_empty
from xueji_rules.authoring.population import (
    generate_population,
    hypothesis_available,
    scenario_variants,
    term_starts,
)
from xueji_rules.authoring.programs import PackPrograms
from xueji_rules.authoring.refs import LoadedPack, open_pack
from xueji_rules.authoring.structure import structure_diff, touched_transitions
from xueji_rules.errors import InputError, Location

__all__ = ["DEFAULT_POPULATION", "FORMAT", "diff_loaded", "diff_packs"]

FORMAT = "xueji-rules.diff/1"
DEFAULT_POPULATION = 1000


def _scenario_files(loaded: LoadedPack) -> list[str]:
    pack = loaded.pack
    files = list(pack.scenario_files)
    for root in pack.base_roots:
        tests = Path(root) / "tests"
        if tests.is_dir():
            files += [str(p) for p in sorted(tests.glob("*.yaml"))]
    return files


def _pack_info(loaded: LoadedPack) -> dict[str, Any]:
    pack = loaded.pack
    return {
        "ref": loaded.ref,
        "id": pack.id,
        "version": pack.version,
        "chain": list(pack.chain),
        "digest": pack.digest,
    }


def _scenario_inputs(base: LoadedPack, draft: LoadedPack) -> list[Case]:
    seen: set[str] = set()
    out = []
    for loaded in (base, draft):
        for case in scenario_cases(_scenario_files(loaded), loaded.display):
            key = json.dumps([case.record, case.request], sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                out.append(case)
    return out


def _split(population: int, has_variants: bool) -> tuple[int, int, str | None]:
    """(generated, variants, note): half and half; all variants without Hypothesis."""
    if not hypothesis_available():
        if has_variants:
            return (
                0,
                population,
                "generated pairs skipped (Hypothesis is not installed: "
                + ("pip install 'xueji-rules[test]'); the population is scenario variants only"),
            )
        return (
            0,
            0,
            "population skipped: Hypothesis is not installed (pip install 'xueji-rules[test]')",
        )
    if not has_variants:
        return population, 0, None
    variants = population // 2
    return population - variants, variants, None


def diff_loaded(
    base: LoadedPack,
    draft: LoadedPack,
    *,
    population: int = DEFAULT_POPULATION,
    seed: int = 0,
    requests: str | None = None,
    scenarios: bool = True,
    transitions: Sequence[str] | None = None,
    examples: int = 3,
) -> dict[str, Any]:
    """The diff of two loaded packs (see :func:`diff_packs`)."""
    from xueji_rules.engine import Engine

    if population < 0:
        raise InputError("--population must be 0 or more", Location())
    if examples < 0:
        raise InputError("--examples must be 0 or more", Location())
    if requests is not None and not Path(requests).is_file():
        raise InputError("cannot read requests: no such file", Location(file=requests))
    # the engines first: a pack whose expressions do not type-check is refused with its errors
    base_engine, draft_engine = Engine(base.pack), Engine(draft.pack)
    programs = [PackPrograms(base.pack), PackPrograms(draft.pack)]
    structure = structure_diff(*programs)
    known = set(base.pack.lifecycle.transitions) | set(draft.pack.lifecycle.transitions)
    if transitions:
        unknown = sorted(set(transitions) - known)
        if unknown:
            raise InputError(
                f"--transition: no transition {', '.join(unknown)} in either pack", Location()
            )
        chosen = sorted(set(transitions))
    else:
        touched = touched_transitions(structure, *programs)
        chosen = touched if touched else sorted(known)
    scenario_inputs = _scenario_inputs(base, draft)
    seeds = [
        (c.record, c.request) for c in scenario_inputs if c.request.get("transition") in chosen
    ]
    n_generated, n_variants, note = _split(population, bool(seeds))
    generated = generate_population([draft.pack, base.pack], chosen, n_generated, seed)
    starts = sorted(set(term_starts(draft_engine)) | set(term_starts(base_engine)))
    variants = scenario_variants(seeds, starts, n_variants, seed)
    cases: list[Case] = list(scenario_inputs) if scenarios else []
    cases += [Case("generated", f"generated #{i}", r, q) for i, (r, q) in enumerate(generated, 1)]
    cases += [
        Case("variant", f"scenario variant #{i}", r, q) for i, (r, q) in enumerate(variants, 1)
    ]
    behaviour = compare_behaviour(
        base_engine,
        draft_engine,
        _with_requests(cases, requests),
        structure,
        programs,
        examples=examples,
    )
    behaviour["population"] = {
        "requested": population,
        "generated": len(generated),
        "variants": len(variants),
        "seed": seed,
        "transitions": chosen,
    }
    if note:
        behaviour["population"]["note"] = note
    if requests is not None:
        behaviour["requests_file"] = requests
    return {
        "format": FORMAT,
        "base": _pack_info(base),
        "draft": _pack_info(draft),
        "changed": not is_empty(structure) or behaviour["changed"] > 0,
        "structure": structure,
        "behaviour": behaviour,
    }


def _with_requests(cases: list[Case], requests: str | None) -> Iterator[Case]:
    yield from cases
    if requests is not None:
        yield from read_requests(requests)


def diff_packs(base: str, draft: str, **options: Any) -> dict[str, Any]:
    """Compare the packs ``base`` and ``draft`` (bundled names, paths or ``git:REV:PATH``).

    Options: ``population`` (pairs beside the scenarios, default 1000: half generated by
    Hypothesis, half scenario inputs moved around the term starts; all variants when Hypothesis
    is not installed),
    ``seed``, ``requests`` (a JSONL file of ``{"record", "request"}``), ``scenarios`` (replay the
    packs' scenarios, default true), ``transitions`` (generate for these only), ``examples``
    (per group). Bad references or inputs raise :class:`~xueji_rules.errors.XuejiRulesError`.
    """
    with open_pack(base) as a, open_pack(draft) as b:
        return diff_loaded(a, b, **options)

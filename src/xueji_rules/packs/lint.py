"""``xueji-rules lint``: every problem of a pack at once.

Checks: the files against their schemas, references (documents, articles, transitions, stages,
statuses), layering (undeclared shadowing, overrides of unknown targets), expression syntax,
types and cost, optional inputs read without a guard, message placeholders and figures that
duplicate parameters, ids against the declared vocabularies, calendar files, scenario files,
rules that no lifecycle edge can ever reach, parameters that no expression reads, and a layer's rules
that do not say their `relation` to the base.

One run reports everything it can find: a rules file that fails its schema still has its readable
rules checked by the later stages, and an expression reports all of its problems.
"""

from __future__ import annotations

import os
import re

from xueji_rules.errors import PackError, Problem, XuejiRulesError
from xueji_rules.packs._expressions import compile_expressions, pack_declarations
from xueji_rules.packs._lint_checks import (
    message_problems,
    unguarded_problems,
    vocabulary_problems,
)
from xueji_rules.packs.loader import load_pack_report
from xueji_rules.packs.model import Pack

__all__ = ["lint_pack"]


def _unreachable(pack: Pack) -> list[Problem]:
    problems = []
    for rule in pack.rules:
        for tid in rule.transitions:
            transition = pack.lifecycle.transitions.get(tid)
            if transition is None:
                continue
            edge_stages: set[str] = set()
            for edge in transition.edges:
                edge_stages.update(edge.stages or pack.lifecycle.stages)
            wanted = set(rule.stages or pack.lifecycle.stages)
            if rule.stages and not wanted & edge_stages:
                problems.append(
                    Problem(
                        f"transition '{tid}' has no edge for stages {sorted(wanted)}: the rule can never apply",
                        rule.location,
                        code="unreachable",
                    )
                )
    return problems


_PARAM_REF = re.compile(r"\bparams\.([A-Za-z_][A-Za-z0-9_]*)")


def _expressions(pack: Pack) -> list[str]:
    """Every expression of the effective pack: rules, narrowings, obligations, lifecycle edges."""
    from xueji_rules.packs._expressions import iter_expressions

    texts = [item.source for item in iter_expressions(pack)]
    # records data (records/*.yaml, docs/records.md) names the parameters it reads as `params.X`
    texts += [text for _, doc in pack.record_files for text in _strings(doc.data)]
    return texts


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def _unused_parameters(pack: Pack) -> list[Problem]:
    """A parameter no expression reads holds a figure the pack claims to encode but never checks."""
    used = set(_PARAM_REF.findall("\n".join(_expressions(pack))))
    return [
        Problem(
            f"parameter '{pid}' is read by no rule, obligation or lifecycle edge",
            param.location,
            code="unused-parameter",
        )
        for pid, param in sorted(pack.parameters.items())
        if pid not in used
    ]


def _missing_relations(pack: Pack) -> list[Problem]:
    """A layer's own rule must say how it stands to the base text (docs/pack-format.md)."""
    layers = set(pack.chain[:-1])  # every pack of the chain but the base
    return [
        Problem(
            "a rule of a layer must say how it relates to the base pack: relation: adds, "
            "narrows, fills, replaces or same",
            rule.location,
            code="missing-relation",
        )
        for rule in pack.rules
        if rule.source_pack in layers and rule.relation is None
    ]


def _calendar_conflicts(pack: Pack) -> list[Problem]:
    """Supplied holiday years that contradict chinese-calendar for a year both cover."""
    from xueji_rules.calendar import WorkdayCalendar, load_holiday_file
    from xueji_rules.errors import Location

    problems = []
    for file in pack.calendar_files:
        try:
            year = load_holiday_file(file)
        except XuejiRulesError:
            continue  # not a holiday file, or already reported when the engine loaded
        for difference in WorkdayCalendar.conflicts_with_package(year):
            problems.append(
                Problem(
                    f"holiday data contradicts chinese-calendar: {difference}",
                    Location(file=file),
                    code="calendar",
                )
            )
    return problems


def _expression_checks(pack: Pack) -> list[Problem]:
    """Checks on the compiled expressions (the engine reports those that do not compile)."""
    decls = pack_declarations(pack)
    if decls is None:
        return []
    compiled = compile_expressions(pack, decls)
    problems = [*unguarded_problems(compiled), *message_problems(pack, compiled)]
    if pack.vocabularies:  # SD4: packs declare their ids in vocabularies.yaml
        problems += vocabulary_problems(pack, pack.vocabularies, compiled)
    return problems


def _order(problem: Problem) -> tuple[str, int, int]:
    loc = problem.location
    return (loc.file or "", loc.line or 0, loc.column or 0)


def lint_pack(ref: str | os.PathLike[str]) -> list[Problem]:
    """All problems of the pack ``ref`` (an empty list when it is clean), ordered by file and
    line."""
    from xueji_rules.engine import Engine
    from xueji_rules.testing.scenarios import load_scenarios

    try:
        pack, loaded = load_pack_report(ref)
    except XuejiRulesError as exc:
        return list(exc.problems)
    problems: list[Problem] = list(loaded)
    if pack is None:
        return problems
    try:
        Engine(pack)
    except XuejiRulesError as exc:
        problems.extend(exc.problems)
    problems.extend(_expression_checks(pack))
    problems.extend(_unreachable(pack))
    problems.extend(_unused_parameters(pack))
    problems.extend(_missing_relations(pack))
    problems.extend(_calendar_conflicts(pack))
    for file in pack.scenario_files:
        try:
            load_scenarios(file)
        except PackError as exc:
            problems.extend(exc.problems)
    return sorted(problems, key=_order)

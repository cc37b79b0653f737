"""Every expression of an effective pack, where it is, what guards it, and its compiled program.

Lint, ``show`` and the per-transition input contract all walk a pack's expressions the same
way: rule conditions, narrowings, obligation clocks and lifecycle edges, each with the paths its
context guarantees present (a rule's ``needs`` and its ``when``'s ``has()`` tests, an obligation's
own ``when``, an edge's ``when``). Programs are compiled with the engine's declarations; an
expression that does not compile is skipped here (the engine reports it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from xueji_rules import expr
from xueji_rules.errors import ExpressionError, Location, XuejiRulesError
from xueji_rules.expr import types as t
from xueji_rules.packs.model import Pack, Rule

__all__ = [
    "PackExpression",
    "compile_expressions",
    "guards_of",
    "iter_expressions",
    "pack_declarations",
    "rule_needs",
]


@dataclass(frozen=True, slots=True)
class PackExpression:
    """One expression of a pack: its text, what it is (``what``), where it is, the rule or
    transition it belongs to, the type it must have, and the expressions guarding it."""

    source: str
    what: str
    location: Location
    want: t.Type
    rule: Rule | None = None
    transition: str | None = None
    stages: tuple[str, ...] | None = None
    guarded_by: tuple[str, ...] = ()  # sources whose has() tests hold whenever this one runs
    needs: tuple[str, ...] = ()


def rule_needs(rule: Rule) -> tuple[str, ...]:
    """The inputs a rule declares it needs (SD5 ``needs:``): present whenever its require,
    narrowings and obligations run."""
    return tuple(rule.needs)


def iter_expressions(pack: Pack) -> Iterator[PackExpression]:
    """Every expression of the effective pack, rules first (in pack order), then edges."""
    for rule in pack.rules:
        yield from _rule_expressions(rule)
    for tid, transition in sorted(pack.lifecycle.transitions.items()):
        for edge in transition.edges:
            what = f"transition '{tid}'"
            if edge.when:
                yield PackExpression(
                    edge.when, f"{what} when", edge.location, t.BOOL, None, tid, edge.stages
                )
            guards = (edge.when,) if edge.when else ()
            for field, want in (
                ("to_stage", t.STRING),
                ("to_grade", t.INT),
                ("to_school_system", t.STRING),
            ):
                source = getattr(edge, field, None)
                if isinstance(source, str) and source:
                    yield PackExpression(
                        source,
                        f"{what} {field}",
                        edge.location,
                        want,
                        transition=tid,
                        stages=edge.stages,
                        guarded_by=guards,
                    )


def _rule_expressions(rule: Rule) -> Iterator[PackExpression]:
    needs = rule_needs(rule)
    when = (rule.when,) if rule.when else ()

    def item(
        source: str, what: str, location: Location, want: t.Type, guards: tuple[str, ...] = ()
    ) -> PackExpression:
        return PackExpression(source, what, location, want, rule, None, rule.stages, guards, needs)

    if rule.when:
        # the engine tests a rule's needs only once its `when` holds: they do not guard `when`
        yield PackExpression(rule.when, "when", rule.where("when"), t.BOOL, rule, None, rule.stages)
    if rule.require:
        yield item(rule.require, "require", rule.where("require"), t.BOOL, when)
    for narrowing in rule.narrowings:
        what = f"narrowing by '{narrowing.source_pack}'"
        yield item(narrowing.require, what, narrowing.location, t.BOOL, when)
    # obligations count only when the decision is not a refusal: for a mandatory rule that means
    # its require and narrowings held (a default rule's may have failed under an exception)
    held = when
    if rule.modality == "mandatory":
        held = (*when, *((rule.require,) if rule.require else ()))
        held = (*held, *(n.require for n in rule.narrowings))
    for ob in rule.obligations:
        what = f"obligation '{ob.id}'"
        if ob.when:
            yield item(ob.when, f"{what} when", ob.location, t.BOOL, held)
        if ob.clock is not None:
            guards = (*held, *((ob.when,) if ob.when else ()))
            yield item(ob.clock.trigger, f"{what} trigger", ob.location, t.DATE, guards)
            if isinstance(ob.clock.amount, str):
                yield item(ob.clock.amount, f"{what} amount", ob.location, t.INT, guards)


def pack_declarations(pack: Pack) -> expr.Declarations | None:
    """The declarations the engine compiles this pack's expressions with (``None`` when the
    pack's calendars or settings cannot be loaded: the engine reports why)."""
    from xueji_rules.engine._compile import declarations_for
    from xueji_rules.engine._time import TimeService

    try:
        time = TimeService.for_pack(pack)
    except XuejiRulesError:
        return None
    return declarations_for(pack, time.functions(), time.settings())


def compile_expressions(
    pack: Pack, declarations: expr.Declarations | None = None
) -> list[tuple[PackExpression, expr.Program]]:
    """Each expression of ``pack`` that compiles, with its program, in pack order."""
    decls = declarations if declarations is not None else pack_declarations(pack)
    if decls is None:
        return []
    out: list[tuple[PackExpression, expr.Program]] = []
    cache: dict[str, expr.Program | None] = {}
    for item in iter_expressions(pack):
        if item.source not in cache:
            try:
                cache[item.source] = expr.compile(item.source, decls)
            except ExpressionError:
                cache[item.source] = None
        program = cache[item.source]
        if program is not None:
            out.append((item, program))
    return out


def guards_of(item: PackExpression, programs: dict[str, expr.Program]) -> list[expr.Program]:
    """The compiled expressions known true whenever ``item`` runs (a rule's ``when`` for its
    ``require``, an obligation's ``when`` for its clock, an edge's ``when`` for its targets)."""
    return [programs[source] for source in item.guarded_by if source in programs]

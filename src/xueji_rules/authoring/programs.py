"""A pack's expressions compiled once, as the authoring tools read them.

Every expression of the effective pack (rule conditions, narrowings, obligation clocks, lifecycle
edges and their targets) is compiled with the engine's declarations by the walk that lint, ``show``
and the input contract share (``xueji_rules.packs._expressions``); other expressions (a forbidden
move's ``when``) are compiled on demand. What an expression reads comes from the compiled program
(``expr.Program.reads``), never from parsing its text again.
"""

from __future__ import annotations

from collections.abc import Iterable

from xueji_rules import expr
from xueji_rules.authoring.expressions import canonical_text
from xueji_rules.errors import ExpressionError
from xueji_rules.packs._expressions import compile_expressions, pack_declarations
from xueji_rules.packs.model import Pack, Rule, Text

__all__ = ["PackPrograms", "parameters_read", "shown_parameters"]


def parameters_read(program: expr.Program) -> frozenset[str]:
    """The parameters a program reads (``params.NAME`` among its reads)."""
    return frozenset(
        path.split(".")[1] for path in program.reads if path.startswith("params.") and "." in path
    )


def shown_parameters(texts: Iterable[Text]) -> frozenset[str]:
    """The parameters messages show as figures (``{params.NAME}``, SD6)."""
    from xueji_rules.engine._compile import placeholders

    return frozenset(name for text in texts for name in placeholders(text))


class PackPrograms:
    """The compiled expressions of one pack, by source text, and what each rule and edge reads."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.declarations = pack_declarations(pack)
        self._programs: dict[str, expr.Program | None] = {}
        self._rule_params: dict[str, set[str]] = {}
        self._edge_params: dict[str, set[str]] = {}
        for item, program in compile_expressions(pack, self.declarations):
            self._programs[item.source] = program
            if item.rule is not None:
                owner = self._rule_params.setdefault(item.rule.id, set())
            else:
                owner = self._edge_params.setdefault(item.transition or "", set())
            owner.update(parameters_read(program))

    def program(self, source: str | None) -> expr.Program | None:
        """The compiled ``source`` (``None`` for no source or one that does not compile)."""
        if not source:
            return None
        if source not in self._programs:
            compiled = None
            if self.declarations is not None:
                try:
                    compiled = expr.compile(source, self.declarations)
                except ExpressionError:
                    compiled = None
            self._programs[source] = compiled
        return self._programs[source]

    def canonical(self, source: str | None) -> str | None:
        """``source`` in a form that does not depend on layout or parentheses (the text with its
        whitespace collapsed when it does not compile)."""
        if source is None:
            return None
        program = self.program(source)
        return canonical_text(program) if program is not None else " ".join(source.split())

    def rule_parameters(self, rule_id: str) -> frozenset[str]:
        """The parameters the rule's expressions read (conditions, narrowings, clocks)."""
        return frozenset(self._rule_params.get(rule_id, ()))

    def edge_parameters(self, transition: str) -> frozenset[str]:
        """The parameters the transition's lifecycle edges read."""
        return frozenset(self._edge_params.get(transition, ()))

    def readers(self, parameter: str) -> list[str]:
        """The rules whose expressions read ``parameter``, in pack order."""
        return [r.id for r in self.pack.rules if parameter in self.rule_parameters(r.id)]


def rule_texts(rule: Rule) -> list[Text]:
    """The messages a rule can show: its own and its narrowings'."""
    return [rule.message, *(n.message for n in rule.narrowings)]

"""Straight-line rule evaluation: one generated Python function per (transition, stage).

The engine's reference loop (``Engine._evaluate_rules``) walks the compiled rules of a
(transition, stage) and, for each, looks up its dates, condition, modality and checks. Those
lookups are the same on every decision, so this module unrolls the loop once per key into a
function whose constants are the rules' compiled conditions and prebuilt results. The generated
function does exactly what the loop does, in the same order; a test runs every scenario both ways
and compares the decisions.

Only the generator's own text and identifiers reach the generated source: every rule's data
(conditions, results, ids, dates) is passed in as a constant of the function's namespace. When an
expression raises, the engine reruns the reference loop, which names the rule in its error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from xueji_rules.engine._compile import CompiledRule
from xueji_rules.engine.decision import ApprovalNeeded

__all__ = ["Plan", "build_plans"]

# plan(rec, req, params, day, p, exceptions, granted, documents, results, approvals, missing,
#      applied, undecided)
#   -> the worst severity index (0 allowed … 4 denied); appends to the five lists. ``p`` is the
#   parameter period of ``day`` (a rule whose messages show parameter values has one result per
#   period); ``undecided`` receives (rule, missing paths) for a rule whose ``needs`` are absent.
Plan = Callable[..., int]

_SIGNATURE = (
    "rec, req, params, day, p, exceptions, granted, documents, results, approvals, missing, "
    "applied, undecided"
)


def _approved(needed: ApprovalNeeded, granted: Mapping[str, set[str | None]]) -> bool:
    """Whether a granted approval from ``needed.body`` (of its kind, or of any kind) is present."""
    kinds = granted.get(needed.body)
    return kinds is not None and (None in kinds or needed.kind in kinds)


class _Writer:
    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"_approved": _approved}
        self.lines: list[str] = []

    def const(self, value: Any) -> str:
        name = f"_k{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def result(self, results: tuple[Any, ...], dependent: bool) -> str:
        """The code of a result: a constant, or the current period's entry of a tuple."""
        return f"{self.const(results)}[p]" if dependent else self.const(results[0])

    def rule(self, item: CompiledRule, indent: str) -> None:
        rule = item.rule
        dates = []
        if rule.effective_from is not None:
            dates.append(f"day >= {self.const(rule.effective_from)}")
        if rule.effective_until is not None:
            dates.append(f"day <= {self.const(rule.effective_until)}")
        when = f"{self.const(item.when)}(rec, req, params)" if item.when is not None else None
        # no pack text in the source, not even in a comment: the rule is a constant
        self.lines.append(f"{indent}# rule {self.const(rule.id)}")
        guards = dates + ([when] if when else [])
        if guards:
            self.lines.append(f"{indent}if {' and '.join(guards)}:")
            indent += "    "
        if item.missing_inputs is not None:
            # a rule that applies but lacks an input it needs is undecided, not failed; the
            # presence test is inlined (keys as constants), the list of absent paths is built
            # only when one is missing
            self.lines += [
                f"{indent}if not ({self.present(rule.needs)}):",
                f"{indent}    undecided.append(({self.const(item)}, "
                f"{self.const(item.missing_inputs)}(rec, req)))",
                f"{indent}    if worst < 2:",
                f"{indent}        worst = 2",
                f"{indent}else:",
            ]
            indent += "    "
        self.body(item, indent)

    def present(self, paths: tuple[str, ...]) -> str:
        """Code testing that every path is present (objects on the way are converted dicts)."""
        tests = []
        for path in paths:
            root, *keys = path.split(".")
            node = "rec" if root == "record" else "req"
            steps = []
            for key in keys:
                name = self.const(key)
                steps.append(f"{name} in {node}")
                node = f"{node}[{name}]"
            tests.append(" and ".join(steps))
        return " and ".join(tests)

    def body(self, item: CompiledRule, indent: str) -> None:
        rule = item.rule
        dependent = item.period_dependent
        self.lines.append(f"{indent}applied.append({self.const(item)})")
        passed = self.result(item.passed, dependent)
        modality = rule.modality
        if modality in ("mandatory", "default") and item.checks:
            self.checks(item, indent, passed)
        elif modality == "documents" and item.missing:
            self.documents(item, indent, passed)
        elif modality not in ("mandatory", "default", "documents") and item.approval is not None:
            approval = self.const(item.approval)
            self.lines += [
                f"{indent}if _approved({approval}, granted):",
                f"{indent}    results.append({passed})",
                f"{indent}else:",
                f"{indent}    approvals.append({approval})",
                f"{indent}    results.append({self.result(tuple(f[0] for f in item.failed), dependent)})",
                f"{indent}    if worst < 1:",
                f"{indent}        worst = 1",
            ]
        else:
            self.lines.append(f"{indent}results.append({passed})")

    def checks(self, item: CompiledRule, indent: str, passed: str) -> None:
        mandatory = item.rule.modality == "mandatory"
        dependent = item.period_dependent
        for index, check in enumerate(item.checks):
            keyword = "if" if index == 0 else "elif"
            self.lines.append(f"{indent}{keyword} not {self.const(check.fn)}(rec, req, params):")
            failed = self.result(tuple(f[index] for f in item.failed), dependent)
            if mandatory:
                self.lines += [f"{indent}    results.append({failed})", f"{indent}    worst = 4"]
            else:
                key = self.const((item.rule.id, item.route))
                self.lines += [
                    f"{indent}    if {key} in exceptions:",
                    f"{indent}        results.append({self.result(item.granted, dependent)})",
                    f"{indent}    else:",
                    f"{indent}        results.append({failed})",
                    f"{indent}        if worst < 3:",
                    f"{indent}            worst = 3",
                ]
        self.lines += [f"{indent}else:", f"{indent}    results.append({passed})"]

    def documents(self, item: CompiledRule, indent: str, passed: str) -> None:
        self.lines.append(f"{indent}lacking = False")
        for accepted, doc in item.missing:
            self.lines += [
                f"{indent}if documents.isdisjoint({self.const(accepted)}):",
                f"{indent}    missing.append({self.const(doc)})",
                f"{indent}    lacking = True",
            ]
        self.lines += [
            f"{indent}if lacking:",
            f"{indent}    results.append({self.result(tuple(f[0] for f in item.failed), item.period_dependent)})",
            f"{indent}    if worst < 2:",
            f"{indent}        worst = 2",
            f"{indent}else:",
            f"{indent}    results.append({passed})",
        ]


def _plan(key: tuple[str, str], rules: tuple[CompiledRule, ...]) -> Plan:
    writer = _Writer()
    writer.lines += [f"def plan({_SIGNATURE}):", "    worst = 0"]
    for item in rules:
        writer.rule(item, "    ")
    writer.lines.append("    return worst")
    source = "\n".join(writer.lines) + "\n"
    code = compile(source, f"<rules {key[0]}/{key[1]}>", "exec")
    exec(code, writer.namespace)  # generated from compiled rules; see the module docstring
    plan: Plan = writer.namespace["plan"]
    return plan


def build_plans(
    rules_by_key: Mapping[tuple[str, str], tuple[CompiledRule, ...]],
) -> dict[tuple[str, str], Plan]:
    """One generated evaluation function per (transition, stage) that has rules."""
    return {key: _plan(key, rules) for key, rules in rules_by_key.items()}

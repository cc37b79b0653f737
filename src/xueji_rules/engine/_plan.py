"""Straight-line rule evaluation: one generated Python function per (transition, stage).

The engine's reference path (``Engine._evaluate_rules``, then ``Engine._obligations``) walks the
compiled rules of a (transition, stage) and, for each, looks up its dates, condition, modality,
checks and obligations. Those lookups are the same on every decision, so this module unrolls them
once per key into a function whose constants are the rules' prebuilt results. The generated
function does what the reference path does, in the same order, and returns the same values;
tests run every scenario and generated requests both ways and compare the decisions.

Three things make it cheaper than the loop besides the unrolling:

* Conditions are spliced in: the code the expression compiler generated for a ``when``, a
  ``require`` or an obligation's condition and clock (``xueji_rules.expr._inline``) becomes part
  of the function, so it costs no Python call. When spliced code raises, the function calls the
  expression's compiled function with the same arguments, which retries and then runs the exact
  interpreter, just as a call would have done from the start. Macros keep their run-time
  iteration budget (a fresh one per evaluation, as in the compiled function).
* An expression text that occurs more than once in a key (the same ``when`` on several rules, the
  same clock on several duties) is evaluated once per decision: expressions are pure functions of
  (record, request, parameters), so the value is the same wherever it is computed.
* Results are prebuilt; the approvals still needed are a bit set turned into one prebuilt tuple in
  the decision's order (by body, then rule), so a decision neither sorts nor copies them.

Only the generator's own text, identifiers and the expression compiler's generated code reach
the generated source: every rule's data (results, ids, dates, approvals, documents, obligations)
is passed in as a constant of the function's namespace. When anything raises an
``EvaluationError``, the engine reruns the reference path, which names the rule in its error and
settles the clocks a calendar cannot compute.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from xueji_rules.engine._compile import CompiledObligation, CompiledRule, Fn
from xueji_rules.engine.decision import ApprovalNeeded, MissingDocument, Obligation
from xueji_rules.expr import Program
from xueji_rules.expr._inline import splice

__all__ = [
    "Clocked",
    "Plan",
    "PlanBuilder",
    "approval_key",
    "build_plans",
    "document_key",
    "granted_set",
    "is_approved",
]

# plan(rec, req, params, day, p, exceptions, granted, kinded, documents)
#   -> (worst, rules, approvals, missing_documents, undecided, obligations)
# ``worst`` is the worst severity index (0 allowed … 4 denied); ``rules``, ``approvals``,
# ``missing_documents`` and ``obligations`` are the decision's tuples, ``undecided`` the
# (rule, absent paths) of the rules whose ``needs`` are absent. ``p`` is the parameter period of
# ``day`` (a rule whose messages show parameter values has one result per period). Obligations
# are computed only when the outcome is neither denied nor denied by default.
Plan = Callable[..., tuple[Any, ...]]
# the engine's clock: (obligation, trigger, amount) -> the obligation with its due date
Clocked = Callable[[CompiledObligation, Any, Any], Obligation]

_SIGNATURE = "rec, req, params, day, p, exceptions, granted, kinded, documents"
# the Python names the spliced expressions use for the expression variables
_VARIABLES = {"record": "rec", "request": "req", "params": "params"}


def granted_set(approvals: Collection[Mapping[str, Any]]) -> tuple[set[str], set[tuple[str, str]]]:
    """The approvals a request carries, as the generated functions test them: the bodies that
    granted an approval of any kind, and the (body, kind) of approvals of one kind; refused ones
    left out."""
    anykind: set[str] = set()
    kinded: set[tuple[str, str]] = set()
    for a in approvals:
        if a.get("granted", True):
            kind = a.get("kind")
            if kind is None:
                anykind.add(a["body"])
            else:
                kinded.add((a["body"], kind))
    return anykind, kinded


def is_approved(
    needed: ApprovalNeeded, granted: Collection[str], kinded: Collection[tuple[str, str]]
) -> bool:
    """Whether a granted approval from ``needed.body`` (of its kind, or of any kind) is present."""
    return needed.body in granted or (needed.body, needed.kind) in kinded


def approval_key(needed: ApprovalNeeded) -> tuple[str, str]:
    """How a decision orders the approvals it still needs."""
    return (needed.body, needed.rule)


def document_key(document: MissingDocument) -> tuple[str, str]:
    """How a decision orders the documents still missing."""
    return (document.id, document.rule)


def _functions(rules: tuple[CompiledRule, ...]) -> Iterator[Fn]:
    """Every compiled function a key's plan evaluates (with repeats)."""
    for item in rules:
        if item.when is not None:
            yield item.when
        for check in item.checks:
            yield check.fn
        for ob in item.obligations:
            for fn in (ob.when, ob.trigger, ob.amount):
                if fn is not None and not isinstance(fn, int):
                    yield fn


class _Writer:
    def __init__(
        self,
        rules: tuple[CompiledRule, ...],
        programs: Mapping[Fn, Program],
        clocked: Clocked,
        splices: dict[Fn, Any],
        splicing: bool = True,
    ) -> None:
        self.programs = programs
        self.namespace: dict[str, Any] = {
            "_Exc": Exception,
            "_MISS": _MISS,
            "_clocked": clocked,
            "_tuple": tuple,
            "_sorted": sorted,
            "_document_key": document_key,
        }
        self.lines: list[str] = []
        self.approvals: list[ApprovalNeeded] = []
        self.temps = 0
        self.splices = splices
        self.splicing = splicing
        self.flags: list[tuple[str, CompiledRule]] = []
        # expression texts met more than once in this key get one variable each
        counts = Counter(self.text(fn) for fn in _functions(rules))
        self.shared = {
            text: f"_m{i}" for i, text in enumerate(t for t, n in counts.items() if n > 1)
        }
        self.has_documents = any(i.rule.modality == "documents" and i.missing for i in rules)
        self.has_needs = any(i.missing_inputs is not None for i in rules)

    def text(self, fn: Fn) -> Any:
        program = self.programs.get(fn)
        return program.source if program is not None else fn

    def const(self, value: Any) -> str:
        name = f"_k{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def result(self, results: tuple[Any, ...], dependent: bool) -> str:
        """The code of a result: a constant, or the current period's entry of a tuple."""
        return f"{self.const(results)}[p]" if dependent else self.const(results[0])

    def value(self, fn: Fn, indent: str) -> str:
        """Emit what computes ``fn(rec, req, params)``; return the variable holding it."""
        shared = self.shared.get(self.text(fn))
        if shared is not None:
            self.lines.append(f"{indent}if {shared} is _MISS:")
            self.compute(fn, shared, indent + "    ")
            return shared
        self.temps += 1
        var = f"_c{self.temps}"
        self.compute(fn, var, indent)
        return var

    def compute(self, fn: Fn, var: str, indent: str) -> None:
        call = f"{self.const(fn)}(rec, req, params)"
        piece = self.splices.get(fn, _MISS)
        if piece is _MISS:
            # one splice per function for all keys; its tag, numbered across keys, keeps its
            # names apart from every other splice of a plan
            program = self.programs.get(fn) if self.splicing else None
            piece = splice(program, _VARIABLES, f"e{len(self.splices)}") if program else None
            self.splices[fn] = piece
        if piece is None:
            self.lines.append(f"{indent}{var} = {call}")
            return
        for name, value in piece.names.items():
            if self.namespace.setdefault(name, value) is not value:
                raise AssertionError(f"generated name {name} bound twice")  # a bug
        self.lines += [f"{indent}try:"]
        if piece.prelude:  # the macros' iteration budget, fresh for this evaluation
            self.lines += [f"{indent}    {piece.prelude}"]
        self.lines += [
            f"{indent}    {var} = {piece.code}",
            f"{indent}except _Exc:",  # the function retries, then runs the exact interpreter
            f"{indent}    {var} = {call}",
        ]

    def rule(self, item: CompiledRule, indent: str) -> None:
        rule = item.rule
        dates = []
        if rule.effective_from is not None:
            dates.append(f"day >= {self.const(rule.effective_from)}")
        if rule.effective_until is not None:
            dates.append(f"day <= {self.const(rule.effective_until)}")
        # no pack text in the source, not even in a comment: the rule is a constant
        self.lines.append(f"{indent}# rule {self.const(rule.id)}")
        if dates:
            self.lines.append(f"{indent}if {' and '.join(dates)}:")
            indent += "    "
        if item.when is not None:
            self.lines.append(f"{indent}if {self.value(item.when, indent)}:")
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
        if item.obligations:  # the rule applied: its duties start unless the request is refused
            flag = f"_a{len(self.flags)}"
            self.flags.append((flag, item))
            self.lines.append(f"{indent}{flag} = True")
        passed = self.result(item.passed, dependent)
        modality = rule.modality
        if modality in ("mandatory", "default") and item.checks:
            self.checks(item, indent, passed)
        elif modality == "documents" and item.missing:
            self.documents(item, indent, passed)
        elif modality not in ("mandatory", "default", "documents") and item.approval is not None:
            needed = item.approval
            bit = 1 << len(self.approvals)
            self.approvals.append(needed)
            body, kinded = self.const(needed.body), self.const((needed.body, needed.kind))
            self.lines += [
                f"{indent}if {body} in granted or (kinded and {kinded} in kinded):",
                f"{indent}    results.append({passed})",
                f"{indent}else:",
                f"{indent}    needed |= {bit}",
                f"{indent}    results.append({self.result(tuple(f[0] for f in item.failed), dependent)})",
            ]
        else:
            self.lines.append(f"{indent}results.append({passed})")

    def checks(self, item: CompiledRule, indent: str, passed: str) -> None:
        mandatory = item.rule.modality == "mandatory"
        dependent = item.period_dependent
        for index, check in enumerate(item.checks):
            if index:  # a later check runs only when the earlier ones held
                self.lines.append(f"{indent}else:")
                indent += "    "
            value = self.value(check.fn, indent)
            self.lines.append(f"{indent}if not {value}:")
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

    def obligations(self) -> None:
        """The duties of the rules that applied, in rule order, unless the request is refused."""
        if not self.flags:
            self.lines.append("    obligations = ()")
            return
        self.lines += ["    if worst < 3:", "        duties = []"]
        for flag, item in self.flags:
            self.lines.append(f"        if {flag}:")
            for ob in item.obligations:
                self.duty(ob, "            ")
        self.lines += [
            "        obligations = _tuple(duties)",
            "    else:",
            "        obligations = ()",
        ]

    def duty(self, ob: CompiledObligation, indent: str) -> None:
        if ob.when is not None:
            self.lines.append(f"{indent}if {self.value(ob.when, indent)}:")
            indent += "    "
        if ob.fixed is not None:
            self.lines.append(f"{indent}duties.append({self.const(ob.fixed)})")
            return
        assert ob.trigger is not None
        trigger = self.value(ob.trigger, indent)
        amount = ob.amount
        assert amount is not None  # a clock has an amount
        code = self.const(amount) if isinstance(amount, int) else self.value(amount, indent)
        self.lines.append(f"{indent}duties.append(_clocked({self.const(ob)}, {trigger}, {code}))")

    def approvals_table(self) -> Callable[[int], tuple[ApprovalNeeded, ...]]:
        """From the bit set of approvals still needed, their tuple in the decision's order (built
        once per set that occurs, at most 2**n of them for the n approval rules of the key)."""
        ranked = sorted(range(len(self.approvals)), key=lambda i: approval_key(self.approvals[i]))
        order = tuple((1 << i, self.approvals[i]) for i in ranked)
        table: dict[int, tuple[ApprovalNeeded, ...]] = {0: ()}

        def needed(bits: int) -> tuple[ApprovalNeeded, ...]:
            found = table.get(bits)
            if found is None:
                found = table[bits] = tuple(a for bit, a in order if bits & bit)
            return found

        return needed

    def write(self, rules: tuple[CompiledRule, ...]) -> str:
        body_start = len(self.lines)
        for item in rules:
            self.rule(item, "    ")
        self.obligations()
        head = [f"def plan({_SIGNATURE}):", "    worst = 0", "    needed = 0", "    results = []"]
        head += ["    missing = []"] if self.has_documents else []
        head += ["    undecided = []"] if self.has_needs else []
        head += [f"    {var} = _MISS" for var in self.shared.values()]
        head += [f"    {flag} = False" for flag, _ in self.flags]
        table = self.const(self.approvals_table())
        missing = (
            "(_tuple(_sorted(missing, key=_document_key)) if len(missing) > 1 else _tuple(missing))"
            if self.has_documents
            else "()"
        )
        tail = [
            f"    approvals = {table}(needed) if needed else ()",
            "    if needed and worst < 1:",
            "        worst = 1",
            # an obligation is computed only when neither denied nor denied by default; a rule's
            # approvals cannot change that (they make it at worst "needs approval")
            f"    return worst, _tuple(results), approvals, {missing}, "
            f"{'undecided' if self.has_needs else '()'}, obligations",
        ]
        lines = head + self.lines[body_start:] + tail
        return "\n".join(lines) + "\n"


class _Missing:
    """The value of a shared expression not computed yet in this decision."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<not computed>"


_MISS = _Missing()


def _plan(
    key: tuple[str, str],
    rules: tuple[CompiledRule, ...],
    programs: Mapping[Fn, Program],
    clocked: Clocked,
    splices: dict[Fn, Any],
) -> Plan:
    writer = _Writer(rules, programs, clocked, splices)
    source = writer.write(rules)
    try:
        code = compile(source, f"<rules {key[0]}/{key[1]}>", "exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError, OverflowError):
        # spliced code nested deeper than Python's parser allows: call the functions instead
        writer = _Writer(rules, programs, clocked, {}, splicing=False)
        source = writer.write(rules)
        code = compile(source, f"<rules {key[0]}/{key[1]}>", "exec")
    exec(code, writer.namespace)  # generated from compiled rules; see the module docstring
    plan: Plan = writer.namespace["plan"]
    return plan


class PlanBuilder:
    """Builds the plan of a (transition, stage) when it is first needed.

    A pack has a plan per (transition, stage) with rules (about 250 for national and Shanxi),
    most of which a given registry system rarely asks for; building them on first use keeps the
    pack load short. Splices are shared by all the plans one builder makes (one per compiled
    function). Building is idempotent: two threads that build the same key get equal plans.
    """

    def __init__(
        self,
        rules_by_key: Mapping[tuple[str, str], tuple[CompiledRule, ...]],
        programs: Mapping[Fn, Program],
        clocked: Clocked,
    ) -> None:
        self.rules_by_key = rules_by_key
        self.programs = programs
        self.clocked = clocked
        self.splices: dict[Fn, Any] = {}

    def build(self, key: tuple[str, str]) -> Plan | None:
        """The plan of ``key``; ``None`` when no rule applies to it."""
        rules = self.rules_by_key.get(key)
        if not rules:
            return None
        return _plan(key, rules, self.programs, self.clocked, self.splices)


def build_plans(
    rules_by_key: Mapping[tuple[str, str], tuple[CompiledRule, ...]],
    programs: Mapping[Fn, Program],
    clocked: Clocked,
) -> dict[tuple[str, str], Plan]:
    """Every plan at once (see :class:`PlanBuilder`): one generated evaluation function per
    (transition, stage) that has rules; expressions whose program is in ``programs`` are spliced
    in, the others called; ``clocked`` gives an obligation with a clock its due date (the
    engine's, with its cache and calendar)."""
    builder = PlanBuilder(rules_by_key, programs, clocked)
    return {key: plan for key in rules_by_key if (plan := builder.build(key)) is not None}

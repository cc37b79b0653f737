"""Straight-line rule evaluation: one generated Python function per (transition, stage), and one
decider per (transition, stage, status) that makes the whole decision on converted inputs.

The engine's reference path (``Engine._reference``, with ``Engine._obligations``) walks the
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
* Outcomes are looked up, not built: each rule's state (passed, failed on check i, granted by an
  exception, approval needed, documents lacking, not applying, undecided) is a bit field of one
  integer, the decision's signature, and passing costs no code at all. The rules' results,
  approvals still needed (by body, then rule), documents still missing and worst severity are
  decoded from the signature in rule order the first time it occurs and then found in a table
  (bounded). Since nothing is built in evaluation order, rules that share their dates and
  ``when`` are evaluated under one test of them (only the list of undecided rules, rare, is
  put back in rule order).

A decider (``PlanBuilder.decider``) is the same rule code inside the steps ``Engine._decide``
takes around it: the parameter period of the request's date, the lifecycle edge (conditions
spliced; the engine's refusal when none matches), the approvals and exceptions the request
carries (only when the key's rules read them), the next status and targets, and the
:class:`Decision`, filled in place. Calls of functions on the inputs made by several
expressions of a key are made once per decision (``CallMemo`` in ``xueji_rules.expr._inline``).

Only the generator's own text, identifiers and the expression compiler's generated code reach
the generated source: every rule's data (results, ids, dates, approvals, documents, obligations)
is passed in as a constant of the function's namespace. When anything raises an
``EvaluationError``, the engine reruns the reference path, which names the rule in its error and
settles the clocks a calendar cannot compute.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

from xueji_rules.engine._compile import CompiledEdge, CompiledObligation, CompiledRule, Fn
from xueji_rules.engine.decision import (
    ApprovalNeeded,
    Decision,
    MissingDocument,
    MissingInput,
    Obligation,
    unfrozen_twin,
)
from xueji_rules.expr import Program
from xueji_rules.expr._inline import ABSENT, CallMemo, InlineForm, field_init, splice

__all__ = [
    "Clocked",
    "Decider",
    "Hooks",
    "InputChecks",
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

# decide(rec, req) -> Decision: the whole decision of one (transition, stage, status) on converted
# inputs; it raises ``EvaluationError`` when an expression fails (the engine then decides again
# by its own path, which names the expression).
Decider = Callable[[Any, Any], Decision]


@dataclass(frozen=True, slots=True)
class Hooks:
    """What a decider takes from its engine: the parameter periods (their start dates and value
    tables), the engine's steps that are not generated (the refusal when no edge matches, the
    targets of an edge that moves the record, the exceptions a request carries, the missing
    inputs of undecided rules), the outcome names by severity index, the pack's id, version
    and digest, whether a due date the calendar cannot compute raises (``strict_calendar``:
    then every clock goes through the engine's), and the checks of converted inputs a decider
    makes when called with ``check=True`` (``checks``; without them it never checks)."""

    param_starts: list[Any]
    param_tables: list[dict[str, Any]]
    refusal: Callable[[Any, Any, Any, int], Decision]
    targets: Callable[[CompiledEdge, Any, Any, Any, str], tuple[str, int | None, str | None]]
    exceptions: Callable[[Any], frozenset[tuple[str, str]]]
    missing_inputs: Callable[[Any], tuple[MissingInput, ...]]
    severity: tuple[str, ...]
    pack: tuple[str, str, str]
    strict_calendar: bool = False
    checks: InputChecks | None = None


@dataclass(frozen=True, slots=True)
class InputChecks:
    """What the engine checks on converted inputs beyond their schemas
    (``Engine._check_converted``), for a decider called with ``check=True``.

    A decider exists only for a (transition, stage, status) the pack knows, so it tests the
    rest: the request's date within the pack's validity (``valid_from``, ``valid_until``), the
    record's grade within its stage (``grades``: (stage, school system or ``None``) -> first
    and last grade, ``None`` for a stage without grades; a pair not listed is not tested), the
    birth date not after the request's date, and the ids the request names (``grounds``,
    ``None`` when the pack declares none; ``documents``; approving ``bodies``; any exception).
    On the slightest doubt it calls ``check`` (the engine's whole check, which raises the error
    worded as before, or returns when all is well) and goes on."""

    check: Callable[[Any, Any], None]
    valid_from: Any
    valid_until: Any
    grades: Mapping[tuple[str, str | None], tuple[int, int] | None]
    grounds: frozenset[str] | None
    documents: frozenset[str]
    bodies: frozenset[str]


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


# The states a rule can end in within one decision. Each rule's state is a field of an integer,
# the decision's signature; state 0 (passed, or a documents rule that applied) costs no code.
_PASSED = "passed"
_FAILED = "failed"  # with the index of the check that failed
_GRANTED = "granted"  # a default rule failed and an exception by its route was granted
_NEEDED = "needed"  # an approval rule whose approval is not given
_ABSENT = "absent"  # not in force on the day, or its ``when`` is false: no result
_UNDECIDED = "undecided"  # it applies but an input it needs is absent: no result, incomplete

# the decoded signatures a plan remembers (distinct combinations of rule states that occurred)
_OUTCOMES_KEPT = 4096


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where a rule's state sits in the signature: state ``states[i]`` is the number ``i`` at
    bit ``shift``; a documents rule's documents are one bit each from ``doc_shift`` (set when
    the document is lacking)."""

    item: CompiledRule
    states: tuple[tuple[str, int], ...]
    shift: int
    doc_shift: int

    @property
    def width(self) -> int:
        return (len(self.states) - 1).bit_length()

    def bits(self, state: str, index: int = 0) -> int:
        """The signature bits that put the rule in ``state``."""
        return self.states.index((state, index)) << self.shift


def _conditional(item: CompiledRule) -> bool:
    """Whether a rule may not apply to a request of its key (dates or ``when``)."""
    rule = item.rule
    return not (item.when is None and rule.effective_from is None and rule.effective_until is None)


def _slots(rules: tuple[CompiledRule, ...], first_bit: int) -> list[_Slot]:
    """Every rule's field in the signature, from ``first_bit`` on."""
    slots = []
    shift = first_bit
    for item in rules:
        modality = item.rule.modality
        states: list[tuple[str, int]] = [(_PASSED, 0)]
        if modality in ("mandatory", "default") and item.checks:
            states += [(_FAILED, i) for i in range(len(item.checks))]
            if modality == "default":
                states.append((_GRANTED, 0))
        elif modality not in ("mandatory", "default", "documents") and item.approval is not None:
            states.append((_NEEDED, 0))
        if _conditional(item):
            states.append((_ABSENT, 0))
        if item.missing_inputs is not None:
            states.append((_UNDECIDED, 0))
        width = (len(states) - 1).bit_length()
        documents = len(item.missing) if modality == "documents" else 0
        slots.append(_Slot(item, tuple(states), shift, shift + width))
        shift += width + documents
    return slots


# (worst severity index, rule results, approvals still needed, documents still missing)
_RulesPart = tuple[int, tuple[Any, ...], tuple[ApprovalNeeded, ...], tuple[MissingDocument, ...]]


class _Decoder:
    """From a signature, the rules' part of the decision: the worst severity index, the rules'
    results in rule order, the approvals still needed (by body, then rule) and the documents
    still missing (by document, then rule); remembered in ``table`` (bounded)."""

    def __init__(self, slots: list[_Slot], period_mask: int) -> None:
        self.slots = slots
        self.period_mask = period_mask
        self.table: dict[int, _RulesPart] = {}

    def decode(self, signature: int) -> _RulesPart:
        """The rules' part of the decision whose signature is ``signature`` (and remember it)."""
        slots, table = self.slots, self.table
        p = signature & self.period_mask
        worst = 0
        results: list[Any] = []
        approvals: list[ApprovalNeeded] = []
        missing: list[MissingDocument] = []
        for slot in slots:
            item = slot.item
            state, index = slot.states[(signature >> slot.shift) & ((1 << slot.width) - 1)]
            if state == _ABSENT:
                continue
            if state == _UNDECIDED:
                worst = max(worst, 2)
                continue
            if state == _FAILED:
                results.append(item.failed[p][index])
                worst = max(worst, 4 if item.rule.modality == "mandatory" else 3)
            elif state == _GRANTED:
                results.append(item.granted[p])
            elif state == _NEEDED:
                assert item.approval is not None
                results.append(item.failed[p][0])
                approvals.append(item.approval)
                worst = max(worst, 1)
            elif item.rule.modality == "documents" and item.missing:
                lacking = [
                    doc
                    for k, (_, doc) in enumerate(item.missing)
                    if (signature >> (slot.doc_shift + k)) & 1
                ]
                missing += lacking
                results.append(item.failed[p][0] if lacking else item.passed[p])
                if lacking:
                    worst = max(worst, 2)
            else:
                results.append(item.passed[p])
        found = (
            worst,
            tuple(results),
            tuple(sorted(approvals, key=approval_key)),
            tuple(sorted(missing, key=document_key)),
        )
        if len(table) >= _OUTCOMES_KEPT:
            table.clear()
        table[signature] = found
        return found


class _Writer:
    """Writes the plan of one key.

    The rules' conditions are evaluated as before, but a rule's outcome is not built as it is
    found: each rule's state (passed, failed on check i, granted, approval needed, documents
    lacking, not applying, undecided) is a field of an integer signature, and the decision's
    rule results, approvals and missing documents are one table lookup by signature at the end
    (decoded in rule order the first time a signature occurs). A passing rule costs its
    condition and nothing else. Since outcomes no longer depend on the order in which rules
    are evaluated, rules sharing their dates and ``when`` are evaluated under one test.
    """

    def __init__(
        self,
        rules: tuple[CompiledRule, ...],
        programs: Mapping[Fn, Program],
        clocked: Clocked,
        splices: dict[Fn, Any],
        splicing: bool = True,
        periods: int | None = None,
        memo: CallMemo | None = None,
        strict_calendar: bool = True,
    ) -> None:
        self.programs = programs
        self.memo = memo
        self.memos: set[str] = set()  # the memoized calls' variables the code uses
        self.fields: set[tuple[str, str, str]] = set()  # the objects read once (see _inline)
        self.strict_calendar = strict_calendar
        if periods is None:
            periods = len(rules[0].passed) if rules else 1
        period_bits = (periods - 1).bit_length()
        self.slots = _slots(rules, period_bits)
        decoder = _Decoder(self.slots, (1 << period_bits) - 1)
        self.namespace: dict[str, Any] = {
            "_Exc": Exception,
            "_MISS": _MISS,
            "_ABSENT": ABSENT,
            "_clocked": clocked,
            "_tuple": tuple,
            "_decode": decoder.decode,
            "_outcomes": decoder.table,
        }
        self.lines: list[str] = []
        self.temps = 0
        self.splices = splices
        self.splicing = splicing
        # a flag per conditional rule with obligations: whether it applied in this decision
        self.flags: dict[int, str] = {}
        for item in rules:
            if item.obligations and (_conditional(item) or item.missing_inputs is not None):
                self.flags[id(item)] = f"_a{len(self.flags)}"
        # expression texts met more than once in this key get one variable each
        counts = Counter(self.text(fn) for fn in _functions(rules))
        self.shared = {
            text: f"_m{i}" for i, text in enumerate(t for t, n in counts.items() if n > 1)
        }
        self.computed: set[str] = set()  # shared variables surely computed at this point
        self.tested: set[str] = set()  # shared variables computed under a test
        self.has_needs = any(i.missing_inputs is not None for i in rules)

    def text(self, fn: Fn) -> Any:
        program = self.programs.get(fn)
        return program.source if program is not None else fn

    def const(self, value: Any) -> str:
        name = f"_k{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def value(self, fn: Fn, indent: str) -> str:
        """Emit what computes ``fn(rec, req, params)``; return the variable holding it."""
        shared = self.shared.get(self.text(fn))
        if shared is not None:
            if shared in self.computed:
                return shared
            if indent == _TOP and shared not in self.tested:
                # evaluated on every decision from here on: no test needed, now or later
                self.compute(fn, shared, indent)
                self.computed.add(shared)
                return shared
            self.tested.add(shared)
            self.lines.append(f"{indent}if {shared} is _MISS:")
            self.compute(fn, shared, indent + "    ")
            if indent == _TOP:
                self.computed.add(shared)
            return shared
        self.temps += 1
        var = f"_c{self.temps}"
        self.compute(fn, var, indent)
        return var

    def piece(self, fn: Fn) -> Any:
        """``fn``'s splice, or ``None`` when it has none (made once per function)."""
        piece = self.splices.get(fn, _MISS)
        if piece is _MISS:
            # one splice per function for all keys; its tag, numbered across keys, keeps its
            # names apart from every other splice of a plan
            program = self.programs.get(fn) if self.splicing else None
            tag = f"e{len(self.splices)}"
            piece = splice(program, _VARIABLES, tag, self.memo) if program else None
            self.splices[fn] = piece
        return piece

    def bind(self, piece: Any) -> None:
        """Bind what a splice's code needs in the namespace; note its memos and fields."""
        self.memos.update(piece.memos)
        self.fields.update(piece.fields)
        for name, value in piece.names.items():
            if self.namespace.setdefault(name, value) is not value:
                raise AssertionError(f"generated name {name} bound twice")  # a bug

    def compute(self, fn: Fn, var: str, indent: str) -> None:
        call = f"{self.const(fn)}(rec, req, params)"
        piece = self.piece(fn)
        if piece is None:
            self.lines.append(f"{indent}{var} = {call}")
            return
        self.bind(piece)
        self.lines += [f"{indent}try:"]
        if piece.prelude:  # the macros' iteration budget, fresh for this evaluation
            self.lines += [f"{indent}    {piece.prelude}"]
        self.lines += [
            f"{indent}    {var} = {piece.code}",
            f"{indent}except _Exc:",  # the function retries, then runs the exact interpreter
            f"{indent}    {var} = {call}",
        ]

    def group(self, members: list[_Slot]) -> None:
        """Rules with the same dates and ``when``, under one test of them."""
        first = members[0].item
        rule = first.rule
        absent = 0
        for slot in members:
            absent |= slot.bits(_ABSENT) if _conditional(slot.item) else 0
        tests = []
        if rule.effective_from is not None:
            tests.append(f"day >= {self.const(rule.effective_from)}")
        if rule.effective_until is not None:
            tests.append(f"day <= {self.const(rule.effective_until)}")
        indent = _TOP
        if tests:
            self.lines.append(f"{indent}if {' and '.join(tests)}:")
            indent += "    "
        if first.when is not None:
            self.lines.append(f"{indent}if {self.value(first.when, indent)}:")
            indent += "    "
        for slot in members:
            self.rule(slot, indent)
        if first.when is not None:
            self.lines += [f"{indent[:-4]}else:", f"{indent}s |= {absent:#x}"]
            indent = indent[:-4]
        if tests:
            self.lines += [f"{indent[:-4]}else:", f"{indent}s |= {absent:#x}"]

    def rule(self, slot: _Slot, indent: str) -> None:
        item = slot.item
        # no pack text in the source, not even in a comment: the rule is a constant
        self.lines.append(f"{indent}# rule {self.const(item.rule.id)}")
        if item.missing_inputs is not None:
            # a rule that applies but lacks an input it needs is undecided, not failed; the
            # presence test is inlined (keys as constants), the list of absent paths is built
            # only when one is missing
            self.lines += [
                f"{indent}if not ({self.present(item.rule.needs)}):",
                f"{indent}    undecided += (({self.const(item)}, "
                f"{self.const(item.missing_inputs)}(rec, req)),)",
                f"{indent}    s |= {slot.bits(_UNDECIDED):#x}",
                f"{indent}else:",
            ]
            indent += "    "
        self.body(slot, indent)

    def present(self, paths: tuple[str, ...]) -> str:
        """Code testing that every path is present (objects on the way are converted dicts)."""
        tests: list[str] = []
        done: set[tuple[str, str]] = set()
        for path in paths:
            root, *keys = path.split(".")
            variable = node = "rec" if root == "record" else "req"
            for depth, key in enumerate(keys):
                name = self.const(key)
                if (node, key) not in done:  # a prefix shared with an earlier path: once
                    done.add((node, key))
                    tests.append(f"{name} in {node}")
                if depth == 0 and len(keys) > 1 and self.memo is not None and key.isidentifier():
                    # the object read once per decision, as the spliced expressions read it
                    hoisted = self.memo.field(variable, key)
                    self.fields.add((hoisted, variable, key))
                    node = hoisted
                else:
                    node = f"{node}[{name}]"
        return " and ".join(tests)

    def body(self, slot: _Slot, indent: str) -> None:
        item = slot.item
        flag = self.flags.get(id(item))
        if flag is not None:  # the rule applied: its duties start unless the request is refused
            self.lines.append(f"{indent}{flag} = True")
        modality = item.rule.modality
        if modality in ("mandatory", "default") and item.checks:
            self.checks(slot, indent)
        elif modality == "documents" and item.missing:
            for k, (accepted, _) in enumerate(item.missing):
                self.lines += [
                    f"{indent}if documents.isdisjoint({self.const(accepted)}):",
                    f"{indent}    s |= {1 << (slot.doc_shift + k):#x}",
                ]
        elif modality not in ("mandatory", "default", "documents") and item.approval is not None:
            needed = item.approval
            body, kinded = self.const(needed.body), self.const((needed.body, needed.kind))
            self.lines += [
                f"{indent}if not ({body} in granted or (kinded and {kinded} in kinded)):",
                f"{indent}    s |= {slot.bits(_NEEDED):#x}",
            ]
        elif flag is None:
            self.lines.append(f"{indent}pass  # passes whenever it applies")

    def checks(self, slot: _Slot, indent: str) -> None:
        item = slot.item
        mandatory = item.rule.modality == "mandatory"
        for index, check in enumerate(item.checks):
            if index:  # a later check runs only when the earlier ones held
                self.lines.append(f"{indent}else:")
                indent += "    "
            failed = slot.bits(_FAILED, index)
            if mandatory:
                fail = f"s |= {failed:#x}"
            else:
                key = self.const((item.rule.id, item.route))
                fail = f"s |= {slot.bits(_GRANTED):#x} if {key} in exceptions else {failed:#x}"
            if index == len(item.checks) - 1 and self.test(check.fn, indent, fail):
                continue
            value = self.value(check.fn, indent)
            self.lines += [f"{indent}if not {value}:", f"{indent}    {fail}"]

    def test(self, fn: Fn, indent: str, fail: str) -> bool:
        """Emit ``fail`` (a statement that cannot raise) when ``fn`` is false, testing its
        spliced code directly instead of through a variable; ``False`` (nothing emitted) when
        ``fn``'s value is shared with other expressions or has no splice. The last check of a
        rule only: no other code may run inside the ``try``, whose handler calls ``fn``."""
        if self.text(fn) in self.shared:
            return False
        piece = self.piece(fn)
        if piece is None:
            return False
        call = f"{self.const(fn)}(rec, req, params)"
        self.bind(piece)
        self.lines += [f"{indent}try:"]
        if piece.prelude:
            self.lines += [f"{indent}    {piece.prelude}"]
        self.lines += [
            f"{indent}    if not {piece.code}:",
            f"{indent}        {fail}",
            f"{indent}except _Exc:",  # the function retries, then runs the exact interpreter
            f"{indent}    if not {call}:",
            f"{indent}        {fail}",
        ]
        return True

    def obligations(self, rules: tuple[CompiledRule, ...]) -> None:
        """The duties of the rules that applied, in rule order, unless the request is refused."""
        owing = [item for item in rules if item.obligations]
        if not owing:
            self.lines.append(f"{_TOP}obligations = ()")
            return
        self.lines += [f"{_TOP}if found[0] < 3:", f"{_TOP}    duties = []"]
        for item in owing:
            indent = _TOP + "    "
            flag = self.flags.get(id(item))
            if flag is not None:
                self.lines.append(f"{indent}if {flag}:")
                indent += "    "
            for ob in item.obligations:
                self.duty(ob, indent)
        self.lines += [
            f"{_TOP}    obligations = _tuple(duties)",
            f"{_TOP}else:",
            f"{_TOP}    obligations = ()",
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
        if self.strict_calendar:  # the engine's clock raises on a date it cannot compute
            self.lines.append(
                f"{indent}duties.append(_clocked({self.const(ob)}, {trigger}, {code}))"
            )
            return
        # the engine's clock remembers each (trigger, amount) in the obligation's cache: look
        # there first
        self.lines += [
            f"{indent}_due = {self.const(ob.cache)}.get(({trigger}, {code}))",
            f"{indent}duties.append(_due if _due is not None else "
            f"_clocked({self.const(ob)}, {trigger}, {code}))",
        ]

    def rules_code(self, rules: tuple[CompiledRule, ...]) -> None:
        """The rules' part: the signature, its decoded outcome ``found`` (worst, results,
        approvals, missing documents), the ``obligations`` and the ``undecided`` rules."""
        groups: dict[tuple[Any, ...], list[_Slot]] = {}
        for slot in self.slots:
            rule = slot.item.rule
            when = slot.item.when
            key = (
                rule.effective_from,
                rule.effective_until,
                None if when is None else self.text(when),
            )
            groups.setdefault(key, []).append(slot)
        for members in groups.values():
            self.group(members)
        self.lines += [
            f"{_TOP}found = _outcomes.get(s)",
            f"{_TOP}if found is None:",
            f"{_TOP}    found = _decode(s)",
        ]
        self.obligations(rules)
        if self.has_needs:  # rules are evaluated in groups: list the undecided in rule order
            self.namespace["_in_rule_order"] = _rule_order(rules)
            self.lines += [
                f"{_TOP}if len(undecided) > 1:",
                f"{_TOP}    undecided = _in_rule_order(undecided)",
            ]

    def locals_head(self) -> list[str]:
        """The initial values of the rules' part's variables (once ``rules_code`` is written)."""
        head = [f"{_TOP}s = p"]
        head += [f"{_TOP}undecided = ()"] if self.has_needs else []
        head += [f"{_TOP}{var} = _MISS" for var in sorted(self.tested | self.memos)]
        head += [f"{_TOP}{field_init(*entry)}" for entry in sorted(self.fields)]
        head += [f"{_TOP}{flag} = False" for flag in self.flags.values()]
        return head

    def write(self, rules: tuple[CompiledRule, ...]) -> str:
        """The source of ``plan`` (see :data:`Plan`)."""
        self.rules_code(rules)
        head = [f"def plan({_SIGNATURE}):", *self.locals_head()]
        # (worst, results, approvals, missing documents) + (undecided, obligations)
        tail = [f"{_TOP}return found + ({'undecided' if self.has_needs else '()'}, obligations)"]
        return "\n".join(head + self.lines + tail) + "\n"

    def write_decider(
        self,
        key: tuple[str, str, str],
        rules: tuple[CompiledRule, ...],
        edges: tuple[CompiledEdge, ...],
        hooks: Hooks,
    ) -> str:
        """The source of ``decide(rec, req)``, the whole decision of one (transition, stage,
        status): the parameters of the request's date, the lifecycle edge (a refusal when none
        matches), what the request grants, the rules' part, the next status and the
        :class:`Decision`; the same steps, in the same order, as ``Engine._decide``."""
        transition, stage, status = key
        self.namespace |= {
            "_bisect": bisect_right,
            "_starts": hooks.param_starts,
            "_tables": hooks.param_tables,
            "_refusal": hooks.refusal,
            "_targets": hooks.targets,
            "_missing_inputs": hooks.missing_inputs,
            "_severity": hooks.severity,
            "_new": object.__new__,
            "_Unfrozen": unfrozen_twin(Decision),
            "_Decision": Decision,
        }
        lines = self.lines
        lines.append(f"{_TOP}day = req['date']")
        if hooks.checks is not None:
            self.input_checks(hooks.checks, stage)
        lines += [
            f"{_TOP}p = _bisect(_starts, day)",
            f"{_TOP}params = _tables[p]",
        ]
        self.edge_choice(edges, 0, _TOP)
        lines.append(f"{_TOP}s = p")
        if any(i.rule.modality == "documents" and i.missing for i in rules):
            empty = self.const(frozenset())
            lines.append(
                f"{_TOP}documents = frozenset(req['documents']) if 'documents' in req else {empty}"
            )
        if any(i.approval is not None for i in rules):
            none = self.const((frozenset(), frozenset()))
            lines += [
                f"{_TOP}granted, kinded = "
                f"{self.const(granted_set)}(req['approvals']) if 'approvals' in req else {none}"
            ]
        if any(i.rule.modality == "default" and i.checks for i in rules):
            none = self.const(frozenset())
            lines += [
                f"{_TOP}exceptions = "
                f"{self.const(hooks.exceptions)}(req) if 'exceptions' in req else {none}"
            ]
        self.rules_code(rules)
        # the next status by worst severity (allowed, needs approval, incomplete, denied by
        # default, denied), per edge; a move of stage, grade or school system when allowed
        nexts = [(e.edge.to, e.edge.pending or status, status, status, status) for e in edges]
        lines += [
            f"{_TOP}worst = found[0]",
            f"{_TOP}grade = rec.get('grade')",
            f"{_TOP}system = rec.get('school_system')",
            f"{_TOP}next_stage = {self.const(stage)}",
        ]
        if len(edges) == 1:
            lines.append(f"{_TOP}next_status = {self.const(nexts[0])}[worst]")
        else:
            lines.append(f"{_TOP}next_status = {self.const(tuple(nexts))}[e][worst]")
        moving = [i for i, e in enumerate(edges) if e.has_targets]
        if moving:
            chosen = self.const(edges[0]) if len(edges) == 1 else f"{self.const(edges)}[e]"
            test = (
                "worst == 0"
                if len(moving) == len(edges)
                else (f"worst == 0 and e in {self.const(frozenset(moving))}")
            )
            lines += [
                f"{_TOP}if {test}:",
                f"{_TOP}    next_stage, grade, system = _targets("
                f"{chosen}, rec, req, params, {self.const(transition)})",
            ]
        pack_id, version, digest = hooks.pack
        missing_inputs = (
            "_missing_inputs(undecided) if undecided else ()" if self.has_needs else "()"
        )
        # the Decision, filled in place (as decision.build_decision does, without the call)
        values = {
            "outcome": "_severity[worst]",
            "transition": self.const(transition),
            "from_status": self.const(status),
            "next_status": "next_status",
            "as_of": "day",
            "pack": self.const(pack_id),
            "pack_version": self.const(version),
            "record_id": "rec['id']",
            "from_stage": self.const(stage),
            "next_stage": "next_stage",
            "rules": "found[1]",
            "approvals": "found[2]",
            "missing_documents": "found[3]",
            "obligations": "obligations",
            "allowed_transitions": "None",
            "reason": "None",
            "pack_digest": self.const(digest),
            "next_grade": "grade",
            "next_school_system": "system",
            "missing_inputs": missing_inputs,
            "citations": "()",
        }
        names = [f.name for f in fields(Decision)]
        if sorted(names) != sorted(values):  # a new field must be given a value here
            raise AssertionError(f"decider: Decision fields {names} != {sorted(values)}")
        lines.append(f"{_TOP}o = _new(_Unfrozen)")
        lines += [f"{_TOP}o.{name} = {values[name]}" for name in names]
        lines += [f"{_TOP}o.__class__ = _Decision", f"{_TOP}return o"]
        head = ["def decide(rec, req, check=False):", *self.locals_head()[1:]]
        return "\n".join(head + lines) + "\n"

    def input_checks(self, checks: InputChecks, stage: str) -> None:
        """With ``check``, the engine's checks of converted inputs (see :class:`InputChecks`):
        a quick test, and the engine's whole check when it is in doubt."""
        # the grades of the decider's stage by school system, as sets (a stage without grades:
        # none is valid); a school system the table lacks is not tested, as in the engine
        grades = {
            system: frozenset(range(span[0], span[1] + 1)) if span is not None else frozenset()
            for (of, system), span in checks.grades.items()
            if of == stage
        }
        call = f"{self.const(checks.check)}(rec, req)"
        tests = [
            f"day < {self.const(checks.valid_from)}",
            f"day > {self.const(checks.valid_until)}",
            "'exceptions' in req",
            "((_cg := rec.get('grade')) is not None and (_cok := "
            f"{self.const(grades)}.get(rec.get('school_system'))) is not None "
            "and _cg not in _cok)",
            "((_cbd := rec.get('birth_date')) is not None and _cbd > day)",
            f"('documents' in req and not {self.const(checks.documents)}"
            ".issuperset(req['documents']))",
        ]
        if checks.grounds is not None:
            tests.append(f"('ground' in req and req['ground'] not in {self.const(checks.grounds)})")
        bodies = self.const(checks.bodies)
        self.lines += [
            f"{_TOP}if check:",
            f"{_TOP}    if {' or '.join(tests)}:",
            f"{_TOP}        {call}",
            f"{_TOP}    elif 'approvals' in req:",
            f"{_TOP}        for _cap in req['approvals']:",
            f"{_TOP}            if _cap['body'] not in {bodies}:",
            f"{_TOP}                {call}",
            f"{_TOP}                break",
        ]

    def edge_choice(self, edges: tuple[CompiledEdge, ...], index: int, indent: str) -> None:
        """The first edge, in pack order, whose condition holds, as ``e``; else the refusal."""
        if index == len(edges):
            self.lines.append(f"{indent}return _refusal(rec, req, params, p)")
            return
        candidate = edges[index]
        if candidate.when is None:
            self.lines.append(f"{indent}e = {index}")
            return
        value = self.value(candidate.when, indent)
        self.lines += [f"{indent}if {value}:", f"{indent}    e = {index}", f"{indent}else:"]
        self.edge_choice(edges, index + 1, indent + "    ")


_TOP = "    "  # the indentation of code that runs on every call of a plan


def _rule_order(
    rules: tuple[CompiledRule, ...],
) -> Callable[[tuple[tuple[CompiledRule, Any], ...]], tuple[tuple[CompiledRule, Any], ...]]:
    """Sorts (rule, absent paths) entries by the rules' order in ``rules``."""
    position = {id(item): i for i, item in enumerate(rules)}

    def in_rule_order(
        entries: tuple[tuple[CompiledRule, Any], ...],
    ) -> tuple[tuple[CompiledRule, Any], ...]:
        return tuple(sorted(entries, key=lambda entry: position[id(entry[0])]))

    return in_rule_order


class _Missing:
    """The value of a shared expression not computed yet in this decision."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<not computed>"


_MISS = _Missing()


def _generate(
    name: str,
    programs: Mapping[Fn, Program],
    splices: dict[Fn, Any],
    write: Callable[[_Writer], str],
    writer: Callable[[Mapping[Fn, Program], dict[Fn, Any], bool], _Writer],
) -> Any:
    """Compile what ``write`` writes; with calls instead of spliced code when Python refuses it."""
    made = writer(programs, splices, True)
    source = write(made)
    try:
        code = compile(source, name, "exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError, OverflowError):
        # spliced code nested deeper than Python's parser allows: call the functions instead
        made = writer(programs, {}, False)
        source = write(made)
        code = compile(source, name, "exec")
    exec(code, made.namespace)  # generated from compiled rules; see the module docstring
    return made.namespace


class PlanBuilder:
    """Builds the plan of a (transition, stage), and the decider of a (transition, stage,
    status), when it is first needed.

    A pack has a plan per (transition, stage) with rules (about 250 for national and Shanxi),
    most of which a given registry system rarely asks for; building them on first use keeps the
    pack load short. Splices are shared by all the functions one builder makes (one per
    compiled function). Building is idempotent: two threads that build the same key get equal
    functions. Deciders need ``hooks``. ``tabled`` are the domain functions whose results may be
    remembered across decisions, ``inline`` those computed by an inline form (``CallMemo`` in
    ``xueji_rules.expr._inline``).
    """

    def __init__(
        self,
        rules_by_key: Mapping[tuple[str, str], tuple[CompiledRule, ...]],
        programs: Mapping[Fn, Program],
        clocked: Clocked,
        hooks: Hooks | None = None,
        tabled: Collection[Callable[..., Any]] = (),
        inline: Collection[tuple[Callable[..., Any], InlineForm]] = (),
    ) -> None:
        self.rules_by_key = rules_by_key
        self.programs = programs
        self.clocked = clocked
        self.hooks = hooks
        self.splices: dict[Fn, Any] = {}
        # the names of memoized calls, shared like the splices; the results of ``tabled``
        # functions (pure, of hashable arguments) are kept across decisions too (D-330)
        self.memo = CallMemo(tabled, inline=inline)

    def build(self, key: tuple[str, str]) -> Plan | None:
        """The plan of ``key``; ``None`` when no rule applies to it."""
        rules = self.rules_by_key.get(key)
        if not rules:
            return None

        def writer(programs: Mapping[Fn, Program], splices: dict[Fn, Any], on: bool) -> _Writer:
            return _Writer(rules, programs, self.clocked, splices, on, memo=self.memo)

        namespace = _generate(
            f"<rules {key[0]}/{key[1]}>",
            self.programs,
            self.splices,
            lambda w: w.write(rules),
            writer,
        )
        plan: Plan = namespace["plan"]
        return plan

    def decider(self, key: tuple[str, str, str], edges: tuple[CompiledEdge, ...]) -> Decider:
        """The decider of ``key``, whose lifecycle edges (in pack order) are ``edges``."""
        hooks = self.hooks
        if hooks is None:
            raise ValueError("a PlanBuilder without hooks builds no deciders")
        rules = self.rules_by_key.get(key[:2], ())
        periods = len(hooks.param_tables)

        def writer(programs: Mapping[Fn, Program], splices: dict[Fn, Any], on: bool) -> _Writer:
            return _Writer(
                rules,
                programs,
                self.clocked,
                splices,
                on,
                periods,
                self.memo,
                hooks.strict_calendar,
            )

        namespace = _generate(
            f"<decide {key[0]}/{key[1]}/{key[2]}>",
            self.programs,
            self.splices,
            lambda w: w.write_decider(key, rules, edges, hooks),
            writer,
        )
        decide: Decider = namespace["decide"]
        return decide


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

"""Lint checks on a pack's compiled expressions and its messages.

* an optional input read that no ``has()`` and no ``needs:`` guards (it raises when deciding a
  schema-valid input that lacks the field; SD5);
* ``{params.NAME}`` placeholders in messages and labels: a placeholder that is not
  ``{params.NAME}`` is an error (an unknown NAME is the engine's load error); a literal
  figure that equals a parameter the rule reads is flagged, since it goes stale when a layer
  overrides the parameter (SD6);
* ids a rule uses (approval bodies, documents, grounds, applicants, exception routes, parties,
  exception rule ids) against the pack's declared vocabularies (SD4).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from xueji_rules import expr
from xueji_rules.errors import ExpressionError, Location, Problem
from xueji_rules.packs._expressions import PackExpression, guards_of
from xueji_rules.packs.model import NOT_SPECIFIED, Pack, Rule, Text

__all__ = [
    "message_problems",
    "rule_texts",
    "unguarded_problems",
    "vocabulary_problems",
]

INPUT_ROOTS = ("record", "request")


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _at(message: str, item: PackExpression, offset: int) -> str:
    """``message`` with the expression line and a caret under ``offset``."""
    return str(ExpressionError(message, item.source, offset))


# -- unguarded optional reads ---------------------------------------------------------------------


def unguarded_problems(compiled: list[tuple[PackExpression, expr.Program]]) -> Iterator[Problem]:
    """One problem per read of an optional input field that nothing guards."""
    programs = {item.source: program for item, program in compiled}
    for item, program in compiled:
        guards = guards_of(item, programs)
        for read in program.unguarded_reads(item.needs, INPUT_ROOTS, assume=guards):
            advice = (
                f"guard it with has({read.path})"
                if "[]" not in read.path
                else "guard it with has()"
            )
            if item.rule is not None:
                advice += f" or list '{read.path}' in the rule's needs"
            text = _at(
                f"{item.what} reads '{read.path}', which a valid input may lack, without a guard: "
                f"deciding such an input would fail; {advice}",
                item,
                read.offset,
            )
            yield Problem(text, item.location, code="unguarded-read")


# -- messages: placeholders and figures -----------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\}")
_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
# a figure followed by its unit, and the parameter unit it stands for
_UNIT_WORDS = {
    "个工作日": "workdays", "工作日": "workdays", "working days": "workdays",
    "working day": "workdays", "workdays": "workdays", "workday": "workdays",
    "个月": "months", "月": "months", "months": "months", "month": "months",
    "天": "days", "日": "days", "days": "days", "day": "days",
    "周岁": "years", "岁": "years", "年": "years", "years": "years", "year": "years",
    "周": "weeks", "weeks": "weeks", "week": "weeks",
    "学时": "hours", "课时": "hours", "hours": "hours", "hour": "hours",
    "%": "percent", "per cent": "percent", "percent": "percent",
}  # fmt: skip
_UNITS = "|".join(
    re.escape(word)
    + (r"(?!级)" if word == "年" else r"\b" if word.isascii() and word[-1].isalpha() else "")
    for word in sorted(_UNIT_WORDS, key=len, reverse=True)
)
# English figures written as words ("within two months", "a month", "six full years")
_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "sixty": 60, "ninety": 90,
}  # fmt: skip
_EN_WORDS = "|".join(sorted(_EN_NUMBERS, key=len, reverse=True))
_FIGURE = re.compile(
    rf"(\d+(?:\.\d+)?|[零一二两三四五六七八九十百]+|(?<![A-Za-z])(?:{_EN_WORDS})(?= ))"
    rf" ?(?:(?:full|whole|calendar) )?({_UNITS})",
    re.IGNORECASE,
)


def _chinese_number(text: str) -> int | None:
    """十五 -> 15, 二十 -> 20, 一百零五 -> 105, 两 -> 2; None when it is not a plain numeral."""
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def _figures(text: str) -> Iterator[tuple[float, str, str]]:
    """(value, the text as written, its unit) of each figure-with-unit in ``text``."""
    for match in _FIGURE.finditer(text):
        number, unit = match.group(1), _UNIT_WORDS[match.group(2).lower()]
        if number[0].isdigit():
            yield float(number), match.group(0), unit
        elif number.lower() in _EN_NUMBERS:
            yield float(_EN_NUMBERS[number.lower()]), match.group(0), unit
        else:
            value = _chinese_number(number)
            if value is not None:
                yield float(value), match.group(0), unit


def rule_texts(rule: Rule) -> Iterator[tuple[str, Text]]:
    """Every text of a rule a person reads, with what it is."""
    yield "message", rule.message
    for narrowing in rule.narrowings:
        yield f"narrowing message by '{narrowing.source_pack}'", narrowing.message
    if rule.exception is not None and rule.exception.label is not None:
        yield "exception label", rule.exception.label
    if rule.approval is not None and rule.approval.label is not None:
        yield "approval label", rule.approval.label
    for document in rule.documents:
        if document.label is not None:
            yield f"document '{document.id}' label", document.label
    for ob in rule.obligations:
        yield f"obligation '{ob.id}' action", ob.action


def _numbers(value: Any) -> set[float]:
    if isinstance(value, bool):
        return set()
    if isinstance(value, int | float):
        return {float(value)}
    return set()


def message_problems(
    pack: Pack, compiled: list[tuple[PackExpression, expr.Program]]
) -> Iterator[Problem]:
    """Unknown ``{params.NAME}`` placeholders, and literal figures that duplicate a parameter the
    rule reads."""
    reads: dict[str, set[str]] = {}
    base_overridden = {
        pid for pid, param in pack.parameters.items() if pack.id in param.overridden_by
    }
    for item, program in compiled:
        if item.rule is not None:
            names = {p.split(".")[1] for p in program.reads if p.startswith("params.")}
            reads.setdefault(item.rule.id, set()).update(names)
    for rule in pack.rules:
        read_here = reads.get(rule.id, set())
        if rule.source_pack != pack.id:
            # a base's rule: its figures are the base's business, unless this layer overrides
            # the parameter, which leaves the base's message stating the old figure
            read_here &= base_overridden
        for what, text in rule_texts(rule):
            for lang, value in (("zh", text.zh), ("en", text.en)):
                if not value:
                    continue
                yield from _placeholder_problems(pack, rule, what, lang, value)
                yield from _figure_problems(pack, rule, what, lang, value, read_here)


def _placeholder_problems(
    pack: Pack, rule: Rule, what: str, lang: str, value: str
) -> Iterator[Problem]:
    for match in _PLACEHOLDER.finditer(value):
        head = match.group(1)
        if head != "params":
            yield Problem(
                f"{what} ({lang}): unknown placeholder '{match.group(0)}'; a message can show a "
                "parameter's value as {params.NAME}",
                rule.location,
                code="message-placeholder",
            )
        # an unknown name after "params." is the engine's error ("message shows unknown
        # parameter"), which lint reports with the pack's other load problems


def _figure_problems(
    pack: Pack, rule: Rule, what: str, lang: str, value: str, read_here: set[str]
) -> Iterator[Problem]:
    text = _PLACEHOLDER.sub("", value)
    for number, shown, unit in _figures(text):
        for pid in sorted(read_here):
            param = pack.parameters.get(pid)
            if param is None or (param.unit is not None and param.unit != unit):
                continue
            values = set().union(*(_numbers(v.value) for v in param.values))
            if number in values:
                yield Problem(
                    f"{what} ({lang}) writes '{shown}', a figure the rule takes from parameter "
                    f"'{pid}': write {{params.{pid}}} instead, so the message follows the "
                    "parameter when a layer changes it",
                    rule.location,
                    code="message-figure",
                )
                break


# -- vocabularies ---------------------------------------------------------------------------------

# the request paths whose compared literals are ids of a vocabulary kind
_PATH_KINDS = {
    "request.ground": "grounds",
    "request.applicant": "applicants",
    "request.documents[]": "documents",
    "request.approvals[].body": "approval_bodies",
    "request.exceptions[].granted_by": "exception_routes",
}


def vocabulary_problems(
    pack: Pack,
    vocabularies: Mapping[str, Mapping[str, Any]],
    compiled: list[tuple[PackExpression, expr.Program]],
) -> Iterator[Problem]:
    """Every id a rule uses that the pack's vocabularies do not declare (did-you-mean), for each
    kind the pack declares (``vocabularies.yaml`` is optional, kind by kind)."""

    def unknown(kind: str, ident: str, where: str, location: Location) -> Iterator[Problem]:
        known = vocabularies.get(kind, {})
        if known and ident not in known:  # a kind the pack does not declare is not checked
            yield Problem(
                f"{where}: '{ident}' is not declared in vocabularies.{kind}" + _hint(ident, known),
                location,
                code="vocabulary",
            )

    for rule in pack.rules:
        loc = rule.location
        if rule.approval is not None:
            yield from unknown("approval_bodies", rule.approval.body, "approval body", loc)
        for document in rule.documents:
            for ident in (document.id, *document.alternatives):
                yield from unknown("documents", ident, "document", loc)
        if rule.exception is not None and rule.exception.route != NOT_SPECIFIED:
            yield from unknown("exception_routes", rule.exception.route, "exception route", loc)
        for ob in rule.obligations:
            yield from unknown("parties", ob.party, f"obligation '{ob.id}' party", ob.location)
    rule_ids = {rule.id for rule in pack.rules}
    for item, program in compiled:
        for use in program.literal_uses():
            kind = _PATH_KINDS.get(use.path)
            if kind is not None:
                for problem in unknown(
                    kind, use.value, f"{item.what} compares {use.path} with", item.location
                ):
                    yield Problem(
                        _at(problem.message, item, use.offset), problem.location, problem.code
                    )
            elif use.path == "request.exceptions[].rule" and use.value not in rule_ids:
                text = _at(
                    f"{item.what} names exception rule '{use.value}', which the pack does not have"
                    + _hint(use.value, rule_ids),
                    item,
                    use.offset,
                )
                yield Problem(text, item.location, code="vocabulary")

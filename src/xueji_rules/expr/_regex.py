"""Regular expressions: the RE2 dialect CEL specifies, run by Python's ``re``.

Patterns are scanned before compiling and constructs RE2 does not have are refused
(backreferences, lookaround, atomic groups, possessive quantifiers, conditionals, inline
comments), so a pack that works here does not rely on Python-only behaviour. A few RE2 spellings
are translated (``\\z`` to ``\\Z``, ``(?<name>`` to ``(?P<name>``). Patterns compile with
``re.ASCII``: ``\\d``, ``\\w``, ``\\s`` and ``\\b`` are ASCII-only, as in RE2. RE2's Unicode
classes (``\\pL``) and POSIX classes (``[[:alpha:]]``) are not available.
"""

from __future__ import annotations

import functools
import re

__all__ = ["RegexError", "compile_re2", "matches"]

_MAX_PATTERN = 4_096


class RegexError(ValueError):
    """A pattern outside the accepted RE2 subset or not a valid regular expression."""


def _translate(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                raise RegexError("pattern ends with a lone backslash")
            nxt = pattern[i + 1]
            if nxt in "123456789":
                raise RegexError(f"backreferences ('\\{nxt}') are not supported (RE2 has none)")
            if nxt in "kg":
                raise RegexError(f"'\\{nxt}' backreferences are not supported (RE2 has none)")
            if nxt in "pP":
                raise RegexError("Unicode classes ('\\p{...}') are not supported; use a range")
            if nxt == "z" and not in_class:
                out.append("\\Z")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "[" and pattern.startswith(("[:", "[=", "[."), i):
                raise RegexError("POSIX classes like '[[:alpha:]]' are not supported; use a range")
            if ch == "]":
                in_class = False
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a leading ']' is a literal
                out.append("]")
                i += 1
            continue
        if ch == "(" and pattern.startswith("(?", i):
            rest = pattern[i + 2 : i + 4]
            if rest[:1] in ("=", "!") or rest in ("<=", "<!"):
                raise RegexError("lookahead and lookbehind are not supported (RE2 has none)")
            if rest[:1] == ">":
                raise RegexError("atomic groups '(?>...)' are not supported (RE2 has none)")
            if rest[:1] in ("(", "#") or rest == "P=" or (rest[:1] == "P" and rest != "P<"):
                raise RegexError(f"'(?{rest[:1]}' groups are not supported (RE2 has none)")
            if rest[:1] == "<":
                out.append("(?P<")
                i += 3
                continue
        if ch in "*+?}" and i + 1 < n and pattern[i + 1] == "+":
            raise RegexError("possessive quantifiers ('*+', '++') are not supported (RE2 has none)")
        out.append(ch)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=256)
def compile_re2(pattern: str) -> re.Pattern[str]:
    """Compile ``pattern`` after checking it stays inside the accepted RE2 subset."""
    if len(pattern) > _MAX_PATTERN:
        raise RegexError(f"pattern is longer than {_MAX_PATTERN} characters")
    translated = _translate(pattern)
    try:
        return re.compile(translated, re.ASCII)
    except (re.error, RecursionError, OverflowError, ValueError) as exc:
        raise RegexError(f"invalid regular expression: {exc}") from None


def matches(text: str, pattern: str) -> bool:
    """Whether ``pattern`` matches anywhere in ``text`` (use ``^``/``$`` to anchor)."""
    return compile_re2(pattern).search(text) is not None

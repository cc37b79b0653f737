"""Regular expressions: the RE2 dialect CEL specifies, run by RE2 itself (``google-re2``).

RE2 matches in time linear in the text, whatever the pattern, so a pattern from a pack or from
request data cannot stall a decision (Python's backtracking ``re`` takes exponential time on
``(a+)+$``). Before handing a pattern to RE2 it is scanned for syntax that Python's ``re`` has and
RE2 lacks (verbose mode ``(?x)``, ``(?a)``, ``\\N{...}``, lookaround, backreferences, ``\\Z``, ...)
so an author who knows Python's dialect reads what to write instead, with the position of the
construct; anything else RE2 refuses is reported with RE2's own reason.
"""

from __future__ import annotations

import functools
from typing import Any, Protocol

__all__ = ["RegexError", "compile_re2", "matches"]

_MAX_PATTERN = 4_096
_MAX_PROGRAM_MEMORY = 8 << 20  # RE2's own default: a pattern needing more fails to compile


class RegexError(ValueError):
    """A pattern RE2 does not accept; ``position`` is the 0-based index in the pattern, if known."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class CompiledPattern(Protocol):
    """What the rest of the package uses of a compiled RE2 pattern."""

    def search(self, text: str) -> Any:
        """A match object when the pattern matches anywhere in ``text``, else ``None``."""


# (prefix after '(?', message): groups Python's re has and RE2 does not
_GROUPS = (
    ("=", "lookahead '(?=...)' is not supported (RE2 has no lookaround)"),
    ("!", "negative lookahead '(?!...)' is not supported (RE2 has no lookaround)"),
    ("<=", "lookbehind '(?<=...)' is not supported (RE2 has no lookaround)"),
    ("<!", "negative lookbehind '(?<!...)' is not supported (RE2 has no lookaround)"),
    (">", "atomic groups '(?>...)' are not supported (RE2 has none)"),
    ("P=", "backreferences '(?P=name)' are not supported (RE2 has none)"),
    ("P>", "subroutine calls '(?P>name)' are not supported (RE2 has none)"),
    ("(", "conditionals '(?(...)' are not supported (RE2 has none)"),
    ("#", "inline comments '(?#...)' are not supported (RE2 has none)"),
)
_PYTHON_FLAGS = {
    "x": "verbose mode '(?x)' is Python syntax; RE2 has no such flag (write the pattern without spaces or comments)",
    "a": "'(?a)' is Python syntax; RE2 classes such as \\d and \\w are ASCII already",
    "u": "'(?u)' is Python syntax; RE2 matches Unicode text without a flag",
    "L": "'(?L)' is Python syntax; RE2 has no locale mode",
}
_ESCAPES = {
    "N": "'\\N{...}' named characters are Python syntax; write the character itself or \\x{...}",
    "Z": "'\\Z' is Python syntax; RE2 writes the end of the text as '\\z'",
    "g": "'\\g<...>' references are not supported (RE2 has no backreferences)",
    "k": "'\\k<...>' backreferences are not supported (RE2 has none)",
}


def _python_only(pattern: str) -> RegexError | None:
    """The first construct of ``pattern`` that Python's ``re`` accepts and RE2 refuses."""
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt in "123456789" and not in_class:
                return RegexError(f"backreferences ('\\{nxt}') are not supported (RE2 has none)", i)
            if nxt in _ESCAPES:
                return RegexError(_ESCAPES[nxt], i)
            if nxt in "pPx" and pattern.startswith("{", i + 2):  # \p{Han}, \x{1F600}
                end = pattern.find("}", i + 3)
                i = end + 1 if end >= 0 else n
                continue
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
            elif ch == "[" and pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                i = end + 2 if end >= 0 else i + 1
                continue
            i += 1
            continue
        if ch == "[":
            in_class = True
            i += 1
            if pattern.startswith("^", i):
                i += 1
            if pattern.startswith("]", i):  # a leading ']' is a literal
                i += 1
            continue
        if ch == "(" and pattern.startswith("(?", i):
            rest = pattern[i + 2 :]
            for prefix, message in _GROUPS:
                if rest.startswith(prefix):
                    return RegexError(message, i)
            j = i + 2
            while j < n and (pattern[j].isalpha() or pattern[j] == "-"):
                j += 1
            if j > i + 2 and j < n and pattern[j] in ":)":  # a flag group such as (?i) or (?s:...)
                for flag in pattern[i + 2 : j]:
                    if flag in _PYTHON_FLAGS:
                        return RegexError(_PYTHON_FLAGS[flag], i)
        if ch in "*+?}" and i + 1 < n and pattern[i + 1] == "+":
            return RegexError(
                "possessive quantifiers ('*+', '++', '?+') are not supported (RE2 has none)", i + 1
            )
        i += 1
    return None


class _RE2Pattern:
    """A pattern compiled by RE2, asked only whether it matches somewhere (no captures).

    It calls the binding's compiled ``RE2`` object directly: the binding's ``re``-like wrapper
    decodes match offsets back to characters on every call, three times the cost of the match.
    """

    __slots__ = ("_regexp", "_unanchored")

    def __init__(self, regexp: Any, unanchored: Any) -> None:
        self._regexp = regexp
        self._unanchored = unanchored

    def search(self, text: str) -> bool | None:
        """``True`` when the pattern matches somewhere in ``text``, else ``None``."""
        data = text.encode("utf-8", "surrogatepass")
        spans = self._regexp.Match(self._unanchored, data, 0, len(data))
        return True if spans[0][0] >= 0 else None


@functools.cache
def _engine() -> tuple[Any, Any]:
    import re2
    from re2 import _re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print every refused pattern on stderr
    options.max_mem = _MAX_PROGRAM_MEMORY
    options.never_capture = True  # matches() only asks whether, never where
    return _re2, options


@functools.lru_cache(maxsize=256)
def compile_re2(pattern: str) -> CompiledPattern:
    """Compile ``pattern`` with RE2; :class:`RegexError` when RE2 (or CEL) does not accept it."""
    if len(pattern) > _MAX_PATTERN:
        raise RegexError(f"pattern is longer than {_MAX_PATTERN} characters")
    python_only = _python_only(pattern)
    if python_only is not None:
        raise python_only
    binding, options = _engine()
    try:
        regexp = binding.RE2(pattern.encode("utf-8", "surrogatepass"), options)
    except (ValueError, TypeError, MemoryError, OverflowError) as exc:
        raise RegexError(f"invalid regular expression: {exc}") from None
    if not regexp.ok():
        reason = regexp.error()
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise RegexError(f"invalid regular expression: {reason}")
    return _RE2Pattern(regexp, binding.RE2.Anchor.UNANCHORED)


def matches(text: str, pattern: str) -> bool:
    """Whether ``pattern`` matches anywhere in ``text`` (use ``^``/``$`` to anchor)."""
    return compile_re2(pattern).search(text) is not None

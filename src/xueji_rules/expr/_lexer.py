"""Split expression text into tokens, decoding number, string and bytes literals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xueji_rules.errors import ExpressionError
from xueji_rules.expr._errors import expression_error
from xueji_rules.expr.limits import Limits

__all__ = ["INT64_MAX", "INT64_MIN", "Token", "lex", "string_offsets", "tokenize"]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_PUNCT = (
    "==", "!=", "<=", ">=", "&&", "||",
    "<", ">", "+", "-", "*", "/", "%", "!", "?", ":", ".", ",", "(", ")", "[", "]", "{", "}",
)  # fmt: skip
_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "?": "?", '"': '"', "'": "'", "`": "`",
}  # fmt: skip
_HEX = frozenset("0123456789abcdefABCDEF")
_DIGITS = frozenset("0123456789")
_IDENT_START = frozenset("_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_IDENT_CHARS = _IDENT_START | _DIGITS


@dataclass(frozen=True, slots=True)
class Token:
    """One token: ``kind`` is int, uint, double, string, bytes, ident, op or eof."""

    kind: str
    value: Any
    offset: int
    text: str


def _starts_string(src: str, start: int) -> bool:
    """Whether a string or bytes literal (with an optional r/b prefix) starts at ``start``."""
    end = start
    while end < len(src) and end - start < 2 and src[end] in "rRbB":
        end += 1
    return end < len(src) and src[end] in "\"'"


class _Lexer:
    def __init__(self, source: str, limits: Limits) -> None:
        self.src = source
        self.limits = limits
        self.pos = 0
        self.tokens: list[Token] = []
        self.offsets: list[int] | None = None  # per decoded character of the last string
        self.errors: list[ExpressionError] = []  # problems lexing went past (see run)

    def fail(self, message: str, offset: int) -> ExpressionError:
        return expression_error(message, self.src, offset)

    def run(self) -> list[Token]:
        src, n = self.src, len(self.src)
        while True:
            while self.pos < n:
                ch = src[self.pos]
                if ch in " \t\n\r\f":
                    self.pos += 1
                elif src.startswith("//", self.pos):
                    end = src.find("\n", self.pos)
                    self.pos = n if end < 0 else end + 1
                else:
                    break
            if self.pos >= n:
                self.tokens.append(Token("eof", None, n, ""))
                return self.tokens
            start = self.pos
            try:
                self.token(start)
            except ExpressionError as exc:
                # record it and go on, so one run reports every problem: skip the rest of the
                # word or number, or the one bad character; an unterminated string ends the text
                self.errors.append(exc)
                if _starts_string(src, start):
                    self.pos = n
                else:
                    end = start + 1
                    while src[start] in _IDENT_CHARS and end < n and src[end] in _IDENT_CHARS:
                        end += 1
                    self.pos = max(self.pos, end)

    def token(self, start: int) -> None:
        src, n = self.src, len(self.src)
        ch = src[start]
        if ch in _DIGITS or (ch == "." and start + 1 < n and src[start + 1] in _DIGITS):
            self.number()
        elif ch in "\"'":
            self.string(start, raw=False, is_bytes=False, quote_at=start)
        elif ch in _IDENT_START:
            self.word(start)
        else:
            for p in _PUNCT:
                if src.startswith(p, start):
                    self.pos += len(p)
                    self.tokens.append(Token("op", p, start, p))
                    return
            raise self.fail(f"unexpected character {ch!r}", start)

    def word(self, start: int) -> None:
        src, n = self.src, len(self.src)
        end = start
        while end < n and src[end] in _IDENT_CHARS:
            end += 1
        text = src[start:end]
        if end < n and src[end] in "\"'" and text.lower() in ("r", "b", "rb", "br"):
            low = text.lower()
            self.string(start, raw="r" in low, is_bytes="b" in low, quote_at=end)
            return
        self.pos = end
        self.tokens.append(Token("ident", text, start, text))

    def number(self) -> None:
        src, n, start = self.src, len(self.src), self.pos
        if src.startswith(("0x", "0X"), start):
            end = start + 2
            while end < n and src[end] in _HEX:
                end += 1
            if end == start + 2:
                raise self.fail("hexadecimal literal needs digits after '0x'", start)
            value = int(src[start + 2 : end], 16)
            self.integer(start, end, value)
            return
        end = start
        while end < n and src[end] in _DIGITS:
            end += 1
        is_float = False
        if end < n and src[end] == "." and end + 1 < n and src[end + 1] in _DIGITS:
            is_float = True
            end += 1
            while end < n and src[end] in _DIGITS:
                end += 1
        if end < n and src[end] in "eE":
            exp = end + 1
            if exp < n and src[exp] in "+-":
                exp += 1
            if exp < n and src[exp] in _DIGITS:
                is_float = True
                end = exp
                while end < n and src[end] in _DIGITS:
                    end += 1
        text = src[start:end]
        if is_float:
            if len(text) > 400:
                raise self.fail("number literal is too long", start)
            self.pos = end
            self.tokens.append(Token("double", float(text), start, text))
            return
        if len(text) > 40:
            raise self.fail("integer literal is out of the int64 range", start)
        self.integer(start, end, int(text))

    def integer(self, start: int, end: int, value: int) -> None:
        src, n = self.src, len(self.src)
        if end < n and src[end] in "uU":
            raise self.fail("unsigned integers (the 'u' suffix) are not supported; use int", start)
        if end < n and (src[end] in _IDENT_CHARS):
            raise self.fail(f"invalid number literal {src[start : end + 1]!r}", start)
        # -9223372036854775808 is written as a negated literal; the parser folds the sign in
        if value > INT64_MAX + 1:
            raise self.fail("integer literal is out of the int64 range", start)
        self.pos = end
        self.tokens.append(Token("int", value, start, src[start:end]))

    def string(self, start: int, raw: bool, is_bytes: bool, quote_at: int) -> None:
        src, n = self.src, len(self.src)
        quote = src[quote_at]
        triple = src.startswith(quote * 3, quote_at)
        delim = quote * 3 if triple else quote
        i = quote_at + len(delim)
        out: list[str] = []
        byte_out = bytearray()
        limit = self.limits.max_string_length
        while True:
            if i >= n:
                raise self.fail("unterminated string literal", start)
            if src.startswith(delim, i):
                i += len(delim)
                break
            ch = src[i]
            if not triple and ch in "\r\n":
                raise self.fail("unterminated string literal (newline inside quotes)", start)
            if self.offsets is not None:
                self.offsets.extend([i] * (1 if ch != "\\" or raw else 0))
            if ch == "\\" and not raw:
                before = len(out)
                try:
                    i, at = self.escape(i, is_bytes, out, byte_out), i
                except ExpressionError as exc:
                    if i + 1 >= n or self.offsets is not None:
                        raise
                    self.errors.append(exc)  # go on after the bad escape
                    i, at = i + 2, i
                if self.offsets is not None:
                    self.offsets.extend([at] * (len(out) - before))
            else:
                if is_bytes:
                    byte_out.extend(ch.encode("utf-8", "surrogatepass"))
                else:
                    out.append(ch)
                i += 1
            if len(out) > limit or len(byte_out) > limit:
                raise self.fail(f"string literal is longer than {limit} characters", start)
        self.pos = i
        if is_bytes:
            self.tokens.append(Token("bytes", bytes(byte_out), start, src[start:i]))
        else:
            self.tokens.append(Token("string", "".join(out), start, src[start:i]))

    def escape(self, i: int, is_bytes: bool, out: list[str], byte_out: bytearray) -> int:
        src, n = self.src, len(self.src)
        if i + 1 >= n:
            raise self.fail("unterminated escape sequence", i)
        c = src[i + 1]
        if c in _SIMPLE_ESCAPES:
            text = _SIMPLE_ESCAPES[c]
            if is_bytes:
                byte_out.extend(text.encode())
            else:
                out.append(text)
            return i + 2
        if c in "xX" or c in "uU":
            width = {"x": 2, "X": 2, "u": 4, "U": 8}[c]
            digits = src[i + 2 : i + 2 + width]
            if len(digits) != width or not all(d in _HEX for d in digits):
                raise self.fail(f"invalid escape sequence '\\{c}{digits}'", i)
            code = int(digits, 16)
            if c in "xX" and is_bytes:
                byte_out.append(code)
                return i + 2 + width
            if c == "U" and is_bytes:
                raise self.fail("'\\U' escapes are not allowed in bytes literals", i)
            self.code_point(code, i, is_bytes, out, byte_out)
            return i + 2 + width
        if c in "0123":
            digits = src[i + 1 : i + 4]
            if len(digits) != 3 or not all(d in "01234567" for d in digits):
                raise self.fail(f"invalid octal escape '\\{digits}'", i)
            code = int(digits, 8)
            if is_bytes:
                byte_out.append(code)
            else:
                out.append(chr(code))
            return i + 4
        raise self.fail(f"invalid escape sequence '\\{c}'", i)

    def code_point(
        self, code: int, i: int, is_bytes: bool, out: list[str], byte_out: bytearray
    ) -> None:
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise self.fail(f"invalid Unicode code point U+{code:04X} in escape", i)
        if is_bytes:
            byte_out.extend(chr(code).encode("utf-8"))
        else:
            out.append(chr(code))


def lex(source: str, limits: Limits) -> tuple[list[Token], list[ExpressionError]]:
    """The tokens of ``source`` ending with an ``eof`` token, and every problem met on the way
    (a bad character, escape or number is skipped so the rest is still read)."""
    lexer = _Lexer(source, limits)
    tokens = lexer.run()
    return tokens, lexer.errors


def tokenize(source: str, limits: Limits) -> list[Token]:
    """The tokens of ``source`` ending with an ``eof`` token; raises the first ``ExpressionError``."""
    tokens, errors = lex(source, limits)
    if errors:
        raise errors[0]
    return tokens


def string_offsets(source: str, offset: int) -> list[int] | None:
    """For the string literal starting at ``offset`` of ``source``: the source offset of each
    character of its decoded value (so a position inside the value maps back to the text);
    ``None`` when no string literal starts there."""
    lexer = _Lexer(source, Limits(max_string_length=len(source) + 1))
    lexer.pos = offset
    lexer.offsets = []
    try:
        if source[offset : offset + 1] in ("'", '"'):
            lexer.string(offset, raw=False, is_bytes=False, quote_at=offset)
        else:
            lexer.word(offset)
    except (ExpressionError, IndexError):
        return None
    token = lexer.tokens[-1] if lexer.tokens else None
    if token is None or token.kind != "string" or len(lexer.offsets) != len(token.value):
        return None
    return lexer.offsets

"""Recursive-descent parser from tokens to the syntax tree, with macros expanded.

Nesting is bounded while parsing (``Limits.max_depth``): every node records the depth of the
tree under it and the parser refuses to go deeper, so no later pass can exhaust the stack.
"""

from __future__ import annotations

from typing import TypeVar

from xueji_rules.errors import ExpressionError
from xueji_rules.expr import _ast as a
from xueji_rules.expr._errors import expression_error
from xueji_rules.expr._lexer import INT64_MAX, Token, lex
from xueji_rules.expr.limits import Limits

__all__ = ["RESERVED", "parse", "parse_all"]

N = TypeVar("N", bound=a.Node)

RESERVED = frozenset(
    [
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
    ]
)
_KEYWORDS = frozenset({"true", "false", "null", "in"})
_LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"==", "!=", "<", "<=", ">", ">=", "in"}),
    frozenset({"+", "-"}),
    frozenset({"*", "/", "%"}),
)
_MACRO_ARITY = {"all": (2,), "exists": (2,), "exists_one": (2,), "map": (2, 3), "filter": (2,)}


class _Parser:
    def __init__(self, source: str, limits: Limits, tokens: list[Token]) -> None:
        self.src = source
        self.limits = limits
        self.tokens = tokens
        self.i = 0
        self.nodes = 0
        self.nesting = 0

    # -- helpers ---------------------------------------------------------------------------

    def fail(self, message: str, offset: int) -> ExpressionError:
        return expression_error(message, self.src, offset)

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def at(self, op: str) -> bool:
        tok = self.tokens[self.i]
        return tok.kind == "op" and tok.value == op

    def take(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def expect(self, op: str, context: str) -> Token:
        if not self.at(op):
            raise self.fail(
                f"expected '{op}' {context}, found {self.describe(self.tok)}", self.tok.offset
            )
        return self.take()

    @staticmethod
    def describe(tok: Token) -> str:
        if tok.kind == "eof":  # a term's end when terms are parsed one by one: its '&&'
            return f"'{tok.text}'" if tok.text else "end of expression"
        return f"'{tok.text}'" if len(tok.text) <= 20 else f"'{tok.text[:20]}...'"

    def mk(self, node: N, *children: a.Node) -> N:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise self.fail(
                f"expression is too large (more than {self.limits.max_nodes} nodes)", node.offset
            )
        if children:
            node.depth = 1 + max(c.depth for c in children)
            if node.depth > self.limits.max_depth:
                raise self.fail(
                    f"expression is nested too deeply (more than {self.limits.max_depth} levels)",
                    node.offset,
                )
        return node

    def enter(self, offset: int) -> None:
        self.nesting += 1
        if self.nesting > self.limits.max_depth:
            raise self.fail(
                f"expression is nested too deeply (more than {self.limits.max_depth} levels)",
                offset,
            )

    # -- grammar ---------------------------------------------------------------------------

    def parse(self) -> a.Node:
        node = self.expr()
        if self.tok.kind != "eof":
            raise self.fail(
                f"unexpected {self.describe(self.tok)} after expression", self.tok.offset
            )
        return node

    def expr(self) -> a.Node:
        self.enter(self.tok.offset)
        try:
            cond = self.logical("||")
            if not self.at("?"):
                return cond
            question = self.take()
            then = self.logical("||")
            self.expect(":", "in conditional 'a ? b : c'")
            otherwise = self.expr()
            return self.mk(
                a.Conditional(question.offset, cond, then, otherwise), cond, then, otherwise
            )
        finally:
            self.nesting -= 1

    def logical(self, op: str) -> a.Node:
        first = self.binary(0) if op == "&&" else self.logical("&&")
        if not self.at(op):
            return first
        terms = [first]
        offset = self.tok.offset
        while self.at(op):
            self.take()
            terms.append(self.binary(0) if op == "&&" else self.logical("&&"))
            if len(terms) > self.limits.max_collection_literal:
                raise self.fail(f"too many '{op}' terms in a row", offset)
        return self.mk(a.Logical(offset, op, terms), *terms)

    def binary(self, level: int) -> a.Node:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        ops = _LEVELS[level]
        while True:
            tok = self.tok
            if tok.kind == "op" and tok.value in ops:
                op = tok.value
            elif tok.kind == "ident" and tok.value == "in" and "in" in ops:
                op = "in"
            else:
                return left
            self.take()
            right = self.binary(level + 1)
            left = self.mk(a.Binary(tok.offset, op, left, right), left, right)

    def unary(self) -> a.Node:
        ops: list[Token] = []
        while self.at("!") or self.at("-"):
            ops.append(self.take())
            if len(ops) > self.limits.max_depth:
                raise self.fail(
                    f"expression is nested too deeply (more than {self.limits.max_depth} levels)",
                    ops[-1].offset,
                )
        if ops and all(op.value == ops[0].value for op in ops):
            # as CEL's parsers do: a run of one unary operator keeps one of it when the run is
            # odd and none when it is even, so '--x' is x itself and never overflows
            ops = ops[:1] if len(ops) % 2 else []
        negate_literal = (
            bool(ops)
            and ops[-1].value == "-"
            and self.tok.kind == "int"
            and not (self.tokens[self.i + 1].kind == "op" and self.tokens[self.i + 1].value in ".[")
        )
        if negate_literal:
            sign = ops.pop()
            lit = self.take()
            node: a.Node = self.mk(a.Literal(sign.offset, -lit.value))
        else:
            node = self.member()
        for tok in reversed(ops):
            node = self.mk(a.Unary(tok.offset, tok.value, node), node)
        return node

    def member(self) -> a.Node:
        node = self.primary()
        while True:
            if self.at("."):
                self.take()
                name_tok = self.take()
                if name_tok.kind != "ident" or name_tok.value in _KEYWORDS:
                    raise self.fail(
                        f"expected a field or method name after '.', found {self.describe(name_tok)}",
                        name_tok.offset,
                    )
                if self.at("("):
                    args = self.arguments()
                    node = self.method(node, name_tok, args)
                else:
                    node = self.mk(a.Select(name_tok.offset, node, name_tok.value), node)
            elif self.at("["):
                bracket = self.take()
                self.enter(bracket.offset)
                try:
                    index = self.expr()
                finally:
                    self.nesting -= 1
                self.expect("]", "to close the index")
                node = self.mk(a.Index(bracket.offset, node, index), node, index)
            else:
                return node

    def arguments(self) -> list[a.Node]:
        open_tok = self.expect("(", "")
        args: list[a.Node] = []
        if self.at(")"):
            self.take()
            return args
        while True:
            args.append(self.expr())
            if len(args) > 32:
                raise self.fail("too many arguments (more than 32)", open_tok.offset)
            if self.at(","):
                self.take()
                continue
            self.expect(")", "to close the argument list")
            return args

    def method(self, target: a.Node, name: Token, args: list[a.Node]) -> a.Node:
        if name.value in _MACRO_ARITY and args and isinstance(args[0], a.Ident):
            if len(args) not in _MACRO_ARITY[name.value]:
                raise self.fail(
                    f"macro '{name.value}' takes "
                    + " or ".join(str(n) for n in _MACRO_ARITY[name.value])
                    + f" arguments, got {len(args)}",
                    name.offset,
                )
            var = args[0].name
            predicate: a.Node | None = None
            transform: a.Node | None = None
            if name.value == "map":
                transform = args[-1]
                predicate = args[1] if len(args) == 3 else None
            else:
                predicate = args[1]
            return self.mk(
                a.Comprehension(name.offset, name.value, target, var, predicate, transform),
                target,
                *args,
            )
        if name.value in _MACRO_ARITY:
            raise self.fail(
                f"the first argument of macro '{name.value}' must be a variable name",
                args[0].offset if args else name.offset,
            )
        return self.mk(a.Call(name.offset, name.value, target, args), target, *args)

    def primary(self) -> a.Node:
        tok = self.tok
        if tok.kind in ("int", "double", "string", "bytes"):
            self.take()
            if tok.kind == "int" and tok.value > INT64_MAX:
                raise self.fail("integer literal is out of the int64 range", tok.offset)
            return self.mk(a.Literal(tok.offset, tok.value))
        if tok.kind == "ident":
            return self.identifier()
        if tok.kind == "op":
            if tok.value == "(":
                self.take()
                node = self.expr()
                self.expect(")", "to close '('")
                return node
            if tok.value == "[":
                return self.list_literal()
            if tok.value == "{":
                return self.map_literal()
            if tok.value == "." and self.tokens[self.i + 1].kind == "ident":
                self.take()
                return self.identifier()
        raise self.fail(f"unexpected {self.describe(tok)}", tok.offset)

    def identifier(self) -> a.Node:
        tok = self.take()
        name = tok.value
        if name in ("true", "false"):
            return self.mk(a.Literal(tok.offset, name == "true"))
        if name == "null":
            return self.mk(a.Literal(tok.offset, None))
        if name == "in" or name in RESERVED:
            raise self.fail(f"'{name}' is a reserved word", tok.offset)
        if not self.at("("):
            return self.mk(a.Ident(tok.offset, name))
        args = self.arguments()
        if name == "has":
            if len(args) != 1 or not isinstance(args[0], a.Select) or args[0].test_only:
                raise self.fail(
                    "has() takes one field selection, like has(record.field)", tok.offset
                )
            sel = args[0]
            return self.mk(a.Select(sel.offset, sel.operand, sel.field, True), sel.operand)
        return self.mk(a.Call(tok.offset, name, None, args), *args)

    def list_literal(self) -> a.Node:
        open_tok = self.take()
        elements: list[a.Node] = []
        while not self.at("]"):
            elements.append(self.expr())
            if len(elements) > self.limits.max_collection_literal:
                raise self.fail(
                    f"list literal has more than {self.limits.max_collection_literal} elements",
                    open_tok.offset,
                )
            if not self.at(","):
                break
            self.take()
        self.expect("]", "to close the list")
        return self.mk(a.ListLit(open_tok.offset, elements), *elements)

    def map_literal(self) -> a.Node:
        open_tok = self.take()
        entries: list[tuple[a.Node, a.Node]] = []
        while not self.at("}"):
            key = self.expr()
            self.expect(":", "between map key and value")
            value = self.expr()
            entries.append((key, value))
            if len(entries) > self.limits.max_collection_literal:
                raise self.fail(
                    f"map literal has more than {self.limits.max_collection_literal} entries",
                    open_tok.offset,
                )
            if not self.at(","):
                break
            self.take()
        self.expect("}", "to close the map")
        children = [n for pair in entries for n in pair]
        return self.mk(a.MapLit(open_tok.offset, entries), *children)


def _too_long(source: str, limits: Limits) -> ExpressionError | None:
    if len(source) > limits.max_source_length:
        return expression_error(
            f"expression is longer than {limits.max_source_length} characters",
            source[: limits.max_source_length],
            limits.max_source_length - 1,
        )
    return None


def parse(source: str, limits: Limits | None = None) -> a.Node:
    """Parse ``source`` into a syntax tree; raises the first ``ExpressionError`` with its position."""
    root, errors = parse_all(source, limits)
    if errors or root is None:
        raise (errors or [expression_error("empty expression", source, 0)])[0]
    return root


def parse_all(
    source: str, limits: Limits | None = None
) -> tuple[a.Node | None, list[ExpressionError]]:
    """Parse ``source``; return the tree and every syntax problem found.

    Without problems the tree is the expression's. With problems, parsing recovers where it
    sensibly can: each term of a top-level ``&&``/``||`` chain is parsed on its own, so a mistake
    in one term does not hide a mistake in another, and the returned tree is the ``&&`` of the
    terms that did parse (for type-checking them; it is never evaluated), or ``None``.
    """
    limits = limits or Limits()
    too_long = _too_long(source, limits)
    if too_long is not None:
        return None, [too_long]
    tokens, lex_errors = lex(source, limits)
    if not lex_errors:
        try:
            return _Parser(source, limits, tokens).parse(), []
        except ExpressionError as exc:
            first = exc
    segments = _segments(tokens)
    if len(segments) < 2:
        return None, list(lex_errors) if lex_errors else [first]
    errors: list[ExpressionError] = list(lex_errors)
    bad = [e.offset for e in lex_errors if e.offset is not None]
    good: list[a.Node] = []
    for start, end, part in segments:
        if any(start <= offset < end for offset in bad):
            continue  # its problem is already reported; parsing it would only add noise
        try:
            good.append(_Parser(source, limits, part).parse())
        except ExpressionError as exc:
            errors.append(exc)
    if not errors:
        errors.append(first)
    if not good:
        return None, errors
    root: a.Node = good[0] if len(good) == 1 else a.Logical(good[0].offset, "&&", good)
    return root, errors


def _segments(tokens: list[Token]) -> list[tuple[int, int, list[Token]]]:
    """The terms of a top-level ``&&``/``||`` chain: (start, end) in the source and the tokens,
    ending with an ``eof`` token. Fewer than two when brackets do not balance or a top-level
    ``?:`` makes the terms ambiguous."""
    parts: list[tuple[int, int, list[Token]]] = []
    current: list[Token] = []
    start = 0
    depth = 0
    for tok in tokens:
        if tok.kind == "eof":
            break
        if tok.kind == "op":
            if tok.value in "([{":
                depth += 1
            elif tok.value in ")]}":
                depth -= 1
                if depth < 0:
                    return []
            elif depth == 0 and tok.value in ("?", ":"):
                return []
            elif depth == 0 and tok.value in ("&&", "||"):
                parts.append(
                    (start, tok.offset, [*current, Token("eof", None, tok.offset, tok.text)])
                )
                current = []
                start = tok.offset + len(tok.text)
                continue
        current.append(tok)
    if depth != 0:
        return []
    parts.append((start, tokens[-1].offset + 1, [*current, tokens[-1]]))
    return parts

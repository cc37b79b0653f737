"""Input converters specialised to the keys an input arrives with (D-310).

Inputs from one system carry the same keys every time, and the general converter
(:mod:`._generate`) spends much of its time on what a key set settles once: testing for each of a
schema's optional properties (most are absent), counting the ones found to refuse unknown keys.
So a plain ``dict`` is looked up by the tuple of its keys; a key set the general converter has
accepted :attr:`KeySets.after` times gets a converter of its own, which reads exactly those keys
and checks and converts their values with the general converter's own code. Its nested objects
(``school``, ``to_school``, the items of ``approvals``...) are specialised to the keys they had in
the input that taught the key set, behind a cheap guard (a ``dict`` of that many keys, its optional
ones present); a nested object with other keys takes the general code for that object.

The specialised converter only ever accepts what the general one accepts, with an equal result
(tests check it on generated inputs): anything unusual — a key set not yet learnt, a ``Mapping``
that is not a ``dict``, a value it cannot check, a rejection — makes it fall back to the general
converter for the whole input, so rejections and their wording are the general path's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xueji_rules.engine._generate import _INLINE_DEPTH, Converter, Generator

__all__ = ["KeySets", "compile_keyset"]


class _Specialiser(Generator):
    """The general generator, plus code for objects whose keys are known."""

    def object_for_keys(
        self,
        schema: Mapping[str, Any],
        root: Mapping[str, Any],
        var: str,
        indent: str,
        depth: int,
        sample: Mapping[Any, Any],
    ) -> list[str] | None:
        """Check the dict ``var``, which holds ``sample``'s keys, into the new dict ``o{depth}``.

        Every key is read directly (so a missing one raises ``KeyError``); with the caller's
        guarantee that ``var`` has no more keys than ``sample`` (its key tuple, or its length and
        each optional key present), that proves the key set, so no property is tested for
        presence and a closed object needs no count. ``None`` when no object with these keys can be valid (a required key absent, a
        key a closed schema does not name, a key that is not a string) or when the schema names
        no property (its general code only copies the object).
        """
        props: Mapping[str, Any] = schema.get("properties", {})
        keys = tuple(sample)
        if not props:  # nothing to check but the keys: the general code only copies it
            return None
        if any(key.__class__ is not str for key in keys):
            return None
        if not set(schema.get("required", ())) <= set(keys):
            return None
        if schema.get("additionalProperties", True) is False and not set(keys) <= set(props):
            return None
        lines: list[str] = []
        changes: list[str] = []
        for index, key in enumerate(keys):
            item, name = f"x{depth}_{index}", self.const(key)
            lines.append(f"{indent}{item} = {var}[{name}]")
            if key not in props:  # an open schema's other key: any value
                continue
            body, value, changed = self.value(
                props[key], root, item, indent, depth + 1, sample[key]
            )
            lines += body
            if changed:
                if value != item:  # nested objects reuse o{depth + 1}: keep each one now
                    lines.append(f"{indent}{item} = {value}")
                changes.append(f"{indent}o{depth}[{name}] = {item}")
        return [*lines, f"{indent}o{depth} = dict({var})", *changes]

    def value(
        self,
        schema: Mapping[str, Any],
        root: Mapping[str, Any],
        var: str,
        indent: str,
        depth: int,
        sample: Any,
    ) -> tuple[list[str], str, bool]:
        """Like :meth:`Generator.convert`, with objects specialised to the keys of ``sample``.

        An object gets a specialised branch, taken when it has exactly ``sample``'s keys, and the
        general code otherwise; an array of objects specialises its items to the keys of its
        first item. A valid input never raises in a specialised branch.
        """
        schema, root = self.deref(schema, root)
        kind = schema.get("type")
        inline = id(schema) not in self.active and depth <= _INLINE_DEPTH
        if kind == "object" and inline and sample.__class__ is dict:
            self.active.add(id(schema))
            try:
                fast = self.object_for_keys(schema, root, var, indent + "    ", depth, sample)
            finally:
                self.active.discard(id(schema))
            if fast is not None:
                general, value, _ = self.convert(schema, root, var, indent + "    ", depth)
                out = f"o{depth}"
                keep = [f"{indent}    {out} = {value}"] if value != out else []
                # the expected keys exactly: that many, and the optional ones present (a
                # required one is read directly: absent, the input is invalid anyway)
                required = schema.get("required", ())
                present = [f"{self.const(k)} in {var}" for k in sample if k not in required]
                guard = " and ".join(
                    [f"{var}.__class__ is dict", f"len({var}) == {len(sample)}", *present]
                )
                return (
                    [
                        f"{indent}if {guard}:",
                        *fast,
                        f"{indent}else:  # other keys: the general code",
                        *general,
                        *keep,
                    ],
                    out,
                    True,
                )
        if kind == "array" and inline and sample.__class__ in (list, tuple) and sample:
            self.active.add(id(schema))
            try:
                lines = self.array_for_sample(schema, root, var, indent, depth, sample[0])
                return lines, f"l{depth}", True
            finally:
                self.active.discard(id(schema))
        return self.convert(schema, root, var, indent, depth)

    def array_for_sample(
        self,
        schema: Mapping[str, Any],
        root: Mapping[str, Any],
        var: str,
        indent: str,
        depth: int,
        first: Any,
    ) -> list[str]:
        """:meth:`Generator.array_lines`, its items specialised to ``first`` (see :meth:`value`)."""
        out, item = f"l{depth}", f"y{depth}"
        lines = self.array_checks(schema, var, indent)
        body, value, _ = self.value(
            schema.get("items", {}), root, item, indent + "    ", depth + 1, first
        )
        lines += [f"{indent}{out} = []", f"{indent}for {item} in {var}:", *body]
        lines += [f"{indent}    {out}.append({value})"]
        return lines


def compile_keyset(
    schema: Mapping[str, Any], name: str, sample: Mapping[Any, Any]
) -> Converter | None:
    """The converter of the object ``schema`` for dicts holding exactly ``sample``'s keys, in
    that order (the caller checks the key tuple), or ``None`` when no such object can be valid.

    ``sample`` (an input the general converter accepted) also gives the keys its nested objects
    are specialised to; nothing else of it is kept.
    """
    gen = _Specialiser(name)
    schema, root = gen.deref(schema, schema)
    if schema.get("type") != "object":
        return None
    gen.active.add(id(schema))
    body = gen.object_for_keys(schema, root, "v", "    ", 1, sample)
    if body is None:
        return None
    gen.lines += ["def _keyset(v):", *body, "    return o1", ""]
    code = compile("\n".join(gen.lines), f"<input converter {name}, one key set>", "exec")
    exec(code, gen.namespace)  # generated from the checked schema; see _generate's docstring
    converter: Converter = gen.namespace["_keyset"]
    return converter


class KeySets:
    """The converters specialised per key set for one schema, learnt from inputs and bounded.

    The inputs are untrusted, so memory is bounded: at most :attr:`limit` specialised
    converters (when full, further key sets stay on the general path) and at most
    :attr:`limit` × 4 key sets being counted (the counts restart when full). A key set is
    compiled only after :attr:`after` inputs with it were accepted, so a stream of new key sets
    cannot make each input pay for a compilation.
    """

    __slots__ = ("after", "fast", "general", "limit", "name", "schema", "seen")

    def __init__(
        self,
        schema: Mapping[str, Any],
        name: str,
        general: Converter,
        *,
        limit: int = 32,
        after: int = 8,
    ) -> None:
        self.schema = schema
        self.name = name
        #: the general converter: the reference, and the fallback for anything unusual
        self.general = general
        self.limit = limit
        self.after = after
        #: key tuple -> its converter (specialised, or the general one when none can be)
        self.fast: dict[tuple[Any, ...], Converter] = {}
        #: key tuple -> how many accepted inputs had it, for the key sets not yet compiled
        self.seen: dict[tuple[Any, ...], int] = {}

    def converter(self) -> Converter:
        """The converter to call: specialised by key set where learnt, else the general one
        (always the general one when :attr:`after` is 0: specialising is off)."""
        get, learn, general = self.fast.get, self.learn, self.general
        if self.after <= 0:
            return general

        def convert(value: Any) -> Any:
            if value.__class__ is dict:
                specialised = get(tuple(value))
                if specialised is not None:
                    try:
                        return specialised(value)
                    except Exception:  # unusual or rejected: the general converter decides
                        return general(value)
                return learn(value)
            return general(value)

        return convert

    def learn(self, value: dict[Any, Any]) -> Any:
        """Convert ``value`` with the general converter, counting its key set when accepted."""
        result = self.general(value)  # a rejection raises: nothing is learnt from it
        keys = tuple(value)
        count = self.seen.get(keys, 0) + 1
        if count < self.after:
            if len(self.seen) >= self.limit * 4:
                self.seen.clear()
            self.seen[keys] = count
            return result
        self.seen.pop(keys, None)
        if len(self.fast) < self.limit:
            self.fast[keys] = self.specialise(value) or self.general
        return result

    def specialise(self, sample: Mapping[Any, Any]) -> Converter | None:
        """The converter for dicts holding exactly ``sample``'s keys (see :func:`compile_keyset`)."""
        return compile_keyset(self.schema, self.name, sample)

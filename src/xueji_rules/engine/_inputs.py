"""Records and requests: validated against their JSON Schemas and converted for expressions.

``jsonschema`` is the reference, but it costs tens of microseconds per record, which a bulk
decision run cannot afford. So each schema is compiled once into straight-line Python, one
function per object or array schema, that checks the same keywords (the subset our schemas use;
any other keyword is refused when the converter is built) and turns ``format: date`` strings into
``datetime.date``, JSON numbers into ``float`` and integral JSON floats of integer fields
(``3.0``, as Java and Go clients may write them) into ``int``. Only the generator's own text and identifiers
reach the generated source; every schema value (enums, bounds, patterns, key names) is passed in
as a constant of the function's namespace, never spliced into code. When the converter rejects an
input, jsonschema is run on it to word every problem; a test asserts both agree.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from xueji_rules._schemas import iter_problems, load_schema, validator_for, validator_for_contents
from xueji_rules.engine._generate import (
    _DATES,
    _DATES_MAX,
    _MAX_DEPTH,
    REJECTED,
    Converter,
    _Invalid,
    compile_converter,
)
from xueji_rules.engine._keysets import KeySets
from xueji_rules.errors import InputError, Location, Problem

if TYPE_CHECKING:
    from xueji_rules.packs.model import InputField

__all__ = ["REJECTED", "InputModel", "input_model", "input_schema"]
__all__ += ["_DATES", "_DATES_MAX"]  # the remembered dates, for the tests


class InputModel:
    """Validate-and-convert for one kind of input (``record`` or ``request``).

    With ``learn_after`` above 0, dicts are converted by converters specialised to their key
    set once that many inputs with it were accepted (:class:`~._keysets.KeySets`, at most
    ``keysets_limit`` of them; D-310). It pays where one object's keys settle most of the work
    (the engine's records and requests: :func:`input_model` turns it on); where the cost is in
    nested objects of many shapes (an audit bundle's record and history) the lookup only adds.
    """

    def __init__(
        self,
        kind: str,
        schema_file: str,
        schema: Mapping[str, Any] | None = None,
        *,
        learn_after: int = 0,
        keysets_limit: int = 32,
    ) -> None:
        self.kind = kind
        self.schema_file = schema_file
        self.schema = schema if schema is not None else load_schema(schema_file)
        #: the general generated converter, for any input
        self.general: Converter = compile_converter(self.schema, schema_file)
        #: the converters specialised per key set, learnt from the inputs (D-310)
        self.keysets = KeySets(
            self.schema, schema_file, self.general, limit=keysets_limit, after=learn_after
        )
        self._convert = self.keysets.converter()
        #: the generated converter itself: the converted input, or one of :data:`REJECTED`
        self.raw: Converter = self._convert

    def convert(self, value: Any, source: str | None = None) -> dict[str, Any]:
        """Return the converted input, or raise :class:`InputError` listing every problem."""
        try:
            result: dict[str, Any] = self._convert(value)
            return result
        except (_Invalid, KeyError):  # KeyError: a required property is absent
            pass
        except RecursionError:
            raise InputError(f"{self.kind} is nested too deeply", Location(file=source)) from None
        raise self.error(value, source)

    def error(self, value: Any, source: str | None) -> InputError:
        """Word the problems of an input the converter rejected."""
        try:
            plain = _jsonable(value, 0, set())
        except _TooDeep:
            return InputError(
                f"{self.kind} is nested more than {_MAX_DEPTH} levels deep or contains itself",
                Location(file=source),
            )
        # a pack's own fields make a schema of their own; otherwise the bundled file's validator
        schema = getattr(self, "schema", None)
        validator = (
            validator_for(self.schema_file)
            if schema is None or schema is load_schema(self.schema_file)
            else validator_for_contents(schema)
        )
        problems = list(
            iter_problems(
                validator,
                plain,
                lambda path: Location(file=source),
                root=self.kind,
            )
        )
        if not problems:
            problems = [
                Problem(f"{self.kind} does not match {self.schema_file}", Location(file=source))
            ]
        return InputError("; ".join(p.message for p in problems), problems[0].location, problems)


class _TooDeep(Exception):
    pass


def _jsonable(value: Any, depth: int, active: set[int]) -> Any:
    """``value`` as plain JSON data for jsonschema; bounded, so a hostile input cannot recurse."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping | list | tuple):
        if depth >= _MAX_DEPTH or id(value) in active:
            raise _TooDeep
        active.add(id(value))
        try:
            if isinstance(value, Mapping):
                return {str(k): _jsonable(v, depth + 1, active) for k, v in value.items()}
            return [_jsonable(v, depth + 1, active) for v in value]
        finally:
            active.discard(id(value))
    return value


def input_schema(kind: str, fields: Iterable[InputField] = ()) -> dict[str, Any]:
    """The JSON Schema of ``record`` or ``request``: the bundled one plus a pack's own fields."""
    base = load_schema(f"{kind}.schema.json")
    extra = [f for f in fields if f.kind == kind]
    if not extra:
        return base
    schema = copy.deepcopy(base)
    for item in extra:
        schema["properties"][item.name] = item.json_schema()
    return schema


_MODELS: dict[tuple[str, str], InputModel] = {}


def input_model(kind: str, fields: Iterable[InputField] = ()) -> InputModel:
    """The shared model for ``record`` or ``request`` (with a pack's own ``fields`` added)."""
    extra = sorted((f for f in fields if f.kind == kind), key=lambda f: f.path)
    key = (kind, json.dumps([f.json_schema() | {"name": f.name} for f in extra], sort_keys=True))
    model = _MODELS.get(key)
    if model is None:
        schema = input_schema(kind, extra) if extra else None
        specialise = kind in ("record", "request")  # what Engine.decide converts each call
        model = InputModel(kind, f"{kind}.schema.json", schema, learn_after=8 if specialise else 0)
        if len(_MODELS) >= 64:
            _MODELS.clear()
        _MODELS[key] = model
    return model

"""Fast pickling of decisions between processes.

``pickle`` rebuilds a frozen, slotted dataclass through ``dataclasses._dataclass_setstate``,
which looks the fields up again for every object: about 20 µs per decision, as much as deciding
it, all of it in the parent. A worker therefore pickles its results with a private dispatch
table that rebuilds each value through its constructor (positional, every ``init`` field), and
the parent unpickles with plain :func:`pickle.loads`. Nothing is registered globally.
"""

from __future__ import annotations

import copyreg
import dataclasses
import io
import operator
import pickle
from typing import Any

from xueji_rules.engine import decision as _decision
from xueji_rules.packs.model import Citation, Text

__all__ = ["dumps", "loads"]


def _reducer(cls: type) -> Any:
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    values = operator.attrgetter(*names) if len(names) > 1 else None

    def reduce(obj: Any) -> tuple[Any, ...]:
        return cls, values(obj) if values is not None else (getattr(obj, names[0]),)

    return reduce


def _table() -> dict[type, Any]:
    classes: set[type] = {Text, Citation}
    for name in _decision.__all__:
        value = getattr(_decision, name)
        if isinstance(value, type) and dataclasses.is_dataclass(value):
            classes.add(value)
    table: dict[type, Any] = dict(copyreg.dispatch_table)
    for cls in classes:
        table[cls] = _reducer(cls)
    return table


_TABLE = _table()


def dumps(value: Any) -> bytes:
    """``value`` pickled with the constructor-based reducers."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _TABLE
    pickler.dump(value)
    return buffer.getvalue()


def loads(data: bytes) -> Any:
    """The value of :func:`dumps`."""
    return pickle.loads(data)

"""The parts of a structural diff beside the law's logic: vocabularies, a pack's own input fields,
the records data and the calendar files."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from xueji_rules._safeio import read_bytes
from xueji_rules.authoring.diffing import jsonable, keyed
from xueji_rules.errors import XuejiRulesError
from xueji_rules.packs.model import Pack

__all__ = ["calendars", "inputs", "records", "vocabularies"]


def _plain(source: str) -> str:
    return " ".join(source.split())


def _keyed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return keyed(old, new, _plain, _plain)


def vocabularies(before: Pack, after: Pack) -> dict[str, Any]:
    """Vocabulary entries by ``KIND.ID``, with their labels."""

    def flat(pack: Pack) -> dict[str, Any]:
        return {
            f"{kind}.{key}": {"label": label.to_json()}
            for kind, entries in pack.vocabularies.items()
            for key, label in entries.items()
        }

    return _keyed(flat(before), flat(after))


def inputs(before: Pack, after: Pack) -> dict[str, Any]:
    """The pack's own input fields (``inputs.yaml``) by path: type, label, enum, bounds, layer."""

    def by_path(pack: Pack) -> dict[str, Any]:
        return {f.path: {**f.json_schema(), "pack": f.source_pack} for f in pack.inputs}

    return _keyed(by_path(before), by_path(after))


def records(before: Pack, after: Pack) -> dict[str, Any]:
    """The records data (``records/*.yaml``): the collection form (its heading, groups, fields and
    code lists), registry-number schemes, personal fields, quasi-identifiers and checks."""
    from xueji_rules.records import records_spec

    a, b = records_spec(before), records_spec(after)
    heading_a = jsonable({"id": a.form.id, "label": a.form.label, "stages": a.form.stages})
    heading_b = jsonable({"id": b.form.id, "label": b.form.label, "stages": b.form.stages})
    heading_a["citations"] = jsonable(a.form.citations)
    heading_b["citations"] = jsonable(b.form.citations)
    quasi_a, quasi_b = set(a.quasi_identifiers), set(b.quasi_identifiers)
    return {
        "form": {
            k: {"before": heading_a[k], "after": heading_b[k]}
            for k in heading_a
            if heading_a[k] != heading_b[k]
        },
        "groups": _keyed(_by("id", a.form.groups), _by("id", b.form.groups)),
        "fields": _keyed(_by("id", a.form.fields), _by("id", b.form.fields)),
        "code_lists": _keyed(jsonable(a.code_lists), jsonable(b.code_lists)),
        "schemes": _keyed(_by("id", a.schemes), _by("id", b.schemes)),
        "personal_fields": _keyed(_by("path", a.personal_fields), _by("path", b.personal_fields)),
        "quasi_identifiers": {
            "added": sorted(quasi_b - quasi_a),
            "removed": sorted(quasi_a - quasi_b),
        },
        "checks": _keyed(jsonable(a.checks), jsonable(b.checks)),
    }


def _by(key: str, items: Iterable[Any]) -> dict[str, Any]:
    return {str(getattr(item, key)): jsonable(item) for item in items}


def _layer_files(pack: Pack, files: Iterable[str]) -> dict[str, str]:
    roots = [(pack.chain[0], Path(pack.root))] + [
        (pid, Path(root)) for pid, root in zip(pack.chain[1:], pack.base_roots, strict=False)
    ]
    out = {}
    for file in files:
        path = Path(file)
        for layer, root in roots:
            try:
                rel = path.resolve().relative_to(root.resolve())
            except ValueError:
                continue
            try:
                digest = hashlib.sha256(read_bytes(path, root=root)).hexdigest()
            except XuejiRulesError:
                digest = "unreadable"
            out[f"{layer}:{rel.as_posix()}"] = digest
            break
    return out


def calendars(before: Pack, after: Pack) -> dict[str, Any]:
    """Calendar files added, removed or changed, by ``LAYER:relative/path``."""
    a = _layer_files(before, before.calendar_files)
    b = _layer_files(after, after.calendar_files)
    return {
        "added": sorted(set(b) - set(a)),
        "removed": sorted(set(a) - set(b)),
        "changed": sorted(k for k in set(a) & set(b) if a[k] != b[k]),
    }

"""A damaged bundle line is a finding, never a crash, and every reading words it alike; a damaged
bundle is exported de-identified without error.

Lines of a synthetic snapshot are damaged at random — a value of another type or size, a key
dropped or added, anywhere in the record, its history, its requests and side lists — and
audited through :func:`audit_raw` by msgspec's typed model and by the general path, masked
and in clear. Either the line is audited or it raises one of ``BUNDLE_ERRORS``, whose
``input.bad_line`` finding is built without error; both readings give the same result.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xueji_rules.audit import AuditContext, context_for, spec_from
from xueji_rules.audit.bundle import BUNDLE_ERRORS, audit_raw, bad_bundle_finding
from xueji_rules.audit.synth import SynthConfig, synthesize

# values a registry export could hold by mistake: other types, sizes past 64 bits, bad dates,
# ids of the wrong kind, empty and long texts
JUNK: list[Any] = [
    None, True, False, 0, -1, 13, 2**63, 2**64, -(2**63) - 1, 10**30, 1.5, 3.0, 1e308, "",
    "x" * 300, "2026-02-30", "2026-3-9", "2026-03-09T08:00:00", "enrolled", "transfer", "学籍",
    [], [1], ["transfer"], {}, {"id": 1}, {"zz": 1}, "\u0000", "9" * 40, "resident_id_card",
]  # fmt: skip
KEYS = ["zz", "id", "date", "status", "stage", "grade", "result", "on", "after", "request",
        "start", "transition", "approvals", "events", "school", "term_start"]  # fmt: skip


def damage(value: Any, rng: random.Random) -> Any:
    """``value`` with one change somewhere inside: a value replaced, a key dropped or added."""
    choice = rng.randrange(10)
    if isinstance(value, dict) and value:
        key = rng.choice(sorted(value))
        out = dict(value)
        if choice <= 5:
            out[key] = damage(value[key], rng)
        elif choice == 6:
            del out[key]
        elif choice == 7:
            out[rng.choice(KEYS)] = rng.choice(JUNK)
        else:
            out[key] = rng.choice(JUNK)
        return out
    if isinstance(value, list) and value and choice < 8:
        index = rng.randrange(len(value))
        return [damage(v, rng) if i == index else v for i, v in enumerate(value)]
    if isinstance(value, list):
        return [*value, rng.choice(JUNK)] if choice == 8 else value[:-1]
    return value if choice < 2 else rng.choice(JUNK)


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Bundles with requests in their histories first (where most of the reading happens)."""
    root: Path = tmp_path_factory.mktemp("damaged") / "s"
    synthesize(root, SynthConfig(students=400, seed=31))
    found = []
    with open(root / "bundles.jsonl", "rb") as handle:
        for line in handle:
            try:
                found.append(json.loads(line))
            except ValueError:
                continue  # the synth's own bad lines
    events = [b for b in found if any("request" in e for e in _events(b))]
    return events + [b for b in found if b not in events][:100]


def _events(bundle: Any) -> Iterator[Any]:
    history = bundle.get("history") if isinstance(bundle, dict) else None
    yield from (history or {}).get("events", ())


def _audit(raw: bytes, ctx: AuditContext, typed: bool) -> Any:
    decoder = ctx.typed_bundles
    if not typed:
        ctx.typed_bundles = None
    try:
        result = audit_raw(raw, ctx)
    except BUNDLE_ERRORS as exc:
        return ("bad line", bad_bundle_finding("bundles.jsonl", 1, exc, raw, ctx).to_json_text())
    finally:
        ctx.typed_bundles = decoder
    findings = [f.to_json_text() for f in result.findings]
    return ("audited", findings, result.persons, sorted(result.schools))


# 300 damaged bundles per test, the same ones on every run
_EXAMPLES = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
_DAMAGES = given(
    rng=st.randoms(use_true_random=False), picks=st.integers(0, 10**6), hits=st.integers(1, 3)
)


def _damaged(bundles: list[dict[str, Any]], rng: random.Random, picks: int, hits: int) -> Any:
    """One of ``bundles``, damaged ``hits`` times."""
    bundle: Any = bundles[picks % len(bundles)]
    for _ in range(hits):
        bundle = damage(bundle, rng)
    return bundle


@pytest.mark.parametrize("reveal", [False, True], ids=["masked", "clear"])
@_EXAMPLES
@_DAMAGES
def test_a_damaged_line_is_audited_or_a_bad_line_alike_by_both_readings(
    bundles: list[dict[str, Any]], reveal: bool, rng: random.Random, picks: int, hits: int
) -> None:
    pytest.importorskip("msgspec", reason="the typed reading needs the [fast] extra")
    ctx = context_for(spec_from("shanxi", "2026-12-31", reveal_personal_data=reveal))
    raw = json.dumps(_damaged(bundles, rng, picks, hits), ensure_ascii=False).encode()
    general = _audit(raw, ctx, typed=False)
    assert _audit(raw, ctx, typed=True) == general


@_EXAMPLES
@_DAMAGES
def test_a_damaged_bundle_is_exported_deidentified_without_error(
    bundles: list[dict[str, Any]], rng: random.Random, picks: int, hits: int
) -> None:
    """``export --deidentify`` copies what it cannot check (the audit reports it) and never
    fails on its shape: only the top level must be an object, which the exporter tests first."""
    from xueji_rules.audit.export import deidentify_bundle
    from xueji_rules.records.deidentify import Deidentifier

    bundle = _damaged(bundles, rng, picks, hits)
    if not isinstance(bundle, dict):
        return
    deidentifier = Deidentifier(_engine().records, b"k" * 32, birth_date="year_month")
    copy = deidentify_bundle(bundle, deidentifier)
    json.dumps(copy, ensure_ascii=False, sort_keys=True)
    record = bundle.get("record")
    number = record.get("id") if isinstance(record, dict) else None
    if isinstance(number, str) and len(number) == 19:  # a 学籍号 leaves only as a pseudonym
        assert number not in json.dumps(copy, ensure_ascii=False)


@functools.cache
def _engine() -> Any:
    from xueji_rules.engine import Engine

    return Engine("shanxi")

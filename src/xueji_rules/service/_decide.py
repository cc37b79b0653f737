"""``POST /v1/decide``, ``/v1/explain`` and ``/v1/records/validate``: one record at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xueji_rules.service._http import (
    DIGEST_HEADER,
    check_fields,
    json_response,
    parse_json,
    read_body,
)
from xueji_rules.service.problems import HttpProblem

if TYPE_CHECKING:
    from xueji_rules.service._service import Service
    from xueji_rules.service.state import Snapshot

__all__ = ["decide", "decide_pair", "explain", "validate_record"]

LANGS = ("zh", "en")


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise HttpProblem("bad-input", f"{what} must be a JSON object")
    return value


def decide_pair(service: Service, snap: Snapshot, body: Any, what: str = "the body") -> Any:
    """Decide one ``{"record", "request"}`` object with ``snap`` (runs in the pool's thread)."""
    fields = check_fields(body, ("record", "request"), what=what)
    record = _object(fields["record"], "record")
    request = _object(fields["request"], "request")
    try:
        decision = snap.engine.decide(record, request)
    except RecursionError:  # a value nested beyond what the input converters walk
        raise HttpProblem("bad-input", "the record or request is nested too deeply") from None
    data = decision.to_json()
    service.note_decision(snap, record, request, decision, data)
    return decision, data


async def _pair_body(service: Service, request: Any) -> Any:
    return parse_json(await read_body(request, service.config.max_body_bytes))


async def decide(service: Service, request: Any) -> Any:
    """Decide a request against a record; the answer is the decision (decision.schema.json)."""
    snap = service.holder.current
    body = await _pair_body(service, request)
    _, data = await service.executor.run(
        lambda: decide_pair(service, snap, body), service.config.timeout
    )
    return json_response(data, headers={DIGEST_HEADER: snap.digest})


def _explain_text(snap: Snapshot, decision: Any, lang: str) -> str:
    from xueji_rules.engine import explain as render

    return render(decision, snap.engine.pack, lang=lang)


async def explain(service: Service, request: Any) -> Any:
    """The decision and its readable trace, in Chinese (``lang=zh``) or English (``lang=en``)."""
    lang = request.query_params.get("lang", "zh")
    if lang not in LANGS:
        raise HttpProblem("bad-input", f"lang: {lang!r} is not one of 'zh', 'en'")
    snap = service.holder.current
    body = await _pair_body(service, request)

    def work() -> dict[str, Any]:
        decision, data = decide_pair(service, snap, body)
        return {"lang": lang, "text": _explain_text(snap, decision, lang), "decision": data}

    answer = await service.executor.run(work, service.config.timeout)
    return json_response(answer, headers={DIGEST_HEADER: snap.digest})


async def validate_record(service: Service, request: Any) -> Any:
    """Check a record on its own (``Engine.validate_record``): its findings, if any."""
    snap = service.holder.current
    body = check_fields(await _pair_body(service, request), ("record",))
    record = _object(body["record"], "record")

    def work() -> dict[str, Any]:
        return snap.engine.validate_record(record).to_json()  # {"record", "form", "ok", "findings"}

    answer = await service.executor.run(work, service.config.timeout)
    return json_response(answer, headers={DIGEST_HEADER: snap.digest})

"""The paths of the OpenAPI document and the schemas of the service's own answers."""

from __future__ import annotations

from typing import Any

__all__ = ["paths", "service_schemas"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_DIGEST = {
    "Xueji-Pack-Digest": {
        "description": "digest of the pack that answered (sha256:<hex>)",
        "schema": {"type": "string"},
    }
}
_PROBLEM_TEXT = {
    400: "the body is not JSON",
    401: "no or wrong admin token",
    404: "no such resource",
    413: "the body is over the size limit",
    422: "the input is not valid, or a rule cannot be evaluated on it",
    500: "internal error",
    503: "busy: the request did not start before its deadline",
    504: "the request did not finish before its deadline",
}


def _ok(schema: dict[str, Any], description: str, media: str = "application/json") -> Any:
    return {"description": description, "headers": _DIGEST, "content": {media: {"schema": schema}}}


def _responses(ok: Any, *codes: int) -> dict[str, Any]:
    out: dict[str, Any] = {"200": ok}
    for code in sorted({*codes, 500}):
        out[str(code)] = {
            "description": _PROBLEM_TEXT[code],
            "content": {"application/problem+json": {"schema": _ref("Problem")}},
        }
    return out


# the README's Shanxi senior-high transfer: a pair the service decides (needs_approval)
EXAMPLE_RECORD = {
    "id": "G140105200901010011",
    "status": "enrolled",
    "stage": "senior_secondary",
    "grade": 11,
    "school": {
        "id": "140105001",
        "city": "太原市",
        "county": "小店区",
        "enrollment_area": "太原市区",
    },
}
EXAMPLE_REQUEST = {
    "transition": "transfer",
    "date": "2026-03-09",
    "applicant": "guardian",
    "to_school": {
        "id": "140202003",
        "city": "大同市",
        "county": "平城区",
        "enrollment_area": "大同市区",
        "vacancies": 3,
    },
    "hukou_move_scope": "city",
    "residence_moved": True,
    "new_hukou": {"city": "大同市"},
}
_EXAMPLES = {
    "DecideBody": {"record": EXAMPLE_RECORD, "request": EXAMPLE_REQUEST},
    "ValidateBody": {"record": EXAMPLE_RECORD},
    "BatchLine": {"id": "line-1", "record": EXAMPLE_RECORD, "request": EXAMPLE_REQUEST},
}


def _body(name: str, media: str = "application/json") -> dict[str, Any]:
    content: dict[str, Any] = {"schema": _ref(name)}
    if name in _EXAMPLES:
        content["example"] = _EXAMPLES[name]
    return {"required": True, "content": {media: content}}


def _query(name: str, schema: dict[str, Any], description: str, required: bool = True) -> Any:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def _path(name: str, description: str) -> Any:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


_DATE = _query("date", {"type": "string", "format": "date"}, "a date, yyyy-mm-dd")
_DECIDING = (400, 413, 422, 503, 504)
_CALENDAR = (422, 503, 504)


def paths() -> dict[str, Any]:
    """Every path of the service with its operations."""
    return {
        "/healthz": {
            "get": {
                "operationId": "healthz",
                "tags": ["service"],
                "summary": "Liveness, and the pack in use",
                "responses": _responses(_ok(_ref("Health"), "the service is up")),
            }
        },
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "tags": ["service"],
                "summary": "Prometheus metrics (text exposition format)",
                "responses": {
                    "200": {
                        "description": "the metrics of the process that answered",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/v1/packs": {
            "get": {
                "operationId": "listPacks",
                "tags": ["packs"],
                "summary": "The pack this service decides with",
                "responses": _responses(_ok(_ref("PackList"), "the served pack")),
            }
        },
        "/v1/packs/{pack_id}": {
            "get": {
                "operationId": "showPack",
                "tags": ["packs"],
                "summary": "The effective pack, with the provenance of every rule and parameter",
                "parameters": [_path("pack_id", "the served pack's id, e.g. shanxi")],
                "responses": _responses(_ok(_ref("EffectivePack"), "the effective pack"), 404),
            }
        },
        "/v1/packs/{pack_id}/transitions/{transition_id}": {
            "get": {
                "operationId": "transitionInputs",
                "tags": ["packs"],
                "summary": "The inputs one transition reads: fields, documents, bodies, grounds",
                "parameters": [
                    _path("pack_id", "the served pack's id"),
                    _path("transition_id", "a transition of the lifecycle, e.g. transfer"),
                ],
                "responses": _responses(
                    _ok(_ref("TransitionInputs"), "the input contract"), 404, 422
                ),
            }
        },
        "/v1/decide": {
            "post": {
                "operationId": "decide",
                "tags": ["decisions"],
                "summary": "Decide a request against a record",
                "requestBody": _body("DecideBody"),
                "responses": _responses(_ok(_ref("Decision"), "the decision"), *_DECIDING),
            }
        },
        "/v1/decide/batch": {
            "post": {
                "operationId": "decideBatch",
                "tags": ["decisions"],
                "summary": "Decide many pairs: NDJSON in, one NDJSON answer line per input line",
                "description": (
                    "Each input line is a BatchLine, each answer line a BatchAnswer, in input "
                    "order; a bad line is answered with its problem and the batch goes on."
                ),
                "requestBody": _body("BatchLine", "application/x-ndjson"),
                "responses": _responses(
                    _ok(_ref("BatchAnswer"), "the answers", "application/x-ndjson"), 413
                ),
            }
        },
        "/v1/explain": {
            "post": {
                "operationId": "explain",
                "tags": ["decisions"],
                "summary": "The decision and its readable trace",
                "parameters": [
                    _query(
                        "lang",
                        {"type": "string", "enum": ["zh", "en"], "default": "zh"},
                        "language of the trace",
                        required=False,
                    )
                ],
                "requestBody": _body("DecideBody"),
                "responses": _responses(
                    _ok(_ref("ExplainAnswer"), "the decision and its trace"), *_DECIDING
                ),
            }
        },
        "/v1/records/validate": {
            "post": {
                "operationId": "validateRecord",
                "tags": ["records"],
                "summary": "Check a record as a registry system does on save: every finding at once",
                "requestBody": _body("ValidateBody"),
                "responses": _responses(_ok(_ref("ValidationAnswer"), "the findings"), *_DECIDING),
            }
        },
        "/v1/calendar/is-workday": {
            "get": {
                "operationId": "isWorkday",
                "tags": ["calendar"],
                "summary": "Is a date a working day (statutory holidays and 调休 counted)?",
                "parameters": [_DATE],
                "responses": _responses(_ok(_ref("WorkdayAnswer"), "the answer"), *_CALENDAR),
            }
        },
        "/v1/calendar/add-workdays": {
            "get": {
                "operationId": "addWorkdays",
                "tags": ["calendar"],
                "summary": "The n-th working day after a date, under the pack's conventions",
                "parameters": [
                    _DATE,
                    _query(
                        "n",
                        {"type": "integer", "minimum": -10000, "maximum": 10000},
                        "number of working days",
                    ),
                ],
                "responses": _responses(_ok(_ref("AddWorkdaysAnswer"), "the date"), *_CALENDAR),
            }
        },
        "/v1/calendar/term": {
            "get": {
                "operationId": "term",
                "tags": ["calendar"],
                "summary": "The school term of a date (in session, or the next one)",
                "parameters": [_DATE],
                "responses": _responses(_ok(_ref("TermAnswer"), "the term"), *_CALENDAR),
            }
        },
        "/admin/reload": {
            "post": {
                "operationId": "reloadPack",
                "tags": ["admin"],
                "summary": "Load the pack again and swap it in (needs --admin-token)",
                "security": [{"adminToken": []}],
                "responses": _responses(_ok(_ref("ReloadAnswer"), "reloaded"), 401, 404, 422),
            }
        },
    }


_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_DATE_STR = {"type": "string", "format": "date"}


def _object(required: list[str], properties: dict[str, Any], closed: bool = True) -> Any:
    out: dict[str, Any] = {"type": "object", "required": required, "properties": properties}
    if closed:
        out["additionalProperties"] = False
    return out


def service_schemas() -> dict[str, Any]:
    """Component schemas for the answers that are the service's own."""
    pack_identity = _object(
        ["id", "version", "digest"], {"id": _STR, "version": _STR, "digest": _STR}
    )
    return {
        "DecideBody": _object(
            ["record", "request"], {"record": _ref("StudentRecord"), "request": _ref("Request")}
        ),
        "ExplainAnswer": _object(
            ["lang", "text", "decision"],
            {
                "lang": {"type": "string", "enum": ["zh", "en"]},
                "text": _STR,
                "decision": _ref("Decision"),
            },
        ),
        "ValidateBody": _object(["record"], {"record": _ref("StudentRecord")}),
        "ValidationAnswer": _object(
            ["record", "form", "ok", "findings"],
            {
                "record": {"type": ["string", "null"], "description": "the record's id, masked"},
                "form": {
                    "type": ["string", "null"],
                    "description": "the collection form whose required marks applied",
                },
                "ok": {**_BOOL, "description": "no finding of severity error"},
                "findings": {"type": "array", "items": _ref("Finding")},
            },
        ),
        "PackIdentity": pack_identity,
        "Health": _object(
            ["status", "pack"],
            {"status": {"type": "string", "enum": ["ok"]}, "pack": _ref("PackIdentity")},
        ),
        "PackSummary": _object(
            [
                "id",
                "version",
                "digest",
                "name",
                "chain",
                "valid_from",
                "valid_until",
                "transitions",
            ],
            {
                **pack_identity["properties"],
                "name": _ref("Text"),
                "chain": {"type": "array", "items": _STR},
                "valid_from": _DATE_STR,
                "valid_until": {"type": ["string", "null"], "format": "date"},
                "transitions": {"type": "array", "items": _STR},
            },
        ),
        "PackList": _object(["packs"], {"packs": {"type": "array", "items": _ref("PackSummary")}}),
        "EffectivePack": _object(
            ["id", "version", "digest", "chain", "parameters", "rules"],
            {
                "id": _STR,
                "version": _STR,
                "digest": _STR,
                "chain": {"type": "array", "items": _STR},
                "parameters": {"type": "object"},
                "rules": {"type": "array", "items": {"type": "object"}},
            },
            closed=False,
        ),
        "TransitionInputs": {
            "type": "object",
            "description": "the input contract (packs.contract.transition_contract): per stage, the fields, documents, approval bodies, grounds, applicants and exception rules the transition reads",
        },
        "WorkdayAnswer": _object(
            ["date", "workday", "holiday"], {"date": _DATE_STR, "workday": _BOOL, "holiday": _BOOL}
        ),
        "AddWorkdaysAnswer": _object(
            ["trigger", "workdays", "date", "trigger_day_counts"],
            {
                "trigger": _DATE_STR,
                "workdays": {"type": "integer"},
                "date": _DATE_STR,
                "trigger_day_counts": _BOOL,
            },
        ),
        "TermAnswer": _object(
            [
                "date",
                "school_year",
                "term",
                "start",
                "end",
                "in_session",
                "days_since_term_start",
                "estimated",
            ],
            {
                "date": _DATE_STR,
                "school_year": _STR,
                "term": {"type": "integer"},
                "start": _DATE_STR,
                "end": _DATE_STR,
                "in_session": _BOOL,
                "days_since_term_start": {"type": "integer"},
                "estimated": {
                    **_BOOL,
                    "description": "the term dates are estimated, not published",
                },
            },
        ),
        "ReloadAnswer": _object(
            ["previous", "current", "changed"],
            {"previous": _STR, "current": _STR, "changed": _BOOL},
        ),
    }

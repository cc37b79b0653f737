"""The committed OpenAPI document is what the code generates, and it is valid OpenAPI 3.1."""

from __future__ import annotations

import json
from pathlib import Path

from openapi_spec_validator import validate

from xueji_rules.service.openapi import build_openapi, render_openapi

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "schemas" / "openapi.json"


def test_committed_document_is_fresh() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render_openapi(), (
        "schemas/openapi.json is stale: python -m xueji_rules.service.openapi --write schemas/openapi.json"
    )


def test_document_is_valid_openapi_3_1() -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_reference_resolves_and_the_library_schemas_are_used() -> None:
    document = build_openapi()
    text = json.dumps(document)
    schemas = document["components"]["schemas"]
    for ref in set(part.split('"')[0] for part in text.split('"$ref": "')[1:]):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in schemas, ref
    record = json.loads((ROOT / "schemas" / "record.schema.json").read_text(encoding="utf-8"))
    assert set(schemas["StudentRecord"]["properties"]) == set(record["properties"])
    assert schemas["Request"]["properties"]["to_school"]["$ref"] == "#/components/schemas/School"
    assert "$id" not in text and "$defs" not in text


def test_every_route_of_the_app_is_documented() -> None:
    from xueji_rules.service.app import create_app
    from xueji_rules.service.config import ServiceConfig

    app = create_app(ServiceConfig("shanxi"))
    routes = {route.path for route in app.app.routes}
    assert routes == set(build_openapi()["paths"]) | {"/openapi.json"}

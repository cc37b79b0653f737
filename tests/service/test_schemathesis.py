"""Schemathesis against the running service: no 5xx, every answer fits the OpenAPI document.

Bounded and reproducible: a fixed number of examples per operation, derandomized.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.service.conftest import Server

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = json.loads((ROOT / "schemas" / "openapi.json").read_text(encoding="utf-8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# batch (NDJSON) and admin calls are tested by hand in test_client.py and test_reload.py
schema = schemathesis.openapi.from_dict(DOCUMENT).exclude(
    operation_id=["decideBatch", "reloadPack"]
)


@schema.parametrize()
@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi_document(case: Any, shanxi_server: Server) -> None:
    case.call_and_validate(base_url=shanxi_server.url, checks=CHECKS)

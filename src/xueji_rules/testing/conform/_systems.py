"""Systems under test: a Python callable or an HTTP endpoint answering (record, request)."""

from __future__ import annotations

import importlib
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from xueji_rules.errors import InputError, XuejiRulesError

__all__ = [
    "HttpSystem",
    "PythonSystem",
    "System",
    "SystemFailure",
    "SystemUnreachable",
    "system_from_spec",
]


class System(Protocol):
    """A registry system under test: answers a (record, request) pair (JSON values)."""

    def answer(self, record: dict[str, Any], request: dict[str, Any]) -> Mapping[str, Any]:
        """The system's answer (``conformance-answer.schema.json``)."""
        ...


class SystemFailure(XuejiRulesError):
    """The system under test could not answer (it crashed, timed out or is unreachable)."""


class SystemUnreachable(SystemFailure, InputError):
    """Nothing answers at the endpoint at all (a configuration error: exit status 2)."""


@dataclass(frozen=True, slots=True)
class PythonSystem:
    """A Python adapter: ``fn(record, request) -> answer``."""

    fn: Callable[[dict[str, Any], dict[str, Any]], Mapping[str, Any]]
    name: str = "python adapter"

    def answer(self, record: dict[str, Any], request: dict[str, Any]) -> Mapping[str, Any]:
        """Call the adapter; any exception it raises is a :class:`SystemFailure`."""
        try:
            return self.fn(record, request)
        except Exception as exc:
            raise SystemFailure(f"{self.name} raised {type(exc).__name__}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class HttpSystem:
    """An HTTP adapter: POST ``{"record", "request"}`` as JSON to ``url``.

    A 2xx answer is the system's answer; a 4xx answer means the system refused the input (its
    problem ``detail`` or its text becomes ``error``); anything else is a failure.
    """

    url: str
    timeout: float = 10.0

    def answer(self, record: dict[str, Any], request: dict[str, Any]) -> Mapping[str, Any]:
        """Send one pair and read the answer."""
        body = json.dumps({"record": record, "request": request}, ensure_ascii=False).encode()
        req = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return _json_object(resp.read(), self.url)
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            if 400 <= exc.code < 500:
                return {"error": _error_text(text) or f"HTTP {exc.code}"}
            raise SystemFailure(f"{self.url} answered HTTP {exc.code}: {text[:300]}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, OSError) and not isinstance(reason, TimeoutError):
                raise SystemUnreachable(f"cannot reach {self.url}: {reason}") from None
            raise SystemFailure(f"cannot reach {self.url}: {reason}") from None


def _json_object(data: bytes, where: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SystemFailure(f"{where} did not answer JSON: {exc}") from None
    if not isinstance(value, dict):
        raise SystemFailure(f"{where} answered {type(value).__name__}, not a JSON object")
    return value


def _error_text(text: str) -> str:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text.strip()[:500]
    if isinstance(value, dict):
        for key in ("detail", "error", "message", "title"):
            if isinstance(value.get(key), str):
                return str(value[key])
    return text.strip()[:500]


def system_from_spec(system: str | None = None, endpoint: str | None = None) -> System:
    """The system named by ``module:callable`` or by an ``http(s)://`` endpoint URL."""
    if (system is None) == (endpoint is None):
        raise InputError(
            "give exactly one of --xueji-system/--system and --xueji-endpoint/--endpoint"
        )
    if endpoint is not None:
        if not endpoint.startswith(("http://", "https://")):
            raise InputError(f"endpoint must be an http:// or https:// URL: {endpoint!r}")
        return HttpSystem(endpoint)
    assert system is not None
    module_name, sep, attr = system.partition(":")
    if not sep or not module_name or not attr:
        raise InputError(
            f"system must be written module:callable, e.g. my_adapter:answer (got {system!r})"
        )
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # like python -m: adapters next to the suite import
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"cannot import adapter module {module_name!r}: {exc}") from None
    target: Any = module
    for part in attr.split("."):
        if not hasattr(target, part):
            raise InputError(f"module {module_name!r} has no attribute {attr!r}")
        target = getattr(target, part)
    if not callable(target):
        raise InputError(f"{system} is not callable")
    answer = getattr(target, "answer", None)
    if callable(answer) and not isinstance(target, type):
        return PythonSystem(answer, system)  # an object with an answer() method
    return PythonSystem(target, system)

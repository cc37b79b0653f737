"""The HTTP service (SD10): one pack behind a JSON API, for registry systems not in Python.

``xueji-rules serve --pack shanxi`` runs it (docs/service.md). To mount it in another ASGI
application::

    from xueji_rules.service import ServiceConfig, create_app
    app = create_app(ServiceConfig(pack="shanxi", timeout=5.0))

Needs the ``[service]`` extra (``pip install 'xueji-rules[service]'``); importing this package
does not import Starlette, uvicorn or prometheus-client, ``create_app`` does (and names the
install line when they are missing). Nothing below the engine imports this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xueji_rules.service.config import ServiceConfig

if TYPE_CHECKING:
    from xueji_rules.service.state import Snapshot

__all__ = ["ServiceConfig", "create_app"]


def create_app(config: ServiceConfig, snapshot: Snapshot | None = None) -> Any:
    """The ASGI application for ``config`` (see :func:`xueji_rules.service.app.create_app`)."""
    from xueji_rules.service.app import create_app as build

    return build(config, snapshot)

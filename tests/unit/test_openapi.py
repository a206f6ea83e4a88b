"""The OpenAPI description covers every HTTP route the app serves, and its references resolve."""

from __future__ import annotations

import json

from starlette.routing import Route

from service.app import create_app
from service.base.settings import Settings
from service.http.openapi import build


def test_every_route_is_documented_and_nothing_else() -> None:
    app = create_app(Settings(static_dir="/nonexistent"))
    served = {
        (method, route.path)
        for route in app.routes
        if isinstance(route, Route) and route.path != "/api/openapi.json"
        for method in (route.methods or set()) - {"HEAD"}
    }
    spec = build()
    documented = {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops}
    assert served == documented


def test_request_bodies_reference_real_schemas() -> None:
    spec = build()
    text = json.dumps(spec)
    schemas = spec["components"]["schemas"]
    for path, ops in spec["paths"].items():
        for op in ops.values():
            if "requestBody" in op:
                ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                assert ref.rsplit("/", 1)[1] in schemas, path
    assert schemas["LoginBody"]["required"] == ["handle", "password"]
    assert "MuteBody" in text and schemas["MuteBody"]["properties"]["minutes"]["minimum"] == 1

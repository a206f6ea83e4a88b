"""Every HTTP response carries the security headers; API answers are never cached."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from service.base.settings import Settings
from tests.helpers import Instance, running

pytestmark = pytest.mark.redis

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


@pytest.mark.parametrize("path", ["/", "/js/main.js", "/api/me", "/api/openapi.json", "/healthz", "/no-such-page"])
async def test_security_headers_on_every_response(instance: Instance, path: str) -> None:
    async with httpx.AsyncClient(base_url=instance.url) as client:
        response = await client.get(path)
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (path, name)
    csp = response.headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'",
                      "base-uri 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    if path.startswith("/api/"):
        assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers  # plain-HTTP test server


async def test_hsts_behind_https(make_settings: Callable[..., Settings], redis: Any) -> None:
    async with running(make_settings(cookie_secure=True)) as inst, httpx.AsyncClient(base_url=inst.url) as client:
        response = await client.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")

"""The HTTP intake on its own: a handler's unexpected exception is answered in Binance JSON (the last resort)."""
from __future__ import annotations

import asyncio
import logging

import requests
from aiohttp import web

from terminal.venues.sandbox.intake import JsonErrorSite, json_errors


async def test_an_exception_no_route_caught_is_a_json_minus_1000_with_status_500_and_is_logged(caplog) -> None:
    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("boom in a handler")

    app = web.Application(middlewares=[json_errors])
    app.router.add_get("/boom", boom)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = JsonErrorSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        with caplog.at_level(logging.ERROR, logger="terminal.venues.sandbox.intake"):
            resp = await asyncio.to_thread(requests.get, f"http://127.0.0.1:{site.port}/boom", timeout=10)
            missing = await asyncio.to_thread(requests.get, f"http://127.0.0.1:{site.port}/nothing", timeout=10)
    finally:
        await runner.cleanup()
    assert resp.status_code == 500 and resp.headers["Content-Type"].startswith("application/json")
    assert resp.json() == {"code": -1000, "msg": "An unknown error occurred while processing the request."}
    assert "boom in a handler" in caplog.text   # the traceback is logged on the server side
    assert (missing.status_code, missing.json()["code"]) == (404, -1000)

"""Admin routes outside the Binance API: ``GET /sandbox/health``, ``POST /sandbox/faults``,
``POST /sandbox/accounts``, ``POST /sandbox/deposit``."""
from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from . import errors
from .faultspec import validate

if TYPE_CHECKING:
    from .server import SandboxServer


def _json(obj: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(obj), content_type="application/json")


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        data = orjson.loads(await request.read() or b"{}")
    except orjson.JSONDecodeError:
        raise errors.ApiError(-1000, "Malformed JSON body.") from None
    if not isinstance(data, dict):
        raise errors.ApiError(-1000, "Expected a JSON object.")
    return data


def admin_routes(server: "SandboxServer") -> list[web.RouteDef]:
    async def health(request: web.Request) -> web.Response:
        return _json({"status": "ok", "serverTime": server.clock.now_ms(), "url": server.url,
                      "symbols": list(server.engine.instruments), "connections": len(server.hub.connections),
                      "market": server.market is not None, "startedMs": server.started_ms})

    async def faults(request: web.Request) -> web.Response:
        try:
            server.faults.apply(validate(await _body(request), server.engine.instruments))
        except errors.ApiError as exc:
            return _json(exc.body(), 400)
        except (TypeError, ValueError) as exc:
            return _json({"code": -1000, "msg": f"Bad fault spec: {exc}"}, 400)
        return _json({})

    async def accounts(request: web.Request) -> web.Response:
        try:
            data = await _body(request)
            api_key = str(data.get("apiKey") or secrets.token_hex(32))
            secret = str(data.get("secret") or secrets.token_hex(32))
            balances = data.get("balances") or {}
            if not isinstance(balances, dict):
                raise ValueError("balances must be an object of asset -> amount")
            account_id = server.create_account(api_key, secret, {k: str(v) for k, v in balances.items()})
        except errors.ApiError as exc:
            return _json(exc.body(), 400)
        except (ValueError, ArithmeticError) as exc:
            return _json({"code": -1000, "msg": str(exc)}, 400)
        return _json({"apiKey": api_key, "secret": secret, "accountId": account_id})

    async def deposit(request: web.Request) -> web.Response:
        try:
            data = await _body(request)
            server.deposit(str(data.get("apiKey") or server.default_api_key), str(data["asset"]),
                           str(data["amount"]))
        except errors.ApiError as exc:
            return _json(exc.body(), 400)
        except (KeyError, ValueError, ArithmeticError) as exc:
            return _json({"code": -1000, "msg": f"Bad deposit: {exc}"}, 400)
        except Exception as exc:  # noqa: BLE001 - engine rejects
            return _json({"code": -2010, "msg": str(exc)}, 400)
        return _json({})

    return [web.get("/sandbox/health", health), web.post("/sandbox/faults", faults),
            web.post("/sandbox/accounts", accounts), web.post("/sandbox/deposit", deposit)]

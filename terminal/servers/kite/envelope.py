"""Kite's JSON envelope: ``{"status": "success", "data": ...}`` and ``{"status": "error", "error_type": ...,
"message": ..., "data": null}`` with the documented HTTP codes, always ``application/json`` (the official client
reads the body, never an HTML page). ``KiteError`` is what handlers raise to answer an error.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from aiohttp import web

JSON = "application/json"


class KiteError(Exception):
    """An error answer: ``error_type`` (TokenException, InputException, OrderException, ...) and HTTP ``status``."""

    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status


def token_error(message: str = "Incorrect `api_key` or `access_token`.") -> KiteError:
    return KiteError("TokenException", message, 403)


def input_error(message: str) -> KiteError:
    return KiteError("InputException", message, 400)


def order_error(message: str) -> KiteError:
    return KiteError("OrderException", message, 400)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def dumps(payload: Any) -> str:
    return json.dumps(payload, default=_default, separators=(",", ":"))


def success(data: Any, status: int = 200) -> web.Response:
    return web.Response(text=dumps({"status": "success", "data": data}), status=status, content_type=JSON)


def error(error_type: str, message: str, status: int) -> web.Response:
    body = {"status": "error", "message": message, "error_type": error_type, "data": None}
    return web.Response(text=dumps(body), status=status, content_type=JSON)


def from_error(exc: KiteError) -> web.Response:
    return error(exc.error_type, exc.message, exc.status)

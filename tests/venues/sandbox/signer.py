"""A tiny independent signed-request helper for the sandbox tests (requests + hmac, raw strings)."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import requests

KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
SESSION = requests.Session()


def hmac_hex(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def signed(server: Any, method: str, path: str, params: dict[str, Any] | None = None, *, key: str = KEY,
           secret: str = SECRET, in_body: bool = False, timestamp: int | None = None) -> requests.Response:
    """Send a signed request; parameters in the query string, or in a form body with ``in_body``."""
    params = dict(params or {})
    params.setdefault("timestamp", timestamp if timestamp is not None else int(time.time() * 1000))
    payload = urlencode(params)
    sig = hmac_hex(secret, payload)
    headers = {"X-MBX-APIKEY": key}
    url = server.url + path
    if in_body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return SESSION.request(method, url, data=f"{payload}&signature={sig}", headers=headers, timeout=10)
    return SESSION.request(method, f"{url}?{payload}&signature={sig}", headers=headers, timeout=10)


def public(server: Any, path: str, **params: Any) -> requests.Response:
    return SESSION.get(server.url + path, params=params, timeout=10)


def body(resp: requests.Response) -> Any:
    return json.loads(resp.text, parse_float=Decimal)


def new_account(server: Any, balances: dict[str, str]) -> tuple[str, str]:
    import secrets
    key, secret = secrets.token_hex(32), secrets.token_hex(32)
    server.create_account(key, secret, balances)
    return key, secret

"""Binance endpoints per environment (live is never a default)."""
from __future__ import annotations

from dataclasses import dataclass

from ...model import Environment


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Base URLs: REST host (paths start /api/v3), market stream host, WebSocket API URL."""

    rest: str
    ws: str
    ws_api: str


TESTNET = Endpoints(
    rest="https://testnet.binance.vision",
    ws="wss://stream.testnet.binance.vision:9443",
    ws_api="wss://ws-api.testnet.binance.vision/ws-api/v3",
)
LIVE = Endpoints(
    rest="https://api.binance.com",
    ws="wss://stream.binance.com:9443",
    ws_api="wss://ws-api.binance.com:443/ws-api/v3",
)


def endpoints(environment: Environment, sandbox_url: str | None = None) -> Endpoints:
    """Endpoints for ``environment``. The sandbox needs its runtime URL (``http://127.0.0.1:<port>``)."""
    if environment is Environment.SANDBOX:
        if not sandbox_url:
            raise ValueError("the sandbox environment needs sandbox_url (http://127.0.0.1:<port>)")
        rest = sandbox_url.rstrip("/")
        if rest.startswith("https://"):
            ws = "wss://" + rest[len("https://"):]
        elif rest.startswith("http://"):
            ws = "ws://" + rest[len("http://"):]
        else:
            raise ValueError(f"sandbox_url must start with http:// or https://, got {sandbox_url!r}")
        return Endpoints(rest=rest, ws=ws, ws_api=ws + "/ws-api/v3")
    if environment is Environment.TESTNET:
        return TESTNET
    if environment is Environment.LIVE:
        return LIVE
    raise ValueError(f"unknown environment {environment!r}")

"""Endpoints per environment: the sandbox needs its runtime URL; live is never a default."""
from __future__ import annotations

import pytest

from terminal.model import Environment
from terminal.venues.binance.urls import LIVE, TESTNET, endpoints


def test_sandbox_endpoints_follow_the_runtime_url() -> None:
    ep = endpoints(Environment.SANDBOX, "http://127.0.0.1:8123/")
    assert (ep.rest, ep.ws, ep.ws_api) == ("http://127.0.0.1:8123", "ws://127.0.0.1:8123",
                                           "ws://127.0.0.1:8123/ws-api/v3")
    with pytest.raises(ValueError):
        endpoints(Environment.SANDBOX)


def test_testnet_and_live_use_the_documented_hosts() -> None:
    assert endpoints(Environment.TESTNET) == TESTNET and TESTNET.rest == "https://testnet.binance.vision"
    assert endpoints(Environment.LIVE) == LIVE and LIVE.ws_api == "wss://ws-api.binance.com:443/ws-api/v3"

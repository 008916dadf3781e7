"""Kite paper servers for the tests: one shared, always open, with room for quote calls (the documented 1 request/s
on ``/quote*`` would make consecutive quote tests wait); private ones with Kite's limits for tests that break things."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from terminal.servers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET, Limits, PaperServer


@pytest.fixture(scope="session")
def kite_server():
    server = PaperServer(always_open=True, seed=7, limits=Limits(quote_per_s=1000, historical_per_s=1000,
                                                                 order_requests_per_s=1000, other_per_s=1000,
                                                                 orders_per_s=1000, orders_per_minute=10_000))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _clear_kite_faults(request):
    yield
    if "kite_server" in request.fixturenames:
        request.getfixturevalue("kite_server").clear_faults()


@pytest.fixture
def fresh_kite():
    """A private server with Kite's own limits."""
    server = PaperServer(always_open=True, seed=11)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def request_token(server: PaperServer, api_key: str = DEFAULT_API_KEY) -> str:
    """Follow the login page's redirect as a browser would (not to the app: its Location is read)."""
    answer = requests.get(server.login_url(api_key) + "&autologin=1", allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return parse_qs(urlsplit(answer.headers["Location"]).query)["request_token"][0]


def logged_in(server: PaperServer):
    from kiteconnect import KiteConnect

    kite = KiteConnect(DEFAULT_API_KEY, root=server.url)
    kite.generate_session(request_token(server), DEFAULT_API_SECRET)
    return kite


@pytest.fixture
def kite(kite_server):
    """The official client, logged in through the login page."""
    return logged_in(kite_server)

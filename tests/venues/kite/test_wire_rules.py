"""Kite's error envelope -> the ports' outcomes, the tag of a client order id, the limiter's windows, the checksum
and the token's expiry (pure rules, no network)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from terminal.model import new_client_order_id
from terminal.venues.kite.limiter import Limiter
from terminal.venues.kite.login import expiry_ms
from terminal.venues.kite.rest import checksum, outcome
from terminal.venues.kite.tags import Tags, tag_for
from terminal.venues.ports import (AuthError, MayHaveLanded, RateLimited, Rejected, SessionExpired, TemporaryError,
                                   UnknownOrder)


def env(kind, message="m"):
    return {"status": "error", "error_type": kind, "message": message, "data": None}


@pytest.mark.parametrize("method, status, body, expected", [
    ("GET", 403, env("TokenException", "Incorrect `api_key` or `access_token`."), SessionExpired),
    ("POST", 403, env("TokenException"), SessionExpired),
    ("GET", 403, env("PermissionException"), AuthError),
    ("POST", 429, env("NetworkException", "Too many requests"), RateLimited),
    ("GET", 429, None, RateLimited),
    ("POST", 500, env("GeneralException"), MayHaveLanded),
    ("POST", 502, env("NetworkException", "OMS down"), MayHaveLanded),
    ("POST", 503, None, MayHaveLanded),
    ("GET", 503, None, TemporaryError),
    ("DELETE", 504, None, MayHaveLanded),
    ("POST", 400, env("InputException", "Invalid `quantity`."), Rejected),
    ("POST", 400, env("OrderException", "Insufficient funds."), Rejected),
    ("POST", 400, env("MarginException", "Insufficient funds."), Rejected),
    ("GET", 400, env("OrderException", "Order not found"), UnknownOrder),
    ("GET", 404, env("GeneralException", "Route not found"), UnknownOrder),
    ("GET", 400, env("GeneralException", "Bad"), Rejected),
])
def test_envelope_and_status_become_the_ports_outcomes(method, status, body, expected):
    err = outcome(method, "/orders/regular", status, body)
    assert type(err) is expected
    if expected is RateLimited:
        assert err.retry_after_s == 1.0


def test_a_rejection_carries_kites_message_in_words():
    err = outcome("POST", "/orders/regular", 400, env("InputException", "Invalid `quantity`."))
    assert err.reason == "Invalid `quantity`."


def test_retry_after_is_honoured():
    assert outcome("GET", "/quote", 429, None, "3").retry_after_s == 3.0


def test_checksum_matches_the_documented_vector():
    assert checksum("KEY", "RT", "SECRET") == "6441f107c59e812ee41d039f282f93a37c321b32c293b767031b9bea05393791"


def test_tags_fit_kite_and_map_back_to_client_ids():
    cid = new_client_order_id()
    tag = tag_for(cid)
    assert len(tag) <= 20 and tag.isalnum() and tag == tag_for(cid) and tag != tag_for(new_client_order_id())
    assert tag_for("abc123") == "abc123"
    tags = Tags()
    assert tags.remember(cid) == tag
    assert tags.client_id(tag, "1001") == cid  # a report carrying our tag
    assert tags.client_id(None, "1001") == cid  # a trade (no tag) of that order
    assert tags.client_id(None, "2002") == "kite2002"  # an order placed elsewhere


def test_expiry_is_the_next_six_in_the_morning_ist():
    before = datetime(2026, 12, 5, 0, 0, tzinfo=timezone.utc)  # 05:30 IST
    after = datetime(2026, 12, 5, 1, 0, tzinfo=timezone.utc)  # 06:30 IST
    assert expiry_ms(before) == int(datetime(2026, 12, 5, 0, 30, tzinfo=timezone.utc).timestamp() * 1000)
    assert expiry_ms(after) == int(datetime(2026, 12, 6, 0, 30, tzinfo=timezone.utc).timestamp() * 1000)


def test_limiter_windows_per_endpoint_class():
    now = [100.0]
    lim = Limiter(margin_s=0.0, clock=lambda: now[0])
    for kind, limit in (("quote", 1), ("history", 3), ("order", 10), ("other", 10)):
        for _ in range(limit):
            assert lim.wait_s(kind) == 0
            for i, _w in enumerate(lim.limits[kind]):
                lim._sent.setdefault((kind, i), __import__("collections").deque()).append(now[0])
        assert lim.wait_s(kind) == pytest.approx(1.0), kind
    now[0] += 1.0
    assert lim.wait_s("order") == 0


async def test_limiter_refuses_a_long_wait_as_rate_limited():
    now = [0.0]
    lim = Limiter({"order": ((2, 60.0),), "other": ((10, 1.0),)}, margin_s=0.0, clock=lambda: now[0])
    await lim.acquire("order")
    await lim.acquire("order")
    with pytest.raises(RateLimited) as info:
        await lim.acquire("order")
    assert info.value.retry_after_s == pytest.approx(60.0)

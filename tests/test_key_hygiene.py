"""Key hygiene (issue 15 item 9): on connect the session asks the venue what its API key may do (Binance's
apiRestrictions, served by the sandbox) and says in words what to change; the check is in the audit trail."""
from __future__ import annotations

import logging
import secrets

import requests

import terminal
from terminal.venues.binance.parse import key_permissions
from terminal.venues.ports import KeyPermissions

DAY = 86_400_000


def _key(server) -> tuple[str, str]:
    key, secret = "k" + secrets.token_hex(31), secrets.token_hex(32)
    server.create_account(key, secret, {"USDT": "1000"})
    return key, secret


async def test_a_sandbox_key_is_ip_restricted_and_trade_only_so_nothing_is_said(sandbox, tmp_path) -> None:
    key, secret = _key(sandbox)
    s = await terminal.connect("binance", env="sandbox", sandbox_url=sandbox.url, api_key=key, api_secret=secret,
                               data_dir=tmp_path)
    try:
        assert s.key_permissions == KeyPermissions(ip_restricted=True, can_read=True, can_trade=True,
                                                   can_withdraw=False, can_transfer=False,
                                                   created_ms=s.key_permissions.created_ms)
        assert s.key_warnings == []
    finally:
        await s.close()
    assert sandbox.rest.requests("GET", "/sapi/v1/account/apiRestrictions")  # asked, signed like any USER_DATA call


async def test_a_key_that_can_withdraw_and_is_not_ip_restricted_is_warned_logged_and_audited(
        fresh_sandbox, tmp_path, caplog) -> None:
    key, secret = _key(fresh_sandbox)
    fresh_sandbox.set_key_restrictions(key, enableWithdrawals=True, ipRestrict=False, enableFutures=True)
    caplog.set_level(logging.WARNING, logger="terminal.session.keycheck")
    s = await terminal.connect("binance", env="sandbox", sandbox_url=fresh_sandbox.url, api_key=key,
                               api_secret=secret, data_dir=tmp_path)
    try:
        w = s.key_warnings
        assert len(w) == 3 and "WITHDRAW" in w[0] and "not restricted to your IP" in w[1] and "futures" in w[2]
        assert any("WITHDRAW" in r.getMessage() for r in caplog.records)
        assert key not in caplog.text and secret not in caplog.text
        records = [r for r in s.audit.records() if r.action == "keys.checked"]
        assert records and records[-1].details["can_withdraw"] is True and records[-1].details["ip_restricted"] is False
        assert key not in str(records[-1].details)
    finally:
        await s.close()


def test_the_endpoint_needs_a_signature_like_any_user_data_call(fresh_sandbox) -> None:
    r = requests.get(fresh_sandbox.url + "/sapi/v1/account/apiRestrictions", timeout=10)
    assert r.status_code in (400, 401) and "code" in r.json()


def test_every_field_is_optional_and_the_warnings_name_what_to_change() -> None:
    assert key_permissions({}) == KeyPermissions()
    assert KeyPermissions().warnings(0) == []
    now = 400 * DAY
    perms = key_permissions({"ipRestrict": True, "enableSpotAndMarginTrading": False, "createTime": 10,
                             "tradingAuthorityExpirationTime": now + 3 * DAY, "permitsUniversalTransfer": True})
    text = perms.warnings(now)
    assert any("move funds" in t for t in text) and any("cannot trade" in t for t in text)
    assert any("expires in 3 day" in t for t in text) and any("more than a year old" in t for t in text)
    assert not any("IP" in t for t in text)


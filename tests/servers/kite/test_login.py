"""Login page, session token exchange, profile, logout and margins through the unchanged official client."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from kiteconnect import KiteConnect
from kiteconnect.exceptions import InputException, TokenException

from terminal.servers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET
from terminal.servers.kite.auth import checksum

from .conftest import logged_in, request_token


def test_checksum_matches_the_reference_test_vector():
    assert checksum("KEY", "RT", "SECRET") == "6441f107c59e812ee41d039f282f93a37c321b32c293b767031b9bea05393791"


def test_login_page_shows_a_form_whose_submission_redirects_with_a_request_token(kite_server):
    page = requests.get(kite_server.login_url(), timeout=10)
    assert page.status_code == 200 and "Log in as paper user" in page.text
    answer = requests.post(f"{kite_server.url}/connect/login", data={"api_key": DEFAULT_API_KEY,
                                                                     "redirect_params": "some=X&more=Y"},
                           allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("http", "127.0.0.1:5000", "/")
    query = parse_qs(location.query)
    assert query["status"] == ["success"] and query["action"] == ["login"]
    assert query["some"] == ["X"] and query["more"] == ["Y"] and len(query["request_token"][0]) == 32


def test_a_registered_app_is_redirected_to_its_own_url(kite_server):
    kite_server.register_app("otherapp", "othersecret", "http://127.0.0.1:7777/cb")
    answer = requests.get(kite_server.login_url("otherapp") + "&autologin=1", allow_redirects=False, timeout=10)
    assert answer.headers["Location"].startswith("http://127.0.0.1:7777/cb?")
    kite = KiteConnect("otherapp", root=kite_server.url)
    token = parse_qs(urlsplit(answer.headers["Location"]).query)["request_token"][0]
    assert kite.generate_session(token, "othersecret")["access_token"]


def test_generate_session_gives_a_token_the_profile_and_margins_accept(kite_server):
    kite = KiteConnect(DEFAULT_API_KEY, root=kite_server.url)
    data = kite.generate_session(request_token(kite_server), DEFAULT_API_SECRET)
    assert data["user_id"] == "PA0001" and data["access_token"] and data["login_time"].year >= 2026
    assert kite.profile()["user_id"] == "PA0001"
    margins = kite.margins()
    assert set(margins) == {"equity", "commodity"}
    equity = kite.margins("equity")
    assert equity["net"] == equity["available"]["live_balance"] and equity["enabled"] is True


def test_a_bad_checksum_or_a_reused_request_token_is_a_token_exception(kite_server):
    kite = KiteConnect(DEFAULT_API_KEY, root=kite_server.url)
    token = request_token(kite_server)
    with pytest.raises(TokenException) as bad:
        kite.generate_session(token, "not-the-secret")
    assert bad.value.code == 403 and "checksum" in str(bad.value)
    kite.generate_session(token, DEFAULT_API_SECRET)
    with pytest.raises(TokenException):
        KiteConnect(DEFAULT_API_KEY, root=kite_server.url).generate_session(token, DEFAULT_API_SECRET)


def test_logout_invalidates_the_access_token(kite_server):
    kite = logged_in(kite_server)
    assert kite.invalidate_access_token() is True
    with pytest.raises(TokenException):
        kite.profile()


def test_expire_tokens_turns_every_session_into_token_exceptions_and_calls_the_expiry_hook():
    from terminal.servers.kite import PaperServer

    with PaperServer(always_open=True, seed=3) as server:
        kite = logged_in(server)
        builtin = KiteConnect(DEFAULT_API_KEY, root=server.url,
                              access_token=server.builtin_credentials()["access_token"])
        assert builtin.profile()["user_id"] == "PA0001"
        hooked = []
        kite.set_session_expiry_hook(lambda: hooked.append(True))
        server.expire_tokens()
        with pytest.raises(TokenException) as exc:
            kite.margins()
        assert exc.value.code == 403 and hooked == [True]
        with pytest.raises(TokenException):
            builtin.profile()


def test_no_authorization_is_a_token_exception_and_unknown_routes_are_json_envelopes(kite_server):
    answer = requests.get(f"{kite_server.url}/user/profile", timeout=10)
    assert answer.status_code == 403 and answer.json()["error_type"] == "TokenException"
    kite = logged_in(kite_server)
    headers = {"X-Kite-Version": "3", "Authorization": f"token {DEFAULT_API_KEY}:{kite.access_token}"}
    missing = requests.get(f"{kite_server.url}/no/such/route", headers=headers, timeout=10)
    assert missing.status_code == 404 and missing.headers["Content-Type"].startswith("application/json")
    assert missing.json()["status"] == "error"
    with pytest.raises(InputException):
        kite.margins("nosuchsegment")


def test_access_tokens_expire_at_six_in_the_morning_ist():
    from datetime import datetime

    from terminal.clock import SimClock
    from terminal.servers.kite.auth import Auth, next_six_ist
    from terminal.servers.kite.envelope import KiteError
    from terminal.servers.kite.listing import IST

    def at(day: int, hour: int, minute: int) -> int:
        return int(datetime(2026, 12, day, hour, minute, tzinfo=IST).timestamp() * 1000)

    assert next_six_ist(at(4, 21, 0)) == at(5, 6, 0)
    assert next_six_ist(at(5, 5, 59)) == at(5, 6, 0) and next_six_ist(at(5, 6, 0)) == at(6, 6, 0)
    clock = SimClock(at(4, 21, 0))
    auth = Auth(clock.now_ms)
    session = auth.new_session(DEFAULT_API_KEY)
    clock.set(at(5, 5, 59))
    assert auth.check(f"token {DEFAULT_API_KEY}:{session.access_token}") is session
    clock.set(at(5, 6, 0))
    with pytest.raises(KiteError) as exc:
        auth.check(f"token {DEFAULT_API_KEY}:{session.access_token}")
    assert exc.value.error_type == "TokenException" and exc.value.status == 403

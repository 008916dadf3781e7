"""Rate limits and fault switches: 429 with Kite's envelope, 5xx before and after processing, delays, malformed
requests answered with InputException (never a traceback)."""
from __future__ import annotations

import pytest
import requests
from kiteconnect.exceptions import GeneralException, InputException, NetworkException

from terminal.servers.kite import DEFAULT_API_KEY
from terminal.servers.kite.limits import Limits, RateLimiter, endpoint_class

from .conftest import logged_in


def test_the_limiter_counts_each_class_per_second_and_orders_per_minute():
    limiter = RateLimiter(Limits())
    assert limiter.allow("k", "GET", "/quote", 1000) and not limiter.allow("k", "GET", "/quote/ltp", 1500)
    assert limiter.allow("k", "GET", "/quote", 2000)  # a second later
    assert limiter.allow("other", "GET", "/quote", 1500)  # per api_key
    assert all(limiter.allow("k", "GET", "/instruments/historical/1/day", 5000) for _ in range(3))
    assert not limiter.allow("k", "GET", "/instruments/historical/1/day", 5999)
    placed = sum(limiter.allow("k", "POST", "/orders/regular", 10_000 + 100 * i) for i in range(300))
    assert placed == 200  # 10 a second would allow 300 in 30 s: the 200 a minute bind first
    assert endpoint_class("DELETE", "/orders/regular/1") == "order" and endpoint_class("GET", "/orders") == "other"


def test_quote_calls_past_one_a_second_get_429_network_exceptions(fresh_kite):
    kite = logged_in(fresh_kite)
    errors = []
    for _ in range(3):  # three calls cannot all be a second apart
        try:
            kite.ltp("NSE:INFY")
        except NetworkException as exc:
            errors.append(exc)
    assert errors and errors[0].code == 429 and str(errors[0]) == "Too many requests"


def test_rate_limit_next_answers_429_with_kites_envelope(kite_server, kite):
    kite_server.rate_limit_next(1)
    with pytest.raises(NetworkException) as exc:
        kite.profile()
    assert exc.value.code == 429
    assert kite.profile()["user_id"] == "PA0001"


def test_fail_next_before_processing_places_nothing_and_after_processing_places_the_order(kite_server, kite):
    count = len(kite.orders())
    kite_server.fail_next(1, status=503, path="/orders")
    with pytest.raises(NetworkException) as exc:
        kite.place_order(variety="regular", exchange="NSE", tradingsymbol="SBIN", transaction_type="BUY",
                         quantity=1, product="MIS", order_type="MARKET", tag="lost")
    assert exc.value.code == 503 and len(kite.orders()) == count
    kite_server.fail_next(1, status=500, after_processing=True, path="/orders")
    with pytest.raises(GeneralException) as exc:
        kite.place_order(variety="regular", exchange="NSE", tradingsymbol="SBIN", transaction_type="BUY",
                         quantity=1, product="MIS", order_type="MARKET", tag="landed")
    assert exc.value.code == 500
    landed = [o for o in kite.orders() if o["tag"] == "landed"]
    assert len(landed) == 1 and landed[0]["status"] == "COMPLETE"


def test_malformed_requests_get_input_exceptions_not_tracebacks(kite_server, kite):
    headers = {"X-Kite-Version": "3", "Authorization": f"token {DEFAULT_API_KEY}:{kite.access_token}"}
    answers = [
        requests.post(f"{kite_server.url}/orders/regular", data=b"\xff\xfe", headers=headers, timeout=10),
        requests.get(f"{kite_server.url}/instruments/historical/abc/minute", headers=headers, timeout=10),
        requests.get(f"{kite_server.url}/instruments/historical/408065/minute?from=yesterday&to=now",
                     headers=headers, timeout=10),
        requests.put(f"{kite_server.url}/orders/regular/1", data={"price": "x"}, headers=headers, timeout=10),
        requests.get(f"{kite_server.url}/quote", headers=headers, timeout=10),
    ]
    for answer in answers:
        assert answer.headers["Content-Type"].startswith("application/json"), answer.text
        assert answer.status_code in (400, 404) and answer.json()["status"] == "error", answer.text
        assert "Traceback" not in answer.text
    with pytest.raises(InputException):
        kite.place_order(variety="regular", exchange="NSE", tradingsymbol="SBIN", transaction_type="BUY",
                         quantity="many", product="MIS", order_type="MARKET")


def test_request_log_records_method_and_path(kite_server, kite):
    kite.profile()
    assert ("GET", "/user/profile") in kite_server.request_log


def test_a_delayed_answer_runs_past_the_clients_timeout(kite_server, kite):
    from kiteconnect import KiteConnect

    impatient = KiteConnect(DEFAULT_API_KEY, root=kite_server.url, access_token=kite.access_token, timeout=1)
    kite_server.delay_next(1, delay_ms=3000)
    with pytest.raises(requests.exceptions.ReadTimeout):
        impatient.profile()
    assert impatient.profile()["user_id"] == "PA0001"


@pytest.mark.parametrize("form", [
    {"order_type": "LIMIT", "price": "1E+400"},  # was a 500: the tick check could not divide it
    {"order_type": "LIMIT", "price": "1500", "quantity": "99999999999999999999"},
])
def test_absurd_amounts_are_input_exceptions(kite_server, kite, form):
    headers = {"X-Kite-Version": "3", "Authorization": f"token {DEFAULT_API_KEY}:{kite.access_token}"}
    data = {"exchange": "NSE", "tradingsymbol": "INFY", "transaction_type": "BUY", "quantity": "1",
            "product": "MIS", **form}
    answer = requests.post(f"{kite_server.url}/orders/regular", data=data, headers=headers, timeout=10)
    assert answer.status_code == 400 and answer.json()["error_type"] == "InputException", answer.text


def test_a_gtt_with_a_nan_price_is_an_input_exception(kite_server, kite):
    headers = {"X-Kite-Version": "3", "Authorization": f"token {DEFAULT_API_KEY}:{kite.access_token}"}
    condition = '{"exchange": "NSE", "tradingsymbol": "INFY", "trigger_values": [1000], "last_price": 1500}'
    orders = '[{"transaction_type": "BUY", "quantity": 1, "product": "CNC", "order_type": "LIMIT", "price": NaN}]'
    answer = requests.post(f"{kite_server.url}/gtt/triggers", headers=headers, timeout=10,
                           data={"type": "single", "condition": condition, "orders": orders})
    assert answer.status_code == 400 and answer.json()["error_type"] == "InputException", answer.text

"""GTT triggers, single and OCO, created, listed, modified, triggered by moving the market, and deleted."""
from __future__ import annotations

from decimal import Decimal

import pytest
from kiteconnect.exceptions import InputException


def _ltp(kite, key):
    return Decimal(str(kite.ltp(key)[key]["last_price"]))


def _tick(value):
    return float((value / Decimal("0.05")).to_integral_value() * Decimal("0.05"))


def test_a_single_gtt_fires_its_order_when_the_price_crosses_and_shows_the_result(kite, kite_server):
    last = _ltp(kite, "NSE:ITC")
    trigger_value = _tick(last * Decimal("0.95"))
    order = {"transaction_type": "BUY", "quantity": 2, "order_type": "LIMIT", "product": "CNC",
             "price": _tick(last * Decimal("0.95"))}
    trigger = kite.place_gtt(kite.GTT_TYPE_SINGLE, "ITC", "NSE", [trigger_value], float(last), [order])
    trigger_id = trigger["trigger_id"]
    assert kite.get_gtt(trigger_id)["status"] == "active"
    assert any(t["id"] == trigger_id for t in kite.get_gtts())
    kite_server.move_price("NSE:ITC", Decimal(str(trigger_value)) - Decimal("0.05"))
    fired = kite.get_gtt(trigger_id)
    assert fired["status"] == "triggered"
    result = fired["orders"][0]["result"]
    assert result["order_result"]["status"] == "success" and result["triggered_at"] < trigger_value
    placed = [o for o in kite.orders() if o["order_id"] == result["order_result"]["order_id"]]
    assert placed and placed[0]["quantity"] == 2 and placed[0]["transaction_type"] == "BUY"


def test_an_oco_gtt_fires_only_the_leg_whose_trigger_is_hit_and_delete_ends_one(kite, kite_server):
    kite.place_order(variety="regular", exchange="NSE", tradingsymbol="LT", transaction_type="BUY", quantity=1,
                     product="CNC", order_type="MARKET")
    last = _ltp(kite, "NSE:LT")
    low, high = _tick(last * Decimal("0.9")), _tick(last * Decimal("1.1"))
    legs = [{"transaction_type": "SELL", "quantity": 1, "order_type": "LIMIT", "product": "CNC", "price": low},
            {"transaction_type": "SELL", "quantity": 1, "order_type": "LIMIT", "product": "CNC", "price": high}]
    oco = kite.place_gtt(kite.GTT_TYPE_OCO, "LT", "NSE", [low, high], float(last), legs)["trigger_id"]
    other = kite.place_gtt(kite.GTT_TYPE_OCO, "LT", "NSE", [low, high], float(last), legs)["trigger_id"]
    assert kite.modify_gtt(other, kite.GTT_TYPE_OCO, "LT", "NSE", [_tick(last * Decimal("0.5")),
                                                                    _tick(last * Decimal("1.5"))], float(last),
                           legs)["trigger_id"] == other
    assert kite.delete_gtt(other)["trigger_id"] == other
    assert kite.get_gtt(other)["status"] == "deleted"
    kite_server.move_price("NSE:LT", Decimal(str(high)))
    fired = kite.get_gtt(oco)
    assert fired["status"] == "triggered"
    assert fired["orders"][0]["result"] is None and fired["orders"][1]["result"]["order_result"]["status"] == "success"
    with pytest.raises(InputException):
        kite.delete_gtt(oco)


def test_a_malformed_gtt_is_an_input_exception(kite, kite_server):
    import requests

    from terminal.servers.kite import DEFAULT_API_KEY

    headers = {"X-Kite-Version": "3", "Authorization": f"token {DEFAULT_API_KEY}:{kite.access_token}"}
    answer = requests.post(f"{kite_server.url}/gtt/triggers", data={"type": "single", "condition": "{oops",
                                                                    "orders": "[]"}, headers=headers, timeout=10)
    assert answer.status_code == 400 and answer.json()["error_type"] == "InputException"

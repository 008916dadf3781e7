"""Varieties and validities through the official client: cover orders (stop-loss leg and exit), iceberg legs, IOC,
the modification cap, position conversion."""
from __future__ import annotations

from decimal import Decimal

import pytest
from kiteconnect.exceptions import InputException, OrderException

from .conftest import logged_in


def _ltp(kite, key):
    return Decimal(str(kite.ltp(key)[key]["last_price"]))


def _tick(value):
    return float((value / Decimal("0.05")).to_integral_value() * Decimal("0.05"))


def test_a_cover_order_places_its_stop_loss_leg_and_exiting_the_leg_closes_at_market(kite):
    stop = _tick(_ltp(kite, "NSE:ICICIBANK") * Decimal("0.95"))
    entry = kite.place_order(variety="co", exchange="NSE", tradingsymbol="ICICIBANK", transaction_type="BUY",
                             quantity=2, product="MIS", order_type="MARKET", trigger_price=stop)
    assert kite.order_history(entry)[-1]["status"] == "COMPLETE"
    leg = next(o for o in kite.orders() if o["parent_order_id"] == entry and o["order_type"] == "SL-M")
    assert leg["status"] == "TRIGGER PENDING" and leg["trigger_price"] == stop and leg["transaction_type"] == "SELL"
    kite.exit_order(variety="co", order_id=leg["order_id"], parent_order_id=entry)
    exits = [o for o in kite.orders() if o["parent_order_id"] == entry and o["order_type"] == "MARKET"]
    assert len(exits) == 1 and exits[0]["status"] == "COMPLETE" and exits[0]["quantity"] == 2
    with pytest.raises(InputException):
        kite.place_order(variety="co", exchange="NSE", tradingsymbol="ICICIBANK", transaction_type="BUY",
                         quantity=2, product="MIS", order_type="MARKET")


def test_an_iceberg_order_works_its_legs_one_after_another(kite):
    first = kite.place_order(variety="iceberg", exchange="NSE", tradingsymbol="BHARTIARTL", transaction_type="BUY",
                             quantity=9, product="MIS", order_type="MARKET", iceberg_legs=3, iceberg_quantity=3)
    legs = [o for o in kite.orders() if o["variety"] == "iceberg" and o["tradingsymbol"] == "BHARTIARTL"
            and int(o["order_id"]) >= int(first)]
    assert [o["meta"]["iceberg"]["leg"] for o in legs] == [1, 2, 3]
    assert all(o["quantity"] == 3 and o["status"] == "COMPLETE" for o in legs)
    assert legs[-1]["meta"]["iceberg"]["remaining_quantity"] == 0
    with pytest.raises(InputException):
        kite.place_order(variety="iceberg", exchange="NSE", tradingsymbol="BHARTIARTL", transaction_type="BUY",
                         quantity=9, product="MIS", order_type="MARKET", iceberg_legs=11, iceberg_quantity=1)


def test_an_ioc_limit_away_from_the_market_is_cancelled_at_once(kite):
    price = _tick(_ltp(kite, "NSE:HINDUNILVR") * Decimal("0.9"))
    order_id = kite.place_order(variety="regular", exchange="NSE", tradingsymbol="HINDUNILVR",
                                transaction_type="BUY", quantity=1, product="MIS", order_type="LIMIT", price=price,
                                validity="IOC")
    last = kite.order_history(order_id)[-1]
    assert last["status"] == "CANCELLED" and last["cancelled_quantity"] == 1


def test_an_order_takes_25_modifications_and_no_more(kite):
    price = _ltp(kite, "NSE:TCS") * Decimal("0.9")
    order_id = kite.place_order(variety="regular", exchange="NSE", tradingsymbol="TCS", transaction_type="BUY",
                                quantity=1, product="CNC", order_type="LIMIT", price=_tick(price))
    for i in range(25):
        kite.modify_order(variety="regular", order_id=order_id, price=_tick(price - i - 1))
    with pytest.raises(OrderException) as exc:
        kite.modify_order(variety="regular", order_id=order_id, price=_tick(price - 30))
    assert "modifications" in str(exc.value)
    assert kite.order_history(order_id)[-1]["modified"] is True


def test_a_mis_position_converts_to_cnc(fresh_kite):
    kite = logged_in(fresh_kite)
    kite.place_order(variety="regular", exchange="NSE", tradingsymbol="KOTAKBANK", transaction_type="BUY",
                     quantity=4, product="MIS", order_type="MARKET")
    assert kite.convert_position(exchange="NSE", tradingsymbol="KOTAKBANK", transaction_type="BUY",
                                 position_type="day", quantity=3, old_product="MIS", new_product="CNC") is True
    net = {p["product"]: p["quantity"] for p in kite.positions()["net"] if p["tradingsymbol"] == "KOTAKBANK"}
    assert net == {"MIS": 1, "CNC": 3}
    with pytest.raises(InputException):
        kite.convert_position(exchange="NSE", tradingsymbol="KOTAKBANK", transaction_type="BUY",
                              position_type="day", quantity=5, old_product="MIS", new_product="CNC")

"""Orders, trades, positions, holdings and margins through the unchanged official client against the paper server."""
from __future__ import annotations

from decimal import Decimal

import pytest
from kiteconnect.exceptions import InputException, OrderException

from terminal.servers.kite.listing import index_expiry


def _ltp(kite, key):
    return Decimal(str(kite.ltp(key)[key]["last_price"]))


def _status(kite, order_id):
    return kite.order_history(order_id)[-1]["status"]


def _far_below(kite, key, ticks=200, tick=Decimal("0.05")):
    return float((_ltp(kite, key) * Decimal("0.9") / tick).to_integral_value() * tick)


def test_a_market_buy_completes_with_trades_a_position_and_less_margin(kite):
    before = kite.margins("equity")["net"]
    order_id = kite.place_order(variety="regular", exchange="NSE", tradingsymbol="ITC", transaction_type="BUY",
                                quantity=3, product="MIS", order_type="MARKET", tag="test1")
    assert isinstance(order_id, str) and len(order_id) == 15
    history = kite.order_history(order_id)
    assert [h["status"] for h in history][:3] == ["PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "OPEN PENDING"]
    assert history[-1]["status"] == "COMPLETE" and history[-1]["filled_quantity"] == 3
    assert history[-1]["order_timestamp"].year >= 2026 and history[-1]["tag"] == "test1"
    trades = kite.order_trades(order_id)
    assert sum(t["quantity"] for t in trades) == 3 and trades[0]["fill_timestamp"].year >= 2026
    assert any(t["order_id"] == order_id for t in kite.trades())
    assert any(o["order_id"] == order_id and o["status"] == "COMPLETE" for o in kite.orders())
    net = [p for p in kite.positions()["net"] if p["tradingsymbol"] == "ITC" and p["product"] == "MIS"]
    assert net and net[0]["quantity"] >= 3
    assert kite.margins("equity")["net"] < before


def test_a_limit_order_rests_is_modified_then_cancelled(kite):
    price = _far_below(kite, "NSE:HDFCBANK")
    order_id = kite.place_order(variety="regular", exchange="NSE", tradingsymbol="HDFCBANK",
                                transaction_type="BUY", quantity=2, product="CNC", order_type="LIMIT", price=price)
    assert _status(kite, order_id) == "OPEN"
    new_price = price - 1
    assert kite.modify_order(variety="regular", order_id=order_id, price=new_price, quantity=4) == order_id
    history = kite.order_history(order_id)
    statuses = [h["status"] for h in history]
    assert statuses[-4:] == ["MODIFY VALIDATION PENDING", "MODIFY PENDING", "MODIFIED", "OPEN"]
    assert history[-1]["price"] == new_price and history[-1]["quantity"] == 4
    assert kite.cancel_order(variety="regular", order_id=order_id) == order_id
    last = kite.order_history(order_id)[-1]
    assert last["status"] == "CANCELLED" and last["cancelled_quantity"] == 4
    with pytest.raises(OrderException):
        kite.cancel_order(variety="regular", order_id=order_id)


def test_an_sl_order_waits_for_its_trigger_and_fills_once_the_market_reaches_it(kite, kite_server):
    last = _ltp(kite, "NSE:AXISBANK")
    trigger = (last * Decimal("0.95") / Decimal("0.05")).to_integral_value() * Decimal("0.05")
    order_id = kite.place_order(variety="regular", exchange="NSE", tradingsymbol="AXISBANK",
                                transaction_type="SELL", quantity=1, product="MIS", order_type="SL-M",
                                trigger_price=float(trigger))
    assert _status(kite, order_id) == "TRIGGER PENDING"
    kite_server.move_price("NSE:AXISBANK", trigger - Decimal("0.05"))
    history = kite.order_history(order_id)
    assert history[-1]["status"] == "COMPLETE" and "OPEN" in [h["status"] for h in history]


def test_an_sl_buy_below_the_market_is_rejected_with_the_trigger_rule(kite):
    last = _ltp(kite, "NSE:LT")
    trigger = float((last * Decimal("0.9") / Decimal("0.05")).to_integral_value() * Decimal("0.05"))
    order_id = kite.place_order(variety="regular", exchange="NSE", tradingsymbol="LT", transaction_type="BUY",
                                quantity=1, product="MIS", order_type="SL", price=trigger, trigger_price=trigger)
    last_state = kite.order_history(order_id)[-1]
    assert last_state["status"] == "REJECTED" and "Trigger price" in last_state["status_message"]


def test_a_cnc_sell_without_holdings_is_rejected_and_one_within_holdings_completes(fresh_kite):
    from .conftest import logged_in

    kite = logged_in(fresh_kite)
    refused = kite.place_order(variety="regular", exchange="NSE", tradingsymbol="ICICIBANK", transaction_type="SELL",
                               quantity=1, product="CNC", order_type="MARKET")
    state = kite.order_history(refused)[-1]
    assert state["status"] == "REJECTED" and "Insufficient holdings" in state["status_message"]
    assert "ICICIBANK" in state["status_message"]
    held = {h["tradingsymbol"]: h for h in kite.holdings()}
    assert held["INFY"]["quantity"] == 10
    sold = kite.place_order(variety="regular", exchange="NSE", tradingsymbol="INFY", transaction_type="SELL",
                            quantity=4, product="CNC", order_type="MARKET")
    assert _status(kite, sold) == "COMPLETE"
    assert {h["tradingsymbol"]: h for h in kite.holdings()}["INFY"]["used_quantity"] == 4
    too_many = kite.place_order(variety="regular", exchange="NSE", tradingsymbol="INFY", transaction_type="SELL",
                                quantity=7, product="CNC", order_type="MARKET")
    assert kite.order_history(too_many)[-1]["status"] == "REJECTED"


def test_the_nifty_future_takes_whole_lots_only(kite):
    expiry = index_expiry(__import__("datetime").date.today())
    symbol = f"NIFTY{expiry:%y}{expiry.strftime('%b').upper()}FUT"
    lot = next(i for i in kite.instruments("NFO") if i["tradingsymbol"] == symbol)["lot_size"]
    with pytest.raises(InputException) as exc:
        kite.place_order(variety="regular", exchange="NFO", tradingsymbol=symbol, transaction_type="BUY",
                         quantity=lot + 1, product="NRML", order_type="MARKET")
    assert exc.value.code == 400 and str(lot) in str(exc.value)
    order_id = kite.place_order(variety="regular", exchange="NFO", tradingsymbol=symbol, transaction_type="BUY",
                                quantity=lot, product="NRML", order_type="MARKET")
    assert _status(kite, order_id) == "COMPLETE"
    assert any(p["tradingsymbol"] == symbol and p["quantity"] >= lot for p in kite.positions()["net"])
    assert kite.margins("equity")["utilised"]["span"] > 0


def test_insufficient_margin_rejects_with_kites_message(fresh_kite):
    from .conftest import logged_in

    kite = logged_in(fresh_kite)
    order_id = kite.place_order(variety="regular", exchange="NSE", tradingsymbol="TCS", transaction_type="BUY",
                                quantity=1000, product="CNC", order_type="MARKET")
    state = kite.order_history(order_id)[-1]
    assert state["status"] == "REJECTED"
    assert state["status_message"].startswith("Insufficient funds. Required margin is ")


@pytest.mark.parametrize("bad, words", [
    ({"quantity": 0}, "quantity"), ({"order_type": "STOP"}, "order_type"), ({"tradingsymbol": "NOPE"}, "exist"),
    ({"order_type": "LIMIT", "price": 100.03}, "Tick size"), ({"tag": "x" * 21}, "tag"),
    ({"variety": "bo"}, "variety"), ({"product": "NRML"}, "NRML"),
])
def test_malformed_orders_are_input_exceptions(kite, bad, words):
    args = {"variety": "regular", "exchange": "NSE", "tradingsymbol": "SBIN", "transaction_type": "BUY",
            "quantity": 1, "product": "MIS", "order_type": "MARKET", **bad}
    with pytest.raises(InputException) as exc:
        kite.place_order(**args)
    assert words in str(exc.value) and exc.value.code == 400


def test_mis_positions_are_squared_off_by_the_switch(fresh_kite):
    from .conftest import logged_in

    kite = logged_in(fresh_kite)
    kite.place_order(variety="regular", exchange="NSE", tradingsymbol="SBIN", transaction_type="BUY", quantity=5,
                     product="MIS", order_type="MARKET")
    fresh_kite.square_off_now()
    mis = [p for p in kite.positions()["net"] if p["tradingsymbol"] == "SBIN" and p["product"] == "MIS"]
    assert mis and mis[0]["quantity"] == 0 and mis[0]["sell_quantity"] == 5
    assert any(o["tag"] == "squareoff" and o["status"] == "COMPLETE" for o in kite.orders())


def test_an_sl_buy_whose_price_is_below_its_trigger_is_an_input_exception(kite):
    last = _ltp(kite, "NSE:LT")
    trigger = float((last * Decimal("1.05") / Decimal("0.05")).to_integral_value() * Decimal("0.05"))
    with pytest.raises(InputException) as exc:
        kite.place_order(variety="regular", exchange="NSE", tradingsymbol="LT", transaction_type="BUY", quantity=1,
                         product="MIS", order_type="SL", price=trigger - 1, trigger_price=trigger)
    assert "Trigger price" in str(exc.value)
    assert kite.get_auction_instruments() == []


def test_an_unknown_order_id_is_an_order_exception_with_404(kite):
    with pytest.raises(OrderException) as exc:
        kite.order_history("999999999999999")
    assert exc.value.code == 404
    with pytest.raises(OrderException):
        kite.cancel_order(variety="regular", order_id="999999999999999")


def test_the_margin_calculators_price_an_order_and_a_basket(kite):
    expiry = index_expiry(__import__("datetime").date.today())
    symbol = f"NIFTY{expiry:%y}{expiry.strftime('%b').upper()}FUT"
    orders = [{"exchange": "NFO", "tradingsymbol": symbol, "transaction_type": "BUY", "variety": "regular",
               "product": "NRML", "order_type": "MARKET", "quantity": 65, "price": 0, "trigger_price": 0},
              {"exchange": "NSE", "tradingsymbol": "INFY", "transaction_type": "BUY", "variety": "regular",
               "product": "CNC", "order_type": "LIMIT", "quantity": 2, "price": 1500, "trigger_price": 0}]
    margins = kite.order_margins(orders)
    assert margins[0]["span"] > 0 and margins[0]["total"] == pytest.approx(margins[0]["span"] + margins[0]["exposure"])
    assert margins[1]["total"] == 3000 and margins[1]["type"] == "equity"
    basket = kite.basket_order_margins(orders)
    assert basket["initial"]["total"] == pytest.approx(margins[0]["total"] + margins[1]["total"])
    with pytest.raises(InputException):
        kite.order_margins([{"exchange": "NSE", "tradingsymbol": "NOPE"}])

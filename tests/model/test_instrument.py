from decimal import Decimal as D

import pytest

from terminal.model import Instrument, OrderType, OrderValidationError, Side

BTC = Instrument("BTCUSDT", "BTC", "USDT", tick_size=D("0.01"), min_price=D("0.01"), max_price=D("1000000"),
                 step_size=D("0.00001"), min_qty=D("0.00001"), max_qty=D("9000"), min_notional=D("5"))


def reason(**kw):
    with pytest.raises(OrderValidationError) as info:
        BTC.validate_order(**kw)
    return info.value


def test_valid_limit_order_passes():
    BTC.validate_order(Side.BUY, OrderType.LIMIT, D("0.001"), D("60000.01"))


def test_price_off_tick_names_price_filter_and_nearest_value():
    err = reason(side=Side.BUY, order_type=OrderType.LIMIT, quantity=D("0.001"), price=D("60000.005"))
    assert err.filter == "PRICE_FILTER" and err.field == "price"
    assert "tick size 0.01" in err.message and "nearest valid" in err.message


def test_quantity_off_step_names_lot_size():
    err = reason(side=Side.SELL, order_type=OrderType.LIMIT, quantity=D("0.000015"), price=D("60000"))
    assert err.filter == "LOT_SIZE" and "0.00001" in err.message


def test_small_notional_names_notional_filter():
    err = reason(side=Side.BUY, order_type=OrderType.LIMIT, quantity=D("0.00001"), price=D("100"))
    assert err.filter == "NOTIONAL" and "below the minimum 5" in err.message


def test_market_order_uses_reference_price_for_notional():
    err = reason(side=Side.BUY, order_type=OrderType.MARKET, quantity=D("0.00001"), reference_price=D("60000"))
    assert err.filter == "NOTIONAL"
    BTC.validate_order(Side.BUY, OrderType.MARKET, D("0.001"), reference_price=D("60000"))


def test_market_order_by_quote_quantity():
    BTC.validate_order(Side.BUY, OrderType.MARKET, quote_quantity=D("10"))
    assert reason(side=Side.BUY, order_type=OrderType.MARKET, quote_quantity=D("1")).filter == "NOTIONAL"


def test_stop_limit_needs_stop_price():
    err = reason(side=Side.SELL, order_type=OrderType.STOP_LOSS_LIMIT, quantity=D("0.001"), price=D("59000"))
    assert err.field == "stop_price"


def test_max_qty_and_zero_quantity():
    assert reason(side=Side.BUY, order_type=OrderType.LIMIT, quantity=D("9001"), price=D("1")).filter == "LOT_SIZE"
    assert reason(side=Side.BUY, order_type=OrderType.LIMIT, quantity=D("0"), price=D("1")).filter == "LOT_SIZE"


def test_format_uses_instrument_precision():
    assert BTC.format_price(D("60000.1")) == "60000.10"
    assert BTC.format_qty(D("1E-5")) == "0.00001"
    assert BTC.snap_price(D("60000.005"), "down") == D("60000.00")

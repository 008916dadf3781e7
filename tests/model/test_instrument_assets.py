"""Multi-asset instruments: venue-qualified ids, asset class, currency, contract terms, hours, and the multiplier in
every notional the core computes (instrument filters, pre-trade risk, positions P&L)."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal.model import (AssetClass, Balance, Fill, Instrument, Liquidity, OptionRight, OrderRequest, OrderType,
                            OrderValidationError, Side, TimeInForce, parse_qualified_id)
from terminal.model.hours import us_equity_hours
from terminal.oms.position import build_positions
from terminal.risk.checks import InsufficientBalance, NotionalLimitExceeded, RiskChecks, RiskLimits

D = Decimal
ES = Instrument("ESZ6", "ES", "USD", tick_size=D("0.25"), step_size=D("1"), min_qty=D("1"), venue="ib",
                asset_class=AssetClass.FUTURE, exchange="CME", multiplier=D("50"), expiry=date(2026, 12, 18),
                min_notional=D("1000"))


def test_a_plain_instrument_is_crypto_spot_priced_in_its_quote_asset():
    btc = Instrument("BTCUSDT", "BTC", "USDT")
    assert btc.asset_class is AssetClass.CRYPTO_SPOT
    assert btc.currency == "USDT" and btc.multiplier == 1 and btc.lot_size == btc.step_size
    assert btc.hours is None and btc.is_open(0)
    assert btc.qualified_id == "BTCUSDT"


def test_qualified_id_is_symbol_at_venue_else_exchange():
    assert Instrument("BTCUSDT", "BTC", "USDT", venue="binance").qualified_id == "BTCUSDT@binance"
    assert Instrument("INFY", "INFY", "INR", exchange="NSE").qualified_id == "INFY@NSE"
    assert Instrument("AAPL", "AAPL", "USD", venue="paper", exchange="SMART").qualified_id == "AAPL@paper"
    assert parse_qualified_id("AAPL@paper") == ("AAPL", "paper")
    assert parse_qualified_id(" BTCUSDT ") == ("BTCUSDT", None)
    with pytest.raises(ValueError):
        parse_qualified_id("@paper")


@given(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", min_size=1, max_size=20),
       st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12))
def test_qualified_id_round_trips(symbol, venue):
    inst = Instrument(symbol, symbol, "USD", venue=venue)
    assert parse_qualified_id(inst.qualified_id) == (symbol, venue)


def test_derivative_terms_are_required_and_the_multiplier_must_be_positive():
    opt = Instrument("NIFTY26DEC24000CE", "NIFTY", "INR", asset_class=AssetClass.OPTION, exchange="NSE",
                     segment="NFO", multiplier=D("75"), expiry=date(2026, 12, 31), strike=D("24000"),
                     right=OptionRight.CALL, step_size=D("75"))
    assert opt.lot_size == D("75") and opt.right is OptionRight.CALL and opt.segment == "NFO"
    with pytest.raises(ValueError, match="expiry"):
        Instrument("ESZ6", "ES", "USD", asset_class=AssetClass.FUTURE)
    with pytest.raises(ValueError, match="strike"):
        Instrument("X", "X", "INR", asset_class=AssetClass.OPTION, expiry=date(2026, 12, 31))
    with pytest.raises(ValueError, match="multiplier"):
        Instrument("X", "X", "USD", multiplier=D("0"))


def test_notional_includes_the_multiplier_in_the_instruments_own_filters():
    assert ES.notional(D("5000"), D("2")) == D("500000")
    # price x qty = 25 would be below the 1000 minimum; x 50 it is 1250
    ES.validate_order(Side.BUY, OrderType.LIMIT, quantity=D("1"), price=D("25"))
    with pytest.raises(OrderValidationError, match="order value 750 USD is below the minimum 1000"):
        ES.validate_order(Side.BUY, OrderType.LIMIT, quantity=D("1"), price=D("15"))


def _risk(balances: dict[str, str], limit: str | None = None) -> RiskChecks:
    return RiskChecks({"ESZ6": ES}, lambda: {a: Balance(a, D(v), D(0)) for a, v in balances.items()},
                      lambda symbol, side: D("5000"), RiskLimits(max_order_notional=D(limit) if limit else None))


def test_pre_trade_limit_and_balance_use_price_times_quantity_times_multiplier():
    buy = OrderRequest("ESZ6", Side.BUY, OrderType.LIMIT, quantity=D("1"), price=D("5000"),
                       time_in_force=TimeInForce.GTC)
    assert RiskChecks.notional(buy, None, ES) == D("250000")
    with pytest.raises(NotionalLimitExceeded, match="order value 250,000.00 USD"):
        _risk({"USD": "1000000"}, limit="100000").check(buy)
    with pytest.raises(InsufficientBalance, match="need 250000"):
        _risk({"USD": "10000"}).check(buy)  # 5000 x 1 would pass; the contract is worth 50 times that
    _risk({"USD": "250000"}).check(buy)


def test_position_pnl_is_scaled_by_the_multiplier():
    def fill(tid: int, side: Side, price: str) -> Fill:
        return Fill("ESZ6", "c", 1, tid, side, D(price), D("1"), D(price) * 50, D(0), "USD", Liquidity.TAKER,
                    ts_event=tid)
    fills = [fill(1, Side.BUY, "5000"), fill(2, Side.BUY, "5010"), fill(3, Side.SELL, "5020")]
    pos = build_positions(fills, {"ESZ6": ES}, {"ESZ6": D("5030")})["ESZ6"]
    assert pos.avg_price == D("5005") and pos.qty == 1
    assert pos.realised_pnl == D("15") * 50  # sold one at 5020 against 5005 average
    assert pos.unrealised_pnl == D("25") * 50


def test_an_equity_with_hours_is_open_only_in_its_regular_session():
    ny = ZoneInfo("America/New_York")
    aapl = Instrument("AAPL", "AAPL", "USD", tick_size=D("0.01"), step_size=D("1"), venue="paper",
                      asset_class=AssetClass.EQUITY, exchange="SMART", hours=us_equity_hours())
    assert aapl.is_open(int(datetime.combine(date(2026, 4, 6), time(10, 0), tzinfo=ny).timestamp() * 1000))
    assert not aapl.is_open(int(datetime.combine(date(2026, 4, 4), time(10, 0), tzinfo=ny).timestamp() * 1000))


def test_binance_instruments_are_crypto_spot_on_their_venue_in_the_quote_currency():
    from terminal.venues.binance import parse
    from terminal.venues.ports import AssetClass as PortsAssetClass

    inst = parse.instrument({"symbol": "ETHBTC", "baseAsset": "ETH", "quoteAsset": "BTC", "filters": []})
    assert inst.venue == "binance" and inst.asset_class is AssetClass.CRYPTO_SPOT and inst.currency == "BTC"
    assert inst.qualified_id == "ETHBTC@binance"
    assert parse.instruments({"symbols": [{"symbol": "ETHBTC", "baseAsset": "ETH", "quoteAsset": "BTC"}]},
                             venue="sandbox")["ETHBTC"].qualified_id == "ETHBTC@sandbox"
    assert PortsAssetClass is AssetClass  # the ports re-export the model's enum

"""TrueData records -> model types: instruments from the symbol master, ticks, quotes, books and bars."""
from __future__ import annotations

from decimal import Decimal

from ...model import AssetClass, Bar, Instrument, Interval, OrderType, QuoteTick, Side, TradeTick
from ...model.hours import TradingHours, nse_equity_hours
from . import parse
from .info import NAME

NSE_HOURS: TradingHours = nse_equity_hours()
SERIES = {"EQ": AssetClass.EQUITY, "BE": AssetClass.EQUITY, "IN": AssetClass.INDEX, "XX": AssetClass.FUTURE}


def instrument(row: parse.MasterRow) -> Instrument | None:
    """An instrument for a master row (None for what the adapter does not list: options, other series)."""
    asset = SERIES.get(row.series)
    if asset is None or (asset is AssetClass.FUTURE and row.expiry is None):
        return None
    tick = row.tick if row.tick > 0 else Decimal("0.05")
    lot = row.lot if row.lot > 0 else Decimal(1)
    return Instrument(
        symbol=row.name, base_asset=row.root or row.name, quote_asset="INR", tick_size=tick, min_price=tick,
        max_price=Decimal("10000000"), step_size=lot, min_qty=lot, max_qty=lot * 100000, base_precision=0,
        quote_precision=2, order_types=frozenset({OrderType.MARKET, OrderType.LIMIT}), venue=NAME, asset_class=asset,
        exchange=row.exchange or "NSE", segment="NFO" if asset is AssetClass.FUTURE else "",
        multiplier=lot if asset is AssetClass.FUTURE else Decimal(1), expiry=row.expiry, hours=NSE_HOURS,
        venue_id=row.symbol_id)


def quote(name: str, bid: Decimal, bid_qty: Decimal, ask: Decimal, ask_qty: Decimal, ts_ms: int,
          now_ms: int) -> QuoteTick:
    return QuoteTick(name, bid, bid_qty, ask, ask_qty, ts_event=ts_ms, ts_recv=now_ms)


def trade(name: str, t: parse.Trade, now_ms: int) -> TradeTick:
    if t.ask is not None and t.ask > 0 and t.price >= t.ask:
        side = Side.BUY
    elif t.bid is not None and t.bid > 0 and t.price <= t.bid:
        side = Side.SELL
    else:
        side = Side.BUY
    return TradeTick(name, t.price, t.qty, t.seq, side, ts_event=t.ts_ms, ts_recv=now_ms)


def bar(name: str, interval: Interval, row: parse.BarRow, now_ms: int) -> Bar:
    return Bar(name, interval, row.ts_ms, row.open, row.high, row.low, row.close, row.volume,
               closed=row.ts_ms + interval.ms <= now_ms, ts_recv=now_ms)


def streamed_bar(name: str, interval: Interval, b: parse.BarMsg, now_ms: int) -> Bar:
    return Bar(name, interval, b.ts_ms, b.open, b.high, b.low, b.close, b.volume, closed=True, ts_recv=now_ms)

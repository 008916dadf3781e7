"""What the TrueData paper server lists: NSE stocks, two indices and NIFTY/BANKNIFTY futures, with TrueData ids.

Names follow TrueData's conventions: stocks by their NSE ticker, indices by their NSE name with spaces (``NIFTY 50``),
continuous near-month futures as ``<UNDERLYING>-I`` and a dated future as ``<UNDERLYING><YY><MON>FUT`` (the form of
the official client's samples). Symbol ids are numeric strings whose first digit says the segment (1 equity,
2 index, 3 F&O), as TrueData's do. Prices in INR on a 0.05 tick; futures carry their lot as the multiplier.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from terminal.model.enums import AssetClass, OrderType
from terminal.model.hours import TradingHours, nse_equity_hours
from terminal.model.instrument import Instrument
from terminal.sim.symbols import SymbolSpec

IST = timezone(timedelta(hours=5, minutes=30))
NSE_HOURS: TradingHours = nse_equity_hours()
TICK = Decimal("0.05")


@dataclass(frozen=True, slots=True)
class Listed:
    """One symbol as TrueData names it, its id, its segment (for the symbol master) and its simulated market."""

    name: str
    symbol_id: str
    segment: str  # "eq" | "in" | "fo"
    series: str  # "EQ" | "IN" | "XX" (futures)
    spec: SymbolSpec
    lot: int = 1
    expiry: date | None = None


def _instrument(name: str, asset: AssetClass, *, lot: int = 1, expiry: date | None = None,
                base: str | None = None) -> Instrument:
    return Instrument(
        symbol=name, base_asset=base or name, quote_asset="INR", tick_size=TICK, min_price=TICK,
        max_price=Decimal("10000000"), step_size=Decimal(lot), min_qty=Decimal(lot), max_qty=Decimal(lot * 100000),
        min_notional=Decimal(0), max_notional=Decimal(0), base_precision=0, quote_precision=2,
        order_types=frozenset({OrderType.MARKET, OrderType.LIMIT}), asset_class=asset, exchange="NSE",
        segment="NFO" if asset is AssetClass.FUTURE else "", multiplier=Decimal(lot), expiry=expiry,
        hours=NSE_HOURS)


def _spec(inst: Instrument, price: str, vol: float, volume: int, rate: float, size: int) -> SymbolSpec:
    return SymbolSpec(instrument=inst, start_price=Decimal(price), volatility=vol,
                      base_volume=Decimal(volume) * inst.step_size, trade_rate=rate,
                      quote_size=Decimal(size) * inst.step_size)


STOCKS = (  # name, price, annual volatility
    ("RELIANCE", "1450.00", 0.24), ("TCS", "3900.00", 0.22), ("INFY", "1600.00", 0.26),
    ("HDFCBANK", "1700.00", 0.20), ("ICICIBANK", "1300.00", 0.22), ("SBIN", "820.00", 0.28),
    ("ITC", "430.00", 0.18), ("LT", "3600.00", 0.24), ("AXISBANK", "1150.00", 0.26),
    ("KOTAKBANK", "1800.00", 0.22), ("BHARTIARTL", "1600.00", 0.22), ("HINDUNILVR", "2500.00", 0.18),
)


def last_tuesday(year: int, month: int) -> date:
    day = date(year, month, calendar.monthrange(year, month)[1])
    return day - timedelta(days=(day.weekday() - 1) % 7)


def near_expiry(today: date) -> date:
    """The current month's expiry (last Tuesday), or next month's once it has passed."""
    exp = last_tuesday(today.year, today.month)
    if exp < today:
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        exp = last_tuesday(year, month)
    return exp


def listing(now_ms: int) -> tuple[Listed, ...]:
    """Everything listed at ``now_ms`` (the futures' expiries depend on the day)."""
    today = datetime.fromtimestamp(now_ms / 1000, IST).date()
    expiry = near_expiry(today)
    out: list[Listed] = []
    for i, (name, price, vol) in enumerate(STOCKS):
        inst = _instrument(name, AssetClass.EQUITY)
        out.append(Listed(name, str(100001001 + i), "eq", "EQ", _spec(inst, price, vol, 4000, 3.0, 300)))
    for i, (name, price) in enumerate((("NIFTY 50", "25300.00"), ("NIFTY BANK", "56500.00"))):
        inst = _instrument(name, AssetClass.INDEX)
        out.append(Listed(name, str(200000001 + i), "in", "IN", _spec(inst, price, 0.14, 1000, 2.0, 100)))
    dated = f"NIFTY{expiry:%y}{expiry.strftime('%b').upper()}FUT"
    futures = (("NIFTY-I", "NIFTY", "25350.00", 75), ("BANKNIFTY-I", "BANKNIFTY", "56650.00", 35),
               (dated, "NIFTY", "25350.00", 75))
    for i, (name, root, price, lot) in enumerate(futures):
        inst = _instrument(name, AssetClass.FUTURE, lot=lot, expiry=expiry, base=root)
        out.append(Listed(name, str(300000001 + i), "fo", "XX", _spec(inst, price, 0.15, 60, 2.0, 8), lot, expiry))
    return tuple(out)


def master_row(item: Listed) -> list[object]:
    """A ``getAllSymbols`` record: id, symbol, series, isin, exchange, lot size, tick size, expiry, exchange symbol."""
    expiry = item.expiry.strftime("%Y-%m-%dT00:00:00") if item.expiry else ""
    root = item.spec.instrument.base_asset
    return [int(item.symbol_id), item.name, item.series, "", "NSE", item.lot, float(TICK), expiry, root]

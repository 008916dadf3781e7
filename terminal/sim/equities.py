"""A simulated US equity listing: a few stocks and an ETF in USD, whole shares, cent ticks, US market hours.

The paper venue (``terminal/venues/paper``) trades these on the matching engine and living market of ``terminal.sim``;
the backtester can use them like any other ``SymbolSpec``. Instruments here carry no venue name: the adapter that lists
them sets it. Holidays are the full-day NYSE closures of 2025 to 2027 as published by the exchange (early closes are
not modelled: those days trade to 16:00 here).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from terminal.model.enums import AssetClass, OrderType
from terminal.model.hours import TradingHours, us_equity_hours
from terminal.model.instrument import Instrument

from .symbols import SymbolSpec

NYSE_HOLIDAYS = frozenset({
    date(2025, 1, 1), date(2025, 1, 9), date(2025, 1, 20), date(2025, 2, 17), date(2025, 4, 18), date(2025, 5, 26),
    date(2025, 6, 19), date(2025, 7, 4), date(2025, 9, 1), date(2025, 11, 27), date(2025, 12, 25),
    date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 4, 3), date(2026, 5, 25), date(2026, 6, 19),
    date(2026, 7, 3), date(2026, 9, 7), date(2026, 11, 26), date(2026, 12, 25),
    date(2027, 1, 1), date(2027, 1, 18), date(2027, 2, 15), date(2027, 3, 26), date(2027, 5, 31), date(2027, 6, 18),
    date(2027, 7, 5), date(2027, 9, 6), date(2027, 11, 25), date(2027, 12, 24),
})
US_HOURS = us_equity_hours(NYSE_HOLIDAYS)
CURRENCY = "USD"


def equity(symbol: str, exchange: str, hours: TradingHours | None = US_HOURS) -> Instrument:
    """A US-listed share: USD, tick 0.01, lot 1, no minimum order value, every order type of the engine."""
    cent = Decimal("0.01")
    return Instrument(
        symbol=symbol, base_asset=symbol, quote_asset=CURRENCY, tick_size=cent, min_price=cent,
        max_price=Decimal("100000"), step_size=Decimal(1), min_qty=Decimal(1), max_qty=Decimal("1000000"),
        min_notional=Decimal(0), max_notional=Decimal(0), base_precision=0, quote_precision=2,
        order_types=frozenset(OrderType), asset_class=AssetClass.EQUITY, exchange=exchange, hours=hours)


def _spec(symbol: str, exchange: str, price: str, *, vol: float, volume: str, rate: float, size: str) -> SymbolSpec:
    return SymbolSpec(instrument=equity(symbol, exchange), start_price=Decimal(price), volatility=vol,
                      base_volume=Decimal(volume), trade_rate=rate, quote_size=Decimal(size))


EQUITY_SYMBOLS: tuple[SymbolSpec, ...] = (
    _spec("AAPL", "NASDAQ", "230.00", vol=0.28, volume="20000", rate=4.0, size="300"),
    _spec("MSFT", "NASDAQ", "480.00", vol=0.25, volume="9000", rate=3.0, size="150"),
    _spec("NVDA", "NASDAQ", "180.00", vol=0.50, volume="60000", rate=6.0, size="600"),
    _spec("SPY", "ARCA", "650.00", vol=0.16, volume="30000", rate=5.0, size="400"),
)


def equity_instruments() -> list[Instrument]:
    return [spec.instrument for spec in EQUITY_SYMBOLS]

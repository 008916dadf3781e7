"""The symbols the simulated market lists: instruments plus the parameters of their price process."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from terminal.model.instrument import Instrument


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """One listed symbol and how its simulated market behaves.

    ``volatility`` is annualised (0.6 = 60 %/year). ``base_volume`` is the typical traded base volume per
    minute; ``trade_rate`` the typical number of taker orders per second; ``quote_size`` the base size of
    the market maker's best level (deeper levels grow from it).
    """

    instrument: Instrument
    start_price: Decimal
    volatility: float
    base_volume: Decimal
    trade_rate: float
    quote_size: Decimal

    @property
    def symbol(self) -> str:
        return self.instrument.symbol


def _instrument(symbol: str, base: str, quote: str, tick: str, step: str, min_notional: str,
                max_qty: str) -> Instrument:
    tick_d, step_d = Decimal(tick), Decimal(step)
    return Instrument(
        symbol=symbol, base_asset=base, quote_asset=quote,
        tick_size=tick_d, min_price=tick_d, max_price=Decimal("1000000"),
        step_size=step_d, min_qty=step_d, max_qty=Decimal(max_qty),
        min_notional=Decimal(min_notional), max_notional=Decimal("9000000"),
        apply_min_to_market=True, apply_max_to_market=False,
        base_precision=8, quote_precision=8,
    )


def _spec(symbol: str, base: str, quote: str, price: str, tick: str, step: str, *, vol: float,
          volume: str, rate: float, size: str, min_notional: str = "5", max_qty: str = "9000") -> SymbolSpec:
    return SymbolSpec(
        instrument=_instrument(symbol, base, quote, tick, step, min_notional, max_qty),
        start_price=Decimal(price), volatility=vol, base_volume=Decimal(volume), trade_rate=rate,
        quote_size=Decimal(size),
    )


DEFAULT_SYMBOLS: tuple[SymbolSpec, ...] = (
    _spec("BTCUSDT", "BTC", "USDT", "64000.00", "0.01", "0.00001", vol=0.55, volume="12", rate=8.0,
          size="0.05"),
    _spec("ETHUSDT", "ETH", "USDT", "3200.00", "0.01", "0.0001", vol=0.70, volume="150", rate=5.0,
          size="0.8", max_qty="90000"),
    _spec("BNBUSDT", "BNB", "USDT", "600.00", "0.01", "0.001", vol=0.60, volume="300", rate=3.0,
          size="3", max_qty="900000"),
    _spec("SOLUSDT", "SOL", "USDT", "150.00", "0.01", "0.001", vol=0.90, volume="1500", rate=4.0,
          size="12", max_qty="900000"),
    _spec("XRPUSDT", "XRP", "USDT", "0.6000", "0.0001", "0.1", vol=0.80, volume="400000", rate=3.0,
          size="3000", max_qty="90000000"),
    _spec("ADAUSDT", "ADA", "USDT", "0.4500", "0.0001", "0.1", vol=0.85, volume="300000", rate=3.0,
          size="4000", max_qty="90000000"),
    _spec("DOGEUSDT", "DOGE", "USDT", "0.15000", "0.00001", "1", vol=1.0, volume="1500000", rate=3.0,
          size="12000", max_qty="900000000"),
    _spec("LTCUSDT", "LTC", "USDT", "80.00", "0.01", "0.001", vol=0.75, volume="800", rate=3.0,
          size="20", max_qty="900000"),
    _spec("ETHBTC", "ETH", "BTC", "0.05000", "0.00001", "0.0001", vol=0.45, volume="60", rate=2.5,
          size="1.5", min_notional="0.0001", max_qty="100000"),
)


def default_instruments() -> list[Instrument]:
    """The instruments of ``DEFAULT_SYMBOLS``, in listing order."""
    return [spec.instrument for spec in DEFAULT_SYMBOLS]


def spec_by_symbol(specs: tuple[SymbolSpec, ...] | list[SymbolSpec] = DEFAULT_SYMBOLS) -> dict[str, SymbolSpec]:
    return {spec.symbol: spec for spec in specs}

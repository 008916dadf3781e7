"""What the Finnhub paper server lists, in Finnhub's symbol conventions: US stocks as plain tickers (the simulated
US equities plus a few more), forex as ``OANDA:EUR_USD`` and crypto as ``BINANCE:BTCUSDT``, each with the simulation
parameters of ``terminal.sim``."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from terminal.model.enums import AssetClass
from terminal.model.instrument import Instrument
from terminal.sim.equities import EQUITY_SYMBOLS, equity
from terminal.sim.symbols import SymbolSpec


@dataclass(frozen=True, slots=True)
class Listed:
    """One listed symbol: its simulation spec, its kind ("stock", "forex", "crypto"), its name and venue."""

    spec: SymbolSpec
    kind: str
    description: str
    display: str
    exchange: str  # forex/crypto venue ("oanda", "binance") or the stock's exchange
    mic: str = ""
    figi: str = ""

    @property
    def symbol(self) -> str:
        return self.spec.symbol


def _pair(symbol: str, base: str, quote: str, price: str, tick: str, step: str, asset: AssetClass, *, vol: float,
          volume: str, rate: float, size: str) -> SymbolSpec:
    inst = Instrument(symbol=symbol, base_asset=base, quote_asset=quote, tick_size=Decimal(tick),
                      min_price=Decimal(tick), max_price=Decimal("10000000"), step_size=Decimal(step),
                      min_qty=Decimal(step), max_qty=Decimal("100000000"), min_notional=Decimal(0),
                      max_notional=Decimal(0), base_precision=8, quote_precision=8, asset_class=asset)
    return SymbolSpec(instrument=inst, start_price=Decimal(price), volatility=vol, base_volume=Decimal(volume),
                      trade_rate=rate, quote_size=Decimal(size))


def _stock(symbol: str, exchange: str, price: str, *, vol: float, volume: str, rate: float, size: str) -> SymbolSpec:
    return SymbolSpec(instrument=equity(symbol, exchange), start_price=Decimal(price), volatility=vol,
                      base_volume=Decimal(volume), trade_rate=rate, quote_size=Decimal(size))


NAMES = {"AAPL": "APPLE INC", "MSFT": "MICROSOFT CORP", "NVDA": "NVIDIA CORP", "SPY": "SPDR S&P 500 ETF TRUST",
         "AMZN": "AMAZON.COM INC", "GOOGL": "ALPHABET INC-CL A", "TSLA": "TESLA INC", "META": "META PLATFORMS INC-A"}
MICS = {"NASDAQ": "XNAS", "ARCA": "ARCX", "NYSE": "XNYS"}
EXTRA_STOCKS = (
    _stock("AMZN", "NASDAQ", "220.00", vol=0.32, volume="15000", rate=3.0, size="250"),
    _stock("GOOGL", "NASDAQ", "250.00", vol=0.30, volume="12000", rate=3.0, size="200"),
    _stock("TSLA", "NASDAQ", "420.00", vol=0.60, volume="40000", rate=5.0, size="300"),
    _stock("META", "NASDAQ", "700.00", vol=0.35, volume="8000", rate=2.5, size="100"),
)
FOREX = (
    _pair("OANDA:EUR_USD", "EUR", "USD", "1.16000", "0.00001", "1", AssetClass.FOREX, vol=0.07, volume="2000000",
          rate=4.0, size="100000"),
    _pair("OANDA:GBP_USD", "GBP", "USD", "1.33000", "0.00001", "1", AssetClass.FOREX, vol=0.08, volume="1500000",
          rate=3.0, size="100000"),
)
CRYPTO = (
    _pair("BINANCE:BTCUSDT", "BTC", "USDT", "64000.00", "0.01", "0.00001", AssetClass.CRYPTO_SPOT, vol=0.55,
          volume="12", rate=6.0, size="0.05"),
    _pair("BINANCE:ETHUSDT", "ETH", "USDT", "3200.00", "0.01", "0.0001", AssetClass.CRYPTO_SPOT, vol=0.70,
          volume="150", rate=4.0, size="0.8"),
)


def _stocks() -> list[Listed]:
    out = []
    for i, spec in enumerate(EQUITY_SYMBOLS + EXTRA_STOCKS):
        exch = spec.instrument.exchange or "NASDAQ"
        out.append(Listed(spec, "stock", NAMES.get(spec.symbol, spec.symbol), spec.symbol, exch,
                          MICS.get(exch, "XNAS"), f"BBG000SIM{i:03d}"))
    return out


def listing() -> list[Listed]:
    fx = [Listed(s, "forex", f"Oanda {s.instrument.base_asset}/{s.instrument.quote_asset}",
                 f"{s.instrument.base_asset}/{s.instrument.quote_asset}", "oanda") for s in FOREX]
    cr = [Listed(s, "crypto", f"Binance {s.instrument.base_asset}{s.instrument.quote_asset}",
                 f"{s.instrument.base_asset}/{s.instrument.quote_asset}", "binance") for s in CRYPTO]
    return _stocks() + fx + cr

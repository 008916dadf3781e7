"""What the Kite paper server lists, with Kite's tokens, symbols, segments, ticks and lots.

A dozen NSE stocks (their real instrument tokens), the NIFTY 50 and NIFTY BANK indices (segment ``INDICES``, not
tradable), the near-month NIFTY and BANKNIFTY futures, six NIFTY options around the money (25200/25300/25400 CE and
PE, same expiry) and the near-month MCX CRUDEOIL future. Instrument tokens are ``exchange_token * 256 + segment code``
(NSE 1, NFO 2, MCX 7, INDICES 9), as the ticker needs them. Index derivatives expire on the month's last Tuesday
(NSE since September 2025); CRUDEOIL on the 19th (the weekday before when it falls on a weekend).

Lots as the reference gives them for contracts from early 2026: NIFTY 65, BANKNIFTY 30 (community figures: always
read ``lot_size`` from the dump). MCX quantities are in lots (``lot_size`` 1) and positions carry the contract
``multiplier`` (100 barrels for CRUDEOIL).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from terminal.model.enums import AssetClass, OptionRight, OrderType
from terminal.model.hours import Phase, TradingHours, TradingSession, nse_equity_hours
from terminal.model.instrument import Instrument
from terminal.sim.symbols import SymbolSpec

IST = timezone(timedelta(hours=5, minutes=30))
SEGMENT_CODE = {"NSE": 1, "NFO-FUT": 2, "NFO-OPT": 2, "MCX-FUT": 7, "INDICES": 9}
NSE_HOURS: TradingHours = nse_equity_hours()
NFO_HOURS = TradingHours("Asia/Kolkata", (TradingSession(Phase.REGULAR, time(9, 15), time(15, 30)),))
MCX_HOURS = TradingHours("Asia/Kolkata", (TradingSession(Phase.REGULAR, time(9, 0), time(23, 30)),))

STOCKS = (  # tradingsymbol, company name, instrument token (Kite's), price, annual volatility
    ("RELIANCE", "RELIANCE INDUSTRIES", 738561, "1450.00", 0.24),
    ("TCS", "TATA CONSULTANCY SERV LT", 2953217, "3900.00", 0.22),
    ("INFY", "INFOSYS", 408065, "1600.00", 0.26), ("HDFCBANK", "HDFC BANK", 341249, "1700.00", 0.20),
    ("ICICIBANK", "ICICI BANK", 1270529, "1300.00", 0.22), ("SBIN", "STATE BANK OF INDIA", 779521, "820.00", 0.28),
    ("ITC", "ITC", 424961, "430.00", 0.18), ("LT", "LARSEN & TOUBRO", 2939649, "3600.00", 0.24),
    ("AXISBANK", "AXIS BANK", 1510401, "1150.00", 0.26), ("KOTAKBANK", "KOTAK MAHINDRA BANK", 492033, "1800.00", 0.22),
    ("BHARTIARTL", "BHARTI AIRTEL", 2714625, "1600.00", 0.22),
    ("HINDUNILVR", "HINDUSTAN UNILEVER.", 356865, "2500.00", 0.18),
)
INDICES = (("NIFTY 50", 256265, "25300.00"), ("NIFTY BANK", 260105, "56500.00"))
NIFTY_LOT = 65
BANKNIFTY_LOT = 30
STRIKES = (25200, 25300, 25400)


@dataclass(frozen=True, slots=True)
class Listed:
    """One instrument as Kite lists it, and its simulated market (``spec``; the engine symbol is ``key``)."""

    token: int
    tradingsymbol: str
    name: str
    exchange: str  # NSE | NFO | MCX
    segment: str  # NSE | INDICES | NFO-FUT | NFO-OPT | MCX-FUT
    instrument_type: str  # EQ | FUT | CE | PE
    tick: Decimal
    lot: int
    spec: SymbolSpec
    expiry: date | None = None
    strike: Decimal = Decimal(0)
    multiplier: int = 1
    prev_close: Decimal = Decimal(0)

    @property
    def key(self) -> str:
        return f"{self.exchange}:{self.tradingsymbol}"

    @property
    def exchange_token(self) -> int:
        return self.token >> 8

    @property
    def tradable(self) -> bool:
        return self.segment != "INDICES"

    @property
    def derivative(self) -> bool:
        return self.instrument_type in ("FUT", "CE", "PE")

    @property
    def hours(self) -> TradingHours:
        return MCX_HOURS if self.exchange == "MCX" else NFO_HOURS if self.exchange == "NFO" else NSE_HOURS


def last_tuesday(year: int, month: int) -> date:
    day = date(year, month, calendar.monthrange(year, month)[1])
    return day - timedelta(days=(day.weekday() - 1) % 7)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def index_expiry(today: date) -> date:
    """This month's last Tuesday, or next month's once it has passed."""
    exp = last_tuesday(today.year, today.month)
    return exp if exp >= today else last_tuesday(*_next_month(today.year, today.month))


def crude_expiry(today: date) -> date:
    def of(year: int, month: int) -> date:
        day = date(year, month, 19)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return day
    exp = of(today.year, today.month)
    return exp if exp >= today else of(*_next_month(today.year, today.month))


def _monthly(root: str, expiry: date) -> str:
    return f"{root}{expiry:%y}{expiry.strftime('%b').upper()}"


def _instrument(key: str, asset: AssetClass, tick: Decimal, lot: int, hours: TradingHours, *, base: str,
                expiry: date | None = None, strike: Decimal | None = None, right: OptionRight | None = None,
                multiplier: int = 1) -> Instrument:
    return Instrument(
        symbol=key, base_asset=base, quote_asset="INR", tick_size=tick, min_price=tick,
        max_price=Decimal("100000000"), step_size=Decimal(lot), min_qty=Decimal(lot), max_qty=Decimal(lot * 1_000_000),
        min_notional=Decimal(0), max_notional=Decimal(0), base_precision=0, quote_precision=2,
        order_types=frozenset(OrderType), asset_class=asset, exchange=key.split(":")[0], multiplier=Decimal(multiplier),
        expiry=expiry, strike=strike, right=right, hours=hours)


def _spec(inst: Instrument, price: str, vol: float, volume: int, rate: float, size: int) -> SymbolSpec:
    return SymbolSpec(instrument=inst, start_price=Decimal(price), volatility=vol,
                      base_volume=Decimal(volume) * inst.step_size, trade_rate=rate,
                      quote_size=Decimal(size) * inst.step_size)


def _option_price(spot: Decimal, strike: int, right: str) -> str:
    intrinsic = max(Decimal(0), spot - strike if right == "CE" else strike - spot)
    return f"{intrinsic + Decimal(120):.2f}"


def listing(now_ms: int) -> tuple[Listed, ...]:
    """Everything listed on the IST day of ``now_ms`` (expiries roll with the day)."""
    today = datetime.fromtimestamp(now_ms / 1000, IST).date()
    out: list[Listed] = []
    five = Decimal("0.05")
    for symbol, name, token, price, vol in STOCKS:
        inst = _instrument(f"NSE:{symbol}", AssetClass.EQUITY, five, 1, NSE_HOURS, base=symbol)
        out.append(Listed(token, symbol, name, "NSE", "NSE", "EQ", five, 1, _spec(inst, price, vol, 4000, 3.0, 300)))
    for symbol, token, price in INDICES:
        inst = _instrument(f"NSE:{symbol}", AssetClass.INDEX, five, 1, NSE_HOURS, base=symbol)
        out.append(Listed(token, symbol, symbol, "NSE", "INDICES", "EQ", five, 1,
                          _spec(inst, price, 0.14, 1000, 2.0, 100)))
    expiry = index_expiry(today)
    tenth = Decimal("0.10")
    exchange_token = 35001
    for root, price, lot in (("NIFTY", "25350.00", NIFTY_LOT), ("BANKNIFTY", "56650.00", BANKNIFTY_LOT)):
        symbol = _monthly(root, expiry) + "FUT"
        inst = _instrument(f"NFO:{symbol}", AssetClass.FUTURE, tenth, lot, NFO_HOURS, base=symbol, expiry=expiry)
        out.append(Listed(exchange_token * 256 + 2, symbol, root, "NFO", "NFO-FUT", "FUT", tenth, lot,
                          _spec(inst, price, 0.15, 60, 2.0, 8), expiry))
        exchange_token += 1
    spot = Decimal("25300")
    for strike in STRIKES:
        for right in ("CE", "PE"):
            symbol = f"{_monthly('NIFTY', expiry)}{strike}{right}"
            inst = _instrument(f"NFO:{symbol}", AssetClass.OPTION, five, NIFTY_LOT, NFO_HOURS, base=symbol,
                               expiry=expiry, strike=Decimal(strike),
                               right=OptionRight.CALL if right == "CE" else OptionRight.PUT)
            out.append(Listed(exchange_token * 256 + 2, symbol, "NIFTY", "NFO", "NFO-OPT", right, five, NIFTY_LOT,
                              _spec(inst, _option_price(spot, strike, right), 0.6, 40, 1.5, 10), expiry,
                              Decimal(strike)))
            exchange_token += 1
    crude = crude_expiry(today)
    symbol = _monthly("CRUDEOIL", crude) + "FUT"
    one = Decimal(1)
    inst = _instrument(f"MCX:{symbol}", AssetClass.FUTURE, one, 1, MCX_HOURS, base=symbol, expiry=crude, multiplier=100)
    out.append(Listed(472001 * 256 + 7, symbol, "CRUDEOIL", "MCX", "MCX-FUT", "FUT", one, 1,
                      _spec(inst, "5600", 0.35, 40, 1.5, 10), crude, multiplier=100))
    return tuple(out)


def wire_date(day: date | None) -> str:
    return day.isoformat() if day else ""

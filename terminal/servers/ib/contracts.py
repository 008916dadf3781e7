"""What the IB paper server lists, as TWS describes it: a dozen US stocks and ETFs routed SMART, the E-mini S&P 500
futures (Dec 2026 and Mar 2027), the SPX index (data only) and EUR.USD on IDEALPRO; conIds, ticks, multipliers,
exchange hours and the contractDetails/symbolSamples layouts at server version 157."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from terminal.model.enums import AssetClass, OrderType
from terminal.model.hours import REGULAR, WEEKDAYS, Phase, TradingHours, TradingSession
from terminal.model.instrument import Instrument
from terminal.sim.equities import NYSE_HOLIDAYS, US_HOURS
from terminal.sim.symbols import SymbolSpec

from .wire import Fields

TZ_ID = "US/Eastern"
SUN_TO_THU = frozenset({6, 0, 1, 2, 3})
#: CME Globex equity-index futures: 18:00 to 17:00 next day New York time, Sunday evening to Friday
CME_HOURS = TradingHours("America/New_York", (TradingSession(Phase.REGULAR, time(18, 0), time(17, 0), SUN_TO_THU),),
                         NYSE_HOLIDAYS, "ET")
#: IDEALPRO forex: 17:15 to 17:00 next day New York time, Sunday to Friday
FX_HOURS = TradingHours("America/New_York", (TradingSession(Phase.REGULAR, time(17, 15), time(17, 0), SUN_TO_THU),),
                        frozenset(), "ET")
#: the SPX index computes in the regular stock session
INDEX_HOURS = TradingHours("America/New_York", (TradingSession(Phase.REGULAR, time(9, 30), time(16, 0), WEEKDAYS),),
                           NYSE_HOLIDAYS, "ET")
STOCK_ORDER_TYPES = "ACTIVETIM,AD,ADJUST,ALERT,ALLOC,AVGCOST,BASKET,GTC,GTD,IOC,LIT,LMT,LOC,MIT,MKT,MOC,OCA,STP,STP LMT,TRAIL,TRAILLIT,TRAILLMT,WHATIF"
FUT_ORDER_TYPES = "ACTIVETIM,ADJUST,ALERT,GTC,GTD,IOC,LIT,LMT,MIT,MKT,OCA,STP,STP LMT,TRAIL,TRAILLIT,TRAILLMT,WHATIF"
FX_ORDER_TYPES = "ACTIVETIM,ADJUST,ALERT,GTC,GTD,IOC,LMT,MKT,OCA,STP,STP LMT,TRAIL,TRAILLMT,WHATIF"


@dataclass(frozen=True, slots=True)
class Listed:
    """One contract: its TWS description and the simulated market behind it (``key`` names it in the engine)."""

    con_id: int
    symbol: str
    sec_type: str  # STK | FUT | IND | CASH
    exchange: str  # SMART, CME, CBOE, IDEALPRO
    primary: str
    currency: str
    local_symbol: str
    trading_class: str
    long_name: str
    spec: SymbolSpec
    hours: TradingHours
    liquid: TradingHours
    multiplier: str = ""
    last_trade: str = ""  # yyyymmdd for futures
    contract_month: str = ""
    industry: str = ""
    category: str = ""
    order_types: str = STOCK_ORDER_TYPES

    @property
    def key(self) -> str:
        return self.spec.instrument.symbol

    @property
    def tick(self) -> Decimal:
        return self.spec.instrument.tick_size

    @property
    def mult(self) -> Decimal:
        return Decimal(self.multiplier or 1)

    @property
    def tradable(self) -> bool:
        return self.sec_type != "IND"

    @property
    def valid_exchanges(self) -> str:
        if self.exchange == "SMART":
            return ",".join(dict.fromkeys(("SMART", self.primary, "ARCA", "BATS", "IEX")))
        return self.exchange

    def c_block(self, *, primary: bool = False) -> list[object]:
        """The contract fields conId..tradingClass as openOrder/execDetails/position carry them (with primaryExchange
        instead of exchange for updatePortfolio)."""
        return [self.con_id, self.symbol, self.sec_type, self.last_trade, "0.0", "", self.multiplier,
                self.primary if primary else self.exchange, self.currency, self.local_symbol, self.trading_class]


def _instrument(key: str, base: str, quote: str, tick: str, asset: AssetClass, exchange: str, hours: TradingHours, *,
                step: str = "1", multiplier: str = "1", expiry: date | None = None) -> Instrument:
    tick_d, step_d = Decimal(tick), Decimal(step)
    return Instrument(
        symbol=key, base_asset=base, quote_asset=quote, tick_size=tick_d, min_price=tick_d,
        max_price=Decimal("10000000"), step_size=step_d, min_qty=step_d, max_qty=Decimal("100000000"),
        min_notional=Decimal(0), max_notional=Decimal(0), base_precision=0, quote_precision=8,
        order_types=frozenset(OrderType), asset_class=asset, exchange=exchange, multiplier=Decimal(multiplier),
        expiry=expiry, hours=hours)


def _spec(inst: Instrument, price: str, vol: float, volume: str, rate: float, size: str) -> SymbolSpec:
    return SymbolSpec(instrument=inst, start_price=Decimal(price), volatility=vol, base_volume=Decimal(volume),
                      trade_rate=rate, quote_size=Decimal(size))


STOCKS = (  # symbol, conId, primary, price, vol, long name, industry, category
    ("AAPL", 265598, "NASDAQ", "230.00", 0.28, "APPLE INC", "Technology", "Computers"),
    ("MSFT", 272093, "NASDAQ", "480.00", 0.25, "MICROSOFT CORP", "Technology", "Software"),
    ("NVDA", 4815747, "NASDAQ", "180.00", 0.50, "NVIDIA CORP", "Technology", "Semiconductors"),
    ("AMZN", 3691937, "NASDAQ", "220.00", 0.33, "AMAZON.COM INC", "Communications", "Internet"),
    ("GOOGL", 208813719, "NASDAQ", "190.00", 0.30, "ALPHABET INC-CL A", "Communications", "Internet"),
    ("META", 107113386, "NASDAQ", "700.00", 0.38, "META PLATFORMS INC-CLASS A", "Communications", "Internet"),
    ("TSLA", 76792991, "NASDAQ", "330.00", 0.60, "TESLA INC", "Consumer, Cyclical", "Auto Manufacturers"),
    ("JPM", 1520593, "NYSE", "290.00", 0.22, "JPMORGAN CHASE & CO", "Financial", "Banks"),
    ("XOM", 13977, "NYSE", "115.00", 0.24, "EXXON MOBIL CORP", "Energy", "Oil&Gas"),
    ("KO", 8894, "NYSE", "70.00", 0.15, "COCA-COLA CO/THE", "Consumer, Non-cyclical", "Beverages"),
    ("SPY", 756733, "ARCA", "650.00", 0.16, "SPDR S&P 500 ETF TRUST", "Funds", "Equity Fund"),
    ("QQQ", 320227571, "NASDAQ", "570.00", 0.20, "INVESCO QQQ TRUST SERIES 1", "Funds", "Equity Fund"),
)
FUTURES = (  # local symbol, conId, last trade date, price
    ("ESZ6", 649180695, date(2026, 12, 18), "6700.00"),
    ("ESH7", 674606321, date(2027, 3, 19), "6760.00"),
)


def listing() -> tuple[Listed, ...]:
    out: list[Listed] = []
    for sym, con_id, primary, price, vol, name, industry, category in STOCKS:
        inst = _instrument(sym, sym, "USD", "0.01", AssetClass.EQUITY, primary, US_HOURS)
        out.append(Listed(con_id, sym, "STK", "SMART", primary, "USD", sym, "NMS" if primary == "NASDAQ" else sym,
                          name, _spec(inst, price, vol, "20000", 4.0, "300"), US_HOURS, US_HOURS,
                          industry=industry, category=category))
    for local, con_id, expiry, price in FUTURES:
        inst = _instrument(local, local, "USD", "0.25", AssetClass.FUTURE, "CME", CME_HOURS, multiplier="50",
                           expiry=expiry)
        out.append(Listed(con_id, "ES", "FUT", "CME", "CME", "USD", local, "ES", "E-mini S&P 500",
                          _spec(inst, price, 0.16, "400", 3.0, "20"), CME_HOURS, INDEX_HOURS, multiplier="50",
                          last_trade=f"{expiry:%Y%m%d}", contract_month=f"{expiry:%Y%m}", order_types=FUT_ORDER_TYPES))
    spx = _instrument("SPX", "SPX", "USD", "0.01", AssetClass.INDEX, "CBOE", INDEX_HOURS)
    out.append(Listed(416904, "SPX", "IND", "CBOE", "CBOE", "USD", "SPX", "SPX", "S&P 500 Stock Index",
                      _spec(spx, "6690.00", 0.15, "100", 2.0, "10"), INDEX_HOURS, INDEX_HOURS, order_types=""))
    fx = _instrument("EUR.USD", "EUR", "USD", "0.00005", AssetClass.FOREX, "IDEALPRO", FX_HOURS)
    out.append(Listed(12087792, "EUR", "CASH", "IDEALPRO", "IDEALPRO", "USD", "EUR.USD", "EUR.USD",
                      "European Monetary Union Euro", _spec(fx, "1.16000", 0.07, "2000000", 3.0, "1000000"),
                      FX_HOURS, FX_HOURS, order_types=FX_ORDER_TYPES))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Query:
    """The 12-field contract block of a request."""

    con_id: int
    symbol: str
    sec_type: str
    last_trade: str
    multiplier: str
    exchange: str
    primary: str
    currency: str
    local_symbol: str
    trading_class: str

    @classmethod
    def read(cls, f: Fields) -> "Query":
        con_id = f.int()
        symbol, sec_type, last_trade = f.str(), f.str(), f.str()
        f.str()  # strike
        f.str()  # right
        multiplier, exchange, primary, currency, local, tclass = (f.str() for _ in range(6))
        return cls(con_id, symbol.strip().upper(), sec_type.strip().upper(), last_trade.strip(), multiplier.strip(),
                   exchange.strip().upper(), primary.strip().upper(), currency.strip().upper(), local.strip().upper(),
                   tclass.strip().upper())


def matches(item: Listed, q: Query) -> bool:
    if q.con_id:
        return item.con_id == q.con_id
    if q.sec_type and q.sec_type != item.sec_type:
        return False
    if q.local_symbol and q.local_symbol.replace(" ", "") != item.local_symbol:
        return False
    if q.symbol and q.symbol != item.symbol and not (item.sec_type == "CASH" and q.symbol == item.local_symbol):
        return False
    if not q.symbol and not q.local_symbol:
        return False
    if q.currency and q.currency != item.currency:
        return False
    if q.exchange and q.exchange not in item.valid_exchanges.split(","):
        return False
    if q.last_trade and not item.last_trade.startswith(q.last_trade[:8]):
        return False
    if q.multiplier and item.multiplier and Decimal(q.multiplier) != item.mult:
        return False
    if q.trading_class and q.trading_class != item.trading_class:
        return False
    return True


def hours_text(hours: TradingHours, now_ms: int, always_open: bool, phases: frozenset[Phase] = REGULAR,
               days: int = 7) -> str:
    """``20240105:0930-20240105:1600;20240106:CLOSED`` for ``days`` local days from today (New York time): sessions
    by the day they start (an overnight one still running today first), a day that none covers is CLOSED."""
    zone = hours.zone
    today = datetime.fromtimestamp(now_ms / 1000, timezone.utc).astimezone(zone).date()
    if always_open:
        return ";".join(f"{d:%Y%m%d}:0000-{d:%Y%m%d}:2359" for d in (today + timedelta(days=i) for i in range(days)))
    day_start = int(datetime.combine(today, time(0, 0), tzinfo=zone).timestamp() * 1000)
    merged: list[list[int]] = []
    for start, end, sess in hours._windows(today - timedelta(days=1), days + 1):
        if sess.phase not in phases or end <= day_start:
            continue
        if merged and merged[-1][1] == start:
            merged[-1][1] = end  # pre-market, regular and after-hours as one trading day
        else:
            merged.append([start, end])

    def local(ms: int) -> datetime:
        return datetime.fromtimestamp(ms / 1000, timezone.utc).astimezone(zone)

    parts: list[str] = []
    for i in range(days):
        day = today + timedelta(days=i)
        starting = [w for w in merged if local(w[0]).date() == day or (i == 0 and w[0] < day_start)]
        covered = any(local(w[0]).date() <= day <= local(w[1]).date() for w in merged)
        if not starting and not covered:
            parts.append(f"{day:%Y%m%d}:CLOSED")
        parts += [f"{local(a):%Y%m%d:%H%M}-{local(b):%Y%m%d:%H%M}" for a, b in starting]
    return ";".join(parts)


def details(req_id: int, item: Listed, now_ms: int, always_open: bool) -> list[object]:
    """contractDetails (10) at server version 157."""
    extended = frozenset(Phase) if item.sec_type == "STK" else REGULAR
    return [10, 8, req_id, item.symbol, item.sec_type, item.last_trade, "0", "", item.exchange, item.currency,
            item.local_symbol, item.local_symbol if item.sec_type != "STK" else item.trading_class,
            item.trading_class, item.con_id, item.tick, 1, item.multiplier, item.order_types, item.valid_exchanges,
            1, 0, item.long_name, item.primary, item.contract_month, item.industry, item.category, "", TZ_ID,
            hours_text(item.hours, now_ms, always_open, extended), hours_text(item.liquid, now_ms, always_open),
            "", "", 0,
            1, item.symbol if item.sec_type == "FUT" else "", "IND" if item.sec_type == "FUT" else "", "26",
            item.last_trade, "COMMON" if item.sec_type == "STK" else ""]


def search(items: tuple[Listed, ...], pattern: str) -> list[Listed]:
    """reqMatchingSymbols: symbol prefix first, then long names containing the pattern (at most 16)."""
    p = pattern.strip().upper()
    if not p:
        return []
    first = [i for i in items if i.symbol.startswith(p) or i.local_symbol.startswith(p)]
    more = [i for i in items if i not in first and p in i.long_name.upper()]
    seen: dict[str, Listed] = {}
    for item in first + more:  # one sample per underlying (futures appear as derivative types)
        seen.setdefault(item.symbol + item.sec_type, item)
    return list(seen.values())[:16]


def symbol_samples(req_id: int, items: list[Listed]) -> list[object]:
    out: list[object] = [79, req_id, len(items)]
    for item in items:
        derivs = ["FUT"] if item.symbol == "ES" else ["OPT"] if item.sec_type == "STK" else []
        out += [item.con_id, item.symbol, item.sec_type, item.primary, item.currency, len(derivs), *derivs]
    return out

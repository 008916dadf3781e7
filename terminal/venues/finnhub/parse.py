"""Pure functions from Finnhub's JSON (decoded with ``parse_float=Decimal``) to model records. No I/O."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Iterable

from ...model import AssetClass, Bar, Instrument, Interval, QuoteTick, Side, Ticker24h, TradeTick
from ...model.hours import TradingHours
from .records import Earnings, Fundamentals, NewsItem, NewsList

NAME = "finnhub"
ZERO = Decimal(0)
#: price increments Finnhub does not publish: US stocks trade in cents, forex in tenths of a pip, crypto finely
TICKS = {AssetClass.EQUITY: Decimal("0.01"), AssetClass.FOREX: Decimal("0.00001"),
         AssetClass.CRYPTO_SPOT: Decimal("0.00000001")}
STEPS = {AssetClass.EQUITY: Decimal(1), AssetClass.FOREX: Decimal(1), AssetClass.CRYPTO_SPOT: Decimal("0.00000001")}


def _dec(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    return d if d.is_finite() else None


def instrument(symbol: str, description: str, asset: AssetClass, *, base: str = "", quote: str = "USD",
               exchange: str = "", hours: TradingHours | None = None) -> Instrument:
    tick, step = TICKS[asset], STEPS[asset]
    return Instrument(symbol=symbol, base_asset=base or symbol, quote_asset=quote, tick_size=tick, min_price=tick,
                      max_price=Decimal("100000000"), step_size=step, min_qty=step, max_qty=Decimal("1000000000"),
                      min_notional=ZERO, max_notional=ZERO, base_precision=8, quote_precision=8,
                      asset_class=asset, exchange=exchange, hours=hours, venue=NAME, description=description,
                      venue_id=symbol)


def stocks(rows: Iterable[dict[str, Any]], hours: TradingHours | None) -> list[Instrument]:
    """``/stock/symbol?exchange=US``."""
    return [instrument(r["symbol"], r.get("description") or r["symbol"], AssetClass.EQUITY,
                       quote=r.get("currency") or "USD", exchange=r.get("mic") or "", hours=hours)
            for r in rows if isinstance(r, dict) and r.get("symbol")]


def pairs(rows: Iterable[dict[str, Any]], asset: AssetClass) -> list[Instrument]:
    """``/forex/symbol`` or ``/crypto/symbol``: ``VENUE:PAIR`` with ``displaySymbol`` ``BASE/QUOTE``."""
    out = []
    for r in rows:
        if not isinstance(r, dict) or not r.get("symbol"):
            continue
        base, _, quote = str(r.get("displaySymbol", "")).partition("/")
        venue = str(r["symbol"]).partition(":")[0]
        out.append(instrument(r["symbol"], r.get("description") or r["symbol"], asset, base=base or r["symbol"],
                              quote=quote or "USD", exchange=venue))
    return out


def quote(symbol: str, body: dict[str, Any], ts_recv: int) -> QuoteTick | None:
    """``/quote`` as an L1 from the last trade (bid = ask = last, no sizes); None for an unknown symbol (zeros)."""
    last, t = _dec(body.get("c")), body.get("t") or 0
    if not last or (last == 0 and not t):
        return None
    return QuoteTick(symbol, last, ZERO, last, ZERO, ts_event=int(t) * 1000, ts_recv=ts_recv)


def ticker(symbol: str, body: dict[str, Any], ts_recv: int) -> Ticker24h | None:
    """``/quote`` as the day's ticker (Finnhub's quote has no volume: 0)."""
    last = _dec(body.get("c"))
    if not last:
        return None
    return Ticker24h(symbol, last, _dec(body.get("o")) or last, _dec(body.get("h")) or last,
                     _dec(body.get("l")) or last, ZERO, ZERO, _dec(body.get("dp")) or ZERO,
                     ts_event=int(body.get("t") or 0) * 1000, ts_recv=ts_recv)


def candles(symbol: str, interval: Interval, body: dict[str, Any], now_ms: int) -> list[Bar]:
    """Parallel arrays -> bars, oldest first; ``no_data`` -> []."""
    if body.get("s") != "ok":
        return []
    cols = [body.get(k) or [] for k in ("t", "o", "h", "l", "c", "v")]
    n = min(len(c) for c in cols)
    out = []
    for t, o, h, low, c, v in zip(*(col[:n] for col in cols)):
        open_ms = int(t) * 1000
        out.append(Bar(symbol, interval, open_ms, _dec(o) or ZERO, _dec(h) or ZERO, _dec(low) or ZERO,
                       _dec(c) or ZERO, _dec(v) or ZERO, closed=open_ms + interval.ms <= now_ms))
    out.sort(key=lambda b: b.open_time)
    return out


def aggregate(bars: list[Bar], interval: Interval, now_ms: int) -> list[Bar]:
    """Bars of a native resolution merged into ``interval`` buckets (epoch-aligned), oldest first."""
    out: list[Bar] = []
    for b in bars:
        start = b.open_time - b.open_time % interval.ms
        if out and out[-1].open_time == start:
            p = out[-1]
            out[-1] = Bar(b.symbol, interval, start, p.open, max(p.high, b.high), min(p.low, b.low), b.close,
                          p.volume + b.volume, closed=start + interval.ms <= now_ms)
        else:
            out.append(Bar(b.symbol, interval, start, b.open, b.high, b.low, b.close, b.volume,
                           closed=start + interval.ms <= now_ms))
    return out


def trades(data: Any, ts_recv: int) -> list[TradeTick]:
    """``{"type":"trade","data":[{"p","s","t","v","c"}]}``'s data. Finnhub gives no aggressor side: BUY."""
    out = []
    for i, d in enumerate(data):
        price, qty = _dec(d["p"]), _dec(d.get("v")) or ZERO
        if price is None or price <= 0:
            raise ValueError(f"bad trade price {d.get('p')!r}")
        out.append(TradeTick(str(d["s"]), price, qty, int(d["t"]) * 1000 + i, Side.BUY, ts_event=int(d["t"]),
                             ts_recv=ts_recv))
    return out


def news(rows: Any) -> NewsList:
    out = NewsList()
    for r in rows if isinstance(rows, list) else []:
        if not isinstance(r, dict) or "id" not in r:
            continue
        out.append(NewsItem(int(r["id"]), int(r.get("datetime") or 0) * 1000, str(r.get("headline") or ""),
                            str(r.get("source") or ""), str(r.get("summary") or ""), str(r.get("url") or ""),
                            str(r.get("related") or ""), str(r.get("category") or "")))
    out.sort(key=lambda n: (n.ts_event, n.id), reverse=True)
    return out


def _millions(value: Any) -> Decimal | None:
    d = _dec(value)
    return None if d is None else d * 1_000_000


def next_earnings(rows: Any, today: date) -> Earnings | None:
    upcoming = sorted((r for r in rows if isinstance(r, dict) and str(r.get("date", "")) >= today.isoformat()),
                      key=lambda r: r["date"])
    if not upcoming:
        return None
    r = upcoming[0]
    return Earnings(str(r["date"]), str(r.get("hour") or ""), int(r.get("quarter") or 0), int(r.get("year") or 0),
                    _dec(r.get("epsEstimate")), _dec(r.get("epsActual")), _dec(r.get("revenueEstimate")),
                    _dec(r.get("revenueActual")))


def fundamentals(symbol: str, profile: dict[str, Any], metric: dict[str, Any], earnings: dict[str, Any],
                 today: date) -> Fundamentals:
    raw = metric.get("metric")
    m: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return Fundamentals(
        symbol=symbol, name=str(profile.get("name") or ""), exchange=str(profile.get("exchange") or ""),
        industry=str(profile.get("finnhubIndustry") or ""), country=str(profile.get("country") or ""),
        currency=str(profile.get("currency") or ""), ipo=str(profile.get("ipo") or ""),
        weburl=str(profile.get("weburl") or ""),
        market_cap=_millions(profile.get("marketCapitalization", m.get("marketCapitalization"))),
        shares_outstanding=_millions(profile.get("shareOutstanding")), pe_ttm=_dec(m.get("peTTM")),
        eps_ttm=_dec(m.get("epsTTM")), beta=_dec(m.get("beta")),
        dividend_yield_pct=_dec(m.get("dividendYieldIndicatedAnnual")), high_52w=_dec(m.get("52WeekHigh")),
        low_52w=_dec(m.get("52WeekLow")),
        next_earnings=next_earnings(earnings.get("earningsCalendar") or [], today), metrics=dict(m))


def utc_date(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).date()

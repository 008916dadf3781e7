"""Pure mapping of IB contracts and contract details onto the multi-asset ``Instrument`` (no I/O).

Keys (``instrument_key``): stocks and indices by symbol, futures/options by local symbol without spaces (``ESZ6``),
forex as ``EUR.USD``. Trading hours come from ``liquidHours`` (the regular session) and ``tradingHours`` (the whole
trading day: what lies before the regular session is pre-open, what lies after it post-market) in ``timeZoneId``;
each weekday takes the first session seen for it; a listed ``CLOSED`` day from Monday to Friday is a holiday (its
weekday keeps the usual session when the listing shows none other for it).
"""
from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from ...model import AssetClass, Instrument, OrderType
from ...model.enums import OptionRight
from ...model.hours import Phase, TradingHours, TradingSession
from ...model.numbers import decimals_of
from .enums import ORDER_TYPE_FROM_WIRE, SEC_TYPE_FROM_WIRE, ZONE_LABEL

ONE = Decimal(1)
UNSET_FLOAT = 1.7976931348623157e308


def decimal(value: Any, default: Decimal | None = None) -> Decimal | None:
    """A float/str from ib_async as a Decimal through its shortest text (never the binary expansion); None/unset/NaN
    -> ``default``."""
    if value is None or value == "":
        return default
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value) or value >= UNSET_FLOAT:
            return default
        value = repr(value)
    try:
        out = Decimal(str(value))
    except InvalidOperation:
        return default
    return out if out.is_finite() else default


def quantity(value: Any) -> Decimal:
    """A quantity from ib_async (a float such as 10.0) as a Decimal without a spurious fraction (``10``)."""
    out = decimal(value, Decimal(0)) or Decimal(0)
    return out.quantize(ONE) if out == out.to_integral_value() else out.normalize()


def instrument_key(contract: Any) -> str:
    """The stable, unique symbol of an IB contract (see the module doc)."""
    sec = contract.secType
    if sec == "CASH":
        return f"{contract.symbol}.{contract.currency}"
    if sec in ("FUT", "OPT", "FOP") and contract.localSymbol:
        return str(contract.localSymbol).replace(" ", "")
    return str(contract.symbol)


def _expiry(text: str) -> date | None:
    text = (text or "").replace("-", " ").split(" ")[0]
    try:
        if len(text) == 8:
            return datetime.strptime(text, "%Y%m%d").date()
        if len(text) == 6:
            return datetime.strptime(text + "01", "%Y%m%d").date()
    except ValueError:
        return None
    return None


def _hhmm(text: str) -> time:
    return time(int(text[:2]), int(text[2:4]))


def _sessions(text: str) -> tuple[list[tuple[date, time, time]], set[date]]:
    """``20240105:0930-20240105:1600;20240106:CLOSED`` -> [(day, start, end)], {closed days}."""
    out: list[tuple[date, time, time]] = []
    closed: set[date] = set()
    for part in (text or "").split(";"):
        part = part.strip()
        if not part:
            continue
        try:
            if part.endswith(":CLOSED"):
                closed.add(datetime.strptime(part[:8], "%Y%m%d").date())
                continue
            start, _, end = part.partition("-")
            day = datetime.strptime(start[:8], "%Y%m%d").date()
            out.append((day, _hhmm(start[9:13]), _hhmm(end[9:13])))
        except (ValueError, IndexError):
            continue  # one malformed entry must not hide the others
    return out, closed


def trading_hours(time_zone: str, trading: str, liquid: str) -> TradingHours | None:
    """``TradingHours`` from IB's tradingHours/liquidHours strings (None when there is nothing usable)."""
    regular, closed = _sessions(liquid or trading)
    whole, closed_too = _sessions(trading)
    closed |= closed_too
    if not regular or not time_zone:
        return None
    by_day: dict[int, tuple[time, time]] = {}
    for day, start, end in regular:
        by_day.setdefault(day.weekday(), (start, end))
    extended: dict[int, tuple[time, time]] = {}
    for day, start, end in whole:
        extended.setdefault(day.weekday(), (start, end))
    # a weekday listed only as CLOSED (Christmas on a Friday) runs the usual session on other weeks
    common = Counter(by_day.values()).most_common(1)[0][0]
    common_ext = Counter(extended.values()).most_common(1)[0][0] if extended else None
    for day in sorted(closed):
        if day.weekday() < 5 and day.weekday() not in by_day:
            by_day[day.weekday()] = common
            if common_ext is not None:
                extended.setdefault(day.weekday(), common_ext)
    sessions: list[TradingSession] = []
    for key in sorted({(s, e) for s, e in by_day.values()}):
        days = frozenset(d for d, v in by_day.items() if v == key)
        sessions.append(TradingSession(Phase.REGULAR, key[0], key[1], days))
        for d in sorted(days):
            if d not in extended:
                continue
            xs, xe = extended[d]
            if key[1] > key[0] and xe > xs:  # extended phases only for sessions within one day
                if xs < key[0]:
                    sessions.append(TradingSession(Phase.PRE_OPEN, xs, key[0], frozenset({d})))
                if xe > key[1]:
                    sessions.append(TradingSession(Phase.POST, key[1], xe, frozenset({d})))
    holidays = frozenset(d for d in closed if d.weekday() in by_day)
    try:
        return TradingHours(time_zone, tuple(sessions), holidays, label=ZONE_LABEL.get(time_zone))
    except ValueError:
        return None


def _order_types(text: str) -> frozenset[OrderType]:
    found = {ORDER_TYPE_FROM_WIRE[t] for t in (text or "").split(",") if t in ORDER_TYPE_FROM_WIRE}
    return frozenset(found) if found else frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_LOSS,
                                                    OrderType.STOP_LOSS_LIMIT})


def instrument(details: Any, venue: str) -> Instrument | None:
    """An ``Instrument`` from an ib_async ``ContractDetails`` (None for a security type we do not model)."""
    c = details.contract
    asset_class = SEC_TYPE_FROM_WIRE.get(c.secType)
    if asset_class is None or c is None:
        return None
    tick = decimal(details.minTick, Decimal("0.01")) or Decimal("0.01")
    multiplier = decimal(c.multiplier, ONE) or ONE
    if multiplier <= 0:
        multiplier = ONE
    expiry = _expiry(c.lastTradeDateOrContractMonth or details.contractMonth or "")
    if asset_class in (AssetClass.FUTURE, AssetClass.OPTION) and expiry is None:
        return None
    strike = decimal(c.strike) if asset_class is AssetClass.OPTION else None
    right = {"C": OptionRight.CALL, "P": OptionRight.PUT}.get(str(c.right)[:1]) if c.right else None
    if asset_class is AssetClass.FOREX:
        base, step, min_qty = c.symbol, ONE, ONE  # IDEALPRO: whole units of the base currency (odd lots allowed)
    else:
        base, step, min_qty = c.symbol, ONE, ONE  # stocks: shares; futures/options: contracts
    exchange = (c.primaryExchange or c.exchange) if asset_class is AssetClass.EQUITY else c.exchange
    if asset_class is AssetClass.FUTURE:
        description = details.longName or c.symbol
    else:
        description = details.longName or ""
    return Instrument(
        symbol=instrument_key(c), base_asset=base, quote_asset=c.currency or "USD", tick_size=tick,
        step_size=step, min_qty=min_qty, base_precision=0, quote_precision=decimals_of(tick),
        status="TRADING" if asset_class is not AssetClass.INDEX else "INDEX",
        order_types=_order_types(details.orderTypes), quote_order_qty_market_allowed=False,
        venue=venue, asset_class=asset_class, exchange=exchange or "", multiplier=multiplier, expiry=expiry,
        strike=strike, right=right, hours=trading_hours(details.timeZoneId, details.tradingHours,
                                                           details.liquidHours),
        description=description, venue_id=str(c.conId or ""))


def unique(details: Iterable[Any]) -> list[Any]:
    """Contract details without repeats (by conId), in order."""
    seen: set[int] = set()
    out = []
    for d in details:
        if d.contract is not None and d.contract.conId not in seen:
            seen.add(d.contract.conId)
            out.append(d)
    return out

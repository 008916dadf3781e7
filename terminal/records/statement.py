"""The daily statement: per UTC day and quote asset, opening and closing equity, realised and unrealised P&L, fees
and turnover, from the journal's fills (average cost, as the positions blotter).

Equity here is what the fills and the transfers explain: ``capital`` (what the account held in that quote asset
before the first fill and transfer given) plus the deposits less the withdrawals so far (``transfers``: the balance
changes the venue reported that were not trades, ``records.transfers``) plus the realised P&L so far plus the
unrealised P&L of the open quantity at the day's closing price. A day's ``pnl`` is its equity change less its
transfers: money moved in or out is never read as money made. A transfer of an asset that is no traded quote gets
rows of its own (that asset's equity is then just its transfers). Realised P&L is net of the fees (``Ledger``); the fees column says how much
of it they were. Closing prices come from ``price_at(symbol, ts_ms)`` (e.g. the history cache's daily bars), else
the last fill price at or before the close.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Mapping

from ..model import ZERO, Fill, Instrument
from ..model.events import BalanceChanged
from ..oms.position import Ledger
from .tables import realised_fills

DAY_MS = 86_400_000
PriceAt = Callable[[str, int], "Decimal | None"]

STATEMENT_COLUMNS = ["date", "quote", "opening_equity", "transfers", "realised_pnl", "unrealised_pnl", "pnl", "fees",
                     "turnover", "closing_equity", "fills"]


@dataclass(frozen=True, slots=True)
class DayRow:
    date: str
    quote: str
    opening_equity: Decimal
    realised_pnl: Decimal
    unrealised_pnl: Decimal  # at the day's close, of what was still open
    fees: Decimal  # in the quote asset (included in realised_pnl)
    turnover: Decimal  # traded value in the quote asset
    closing_equity: Decimal
    fills: int
    transfers: Decimal = ZERO  # deposits less withdrawals of the day (in equity, never in P&L)
    pnl: Decimal = ZERO  # closing less opening equity less transfers: realised + the change in unrealised

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _day(ts_ms: int) -> int:
    return ts_ms - ts_ms % DAY_MS


def _unrealised(ledgers: Mapping[str, Ledger], quote: str, close_ms: int, price_at: PriceAt,
                last_fill: Mapping[str, Decimal]) -> Decimal:
    total = ZERO
    for sym, lg in ledgers.items():
        if lg.quote != quote or not lg.qty:
            continue
        price = price_at(sym, close_ms) or last_fill.get(sym)
        if price is not None:
            total += (price * lg.qty - lg.cost) * lg.multiplier
    return total


def daily_statement(fills: list[Fill], start_ms: int | None = None, end_ms: int | None = None, *,
                    instruments: Mapping[str, Instrument] | None = None, price_at: PriceAt | None = None,
                    capital: Mapping[str, Decimal] | None = None,
                    transfers: list[BalanceChanged] | None = None) -> list[DayRow]:
    """One row per UTC day in [start, end] (default: the days with fills or transfers) and quote asset traded (or
    transferred)."""
    applied = realised_fills(fills, instruments)
    moved = sorted(transfers or [], key=lambda t: t.ts_event)
    if not applied and not moved:
        return []
    price_at = price_at or (lambda symbol, ts: None)
    times = [a[0].ts_event for a in applied] + [t.ts_event for t in moved]
    first = _day(start_ms if start_ms is not None else min(times))
    last = _day(end_ms if end_ms is not None else max(times))
    quotes = sorted({lg.quote for _, lg, _, _ in applied} | {t.asset for t in moved})
    cum_moved = {q: ZERO for q in quotes}
    j = 0

    def move_until(t_ms: int) -> dict[str, Decimal]:
        nonlocal j
        out = {q: ZERO for q in quotes}
        while j < len(moved) and moved[j].ts_event < t_ms:
            out[moved[j].asset] += moved[j].delta
            cum_moved[moved[j].asset] += moved[j].delta
            j += 1
        return out
    ledgers: dict[str, Ledger] = {}
    cum_realised = {q: ZERO for q in quotes}
    last_fill: dict[str, Decimal] = {}
    i = 0

    def take_until(t_ms: int) -> list[tuple[Fill, Ledger, Decimal, Decimal]]:
        nonlocal i
        out = []
        while i < len(applied) and applied[i][0].ts_event < t_ms:
            f, lg, realised, fee = applied[i]
            # a snapshot of the ledger as this fill left it is not kept: the state is re-applied in order
            ledgers.setdefault(f.symbol, _copy_empty(lg))
            ledgers[f.symbol].apply(f)
            last_fill[f.symbol] = f.price
            cum_realised[lg.quote] += realised
            out.append(applied[i])
            i += 1
        return out

    take_until(first)
    move_until(first)
    cap = {q: (capital or {}).get(q, ZERO) for q in quotes}
    opening = {q: cap[q] + cum_moved[q] + cum_realised[q] + _unrealised(ledgers, q, first - 1, price_at, last_fill)
               for q in quotes}
    rows: list[DayRow] = []
    for day in range(first, last + 1, DAY_MS):
        today = take_until(day + DAY_MS)
        moved_today = move_until(day + DAY_MS)
        date = datetime.fromtimestamp(day / 1000, tz=timezone.utc).date().isoformat()
        for q in quotes:
            mine = [a for a in today if a[1].quote == q]
            unrealised = _unrealised(ledgers, q, day + DAY_MS - 1, price_at, last_fill)
            closing = cap[q] + cum_moved[q] + cum_realised[q] + unrealised
            rows.append(DayRow(date, q, opening[q], sum((a[2] for a in mine), ZERO), unrealised,
                               sum((a[3] for a in mine), ZERO), sum((a[0].quote_qty for a in mine), ZERO), closing,
                               len(mine), moved_today[q], closing - opening[q] - moved_today[q]))
            opening[q] = closing
    return rows


def _copy_empty(lg: Ledger) -> Ledger:
    return Ledger(lg.base, lg.quote, lg.multiplier)

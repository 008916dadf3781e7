"""What the chart header and the ticket say about an instrument's market beside its prices: "market closed, opens
09:30 ET" when its regular session is not running (``TradingHours.closed_phrase``) and "delayed" when its venue
gives delayed quotes (IB without a market-data subscription: ``venue.is_delayed(symbol)``). Plain Python."""
from __future__ import annotations

from typing import Any

from .. import model as m

DELAYED = "delayed"


def closed_note(ins: m.Instrument | None, now_ms: int) -> str:
    """"market closed, opens 09:30 ET" while the instrument's regular session is shut; "" when open or without
    hours (crypto)."""
    if ins is None or ins.hours is None or ins.hours.is_open(now_ms):
        return ""
    return ins.hours.closed_phrase(now_ms)


def is_delayed(venue: Any, symbol: str) -> bool:
    """Whether ``venue`` (an adapter) says its quotes of ``symbol`` (the venue's own symbol) are delayed."""
    check = getattr(venue, "is_delayed", None)
    if check is None:
        return False
    try:
        return bool(check(symbol))
    except Exception:  # advisory: an adapter that cannot tell is not delayed
        return False


def market_notes(ins: m.Instrument | None, now_ms: int, delayed: bool) -> list[str]:
    """The notes to show, in order (closed first)."""
    notes = [closed_note(ins, now_ms)]
    if delayed:
        notes.append(DELAYED)
    return [n for n in notes if n]

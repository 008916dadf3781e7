"""Deposits as seen: the balance changes a venue reported that were not trades (Binance's ``balanceUpdate``: deposits,
withdrawals, transfers), as the session journaled them (``Journal.transfers``), as rows and exports.

Only what the user stream reported while a session was connected is here: a deposit made while the terminal was
closed is not seen (the venue's deposit history needs a wallet permission the terminal does not ask for).
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from ..model.events import BalanceChanged
from ..storage.journal import Journal
from .export import date_range, write_table
from .tables import iso

TRANSFER_COLUMNS = ["time", "venue", "asset", "amount", "kind", "event_id"]
DEPOSIT, WITHDRAWAL = "deposit", "withdrawal"


def kind(change: BalanceChanged) -> str:
    return DEPOSIT if change.delta >= 0 else WITHDRAWAL


def transfer_rows(journal: Journal, venue: str = "", start_ms: int | None = None, end_ms: int | None = None,
                  asset: str | None = None) -> list[dict[str, Any]]:
    """One row per transfer: time (venue's, UTC), venue, asset, signed amount (exact Decimal), kind."""
    return [{"time": iso(t.ts_event), "venue": venue, "asset": t.asset, "amount": t.delta, "kind": kind(t),
             "event_id": t.event_id} for t in journal.transfers(asset, start_ms, end_ms)]


def net_transfers(changes: list[BalanceChanged]) -> dict[str, Decimal]:
    """asset -> deposits minus withdrawals."""
    out: dict[str, Decimal] = {}
    for t in changes:
        out[t.asset] = out.get(t.asset, Decimal(0)) + t.delta
    return out


def export_transfers(journal: Journal, venue: str, start: Any, end: Any, path: str | Path, *,
                     asset: str | None = None) -> int:
    """The deposits and withdrawals of ``[start, end]`` as CSV or XLSX. Returns the rows written."""
    start_ms, end_ms = date_range(start, end)
    rows = transfer_rows(journal, venue, start_ms, end_ms, asset)
    write_table(rows, TRANSFER_COLUMNS, path)
    return len(rows)

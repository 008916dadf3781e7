"""Account figures of the venues that report them, one row per figure: IB's account summary (net liquidation, cash,
buying power, initial and maintenance margin, available funds, the day's P&L) and Kite's margins (net, cash, margin
used, SPAN, exposure). Pure mapping functions (``ib_rows``, ``kite_rows``) turn what the adapters return into rows;
the model is a thin table over them.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Hashable, Mapping

from .. import format as f
from .orders import VENUE
from .table import LEFT, Column, RowTableModel

#: IB's account summary tags, in the order shown, with their names
IB_FIGURES = (("NetLiquidation", "Net liquidation"), ("TotalCashValue", "Cash"), ("BuyingPower", "Buying power"),
              ("InitMarginReq", "Initial margin"), ("MaintMarginReq", "Maintenance margin"),
              ("AvailableFunds", "Available funds"), ("DailyPnL", "P&L today"))
#: Kite's margins per segment: (path in the block, name)
KITE_FIGURES = ((("net",), "Net (available)"), (("available", "cash"), "Cash"),
                (("utilised", "debits"), "Margin used"), (("utilised", "span"), "SPAN margin"),
                (("utilised", "exposure"), "Exposure margin"), (("utilised", "m2m_unrealised"), "Unrealised M2M"))


@dataclass(frozen=True, slots=True)
class Figure:
    venue: str
    name: str
    value: Decimal
    currency: str
    group: str = ""  # Kite's segment ("equity", "commodity"); "" for IB


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def ib_rows(venue: str, summary: Mapping[str, Any]) -> list[Figure]:
    """IB's ``account_summary()`` (Decimals by tag, with ``currency``) -> the figures it has, in order."""
    currency = str(summary.get("currency") or "")
    out = []
    for tag, name in IB_FIGURES:
        value = _dec(summary.get(tag))
        if value is not None:
            out.append(Figure(venue, name, value, currency))
    return out


def kite_rows(venue: str, margins: Mapping[str, Any], currency: str = "INR") -> list[Figure]:
    """Kite's ``margins()`` (``{"equity": {...}, "commodity": {...}}``) -> the figures of each enabled segment."""
    out = []
    for segment in ("equity", "commodity"):
        block = margins.get(segment)
        if not isinstance(block, Mapping) or (segment != "equity" and not block.get("enabled")):
            continue
        for path, name in KITE_FIGURES:
            node: Any = block
            for part in path:
                node = node.get(part) if isinstance(node, Mapping) else None
            value = _dec(node)
            if value is not None:
                out.append(Figure(venue, name, value, currency, segment))
    return out


class AccountModel(RowTableModel[Figure]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = [
            Column(VENUE, lambda r: r.venue, LEFT, width=6),
            Column("Segment", lambda r: r.group, LEFT, width=8, tip="Kite's segment (equity or commodity)"),
            Column("Figure", lambda r: r.name, LEFT, width=16),
            Column("Value", lambda r: f.amount(r.value), raw=lambda r: r.value, width=14,
                   color=lambda r: ("down" if r.value < 0 else "up") if r.name in ("P&L today", "Unrealised M2M")
                   and r.value else None),
            Column("Ccy", lambda r: r.currency, LEFT, width=4),
        ]

    def key(self, row: Figure) -> Hashable:
        return (row.venue, row.group, row.name)

    def set_venue_rows(self, venue: str, rows: list[Figure]) -> None:
        """Replace one venue's figures (the others stay)."""
        keep = [r for r in self.all_rows() if r.venue != venue]
        if [self.key(r) for r in self.all_rows() if r.venue == venue] == [self.key(r) for r in rows]:
            for r in rows:
                self.put(r)  # same figures: values change in place (dataChanged on flush)
            return
        self.reset([*keep, *rows])

    def value(self, venue: str, name: str, group: str = "") -> Decimal | None:
        row = self.lookup((venue, group, name))
        return row.value if row is not None else None

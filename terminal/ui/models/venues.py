"""The Venues tab: one row per connected venue (its connection, its equity in its own currency and in the reference
currency) and a total row. Fed from ``Workspace.equity()`` and the workspace's connection states."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Hashable

from .assets import AssetFormat
from .table import LEFT, Column, RowTableModel

if TYPE_CHECKING:  # (the session is imported after the window's first paint)
    from ...session.workspace import WorkspaceEquity

TOTAL = "Total"


@dataclass(frozen=True, slots=True)
class VenueRow:
    venue: str
    environment: str
    connection: str  # "connected", "reconnecting market", ...
    currency: str
    native: Decimal | None
    value: Decimal | None
    reference: str
    note: str = ""


class VenuesModel(RowTableModel[VenueRow]):
    def __init__(self, parent: Any = None, assets: AssetFormat | None = None) -> None:
        super().__init__(parent)
        a = self.assets = assets or AssetFormat()
        self.fx_note = ""
        self.columns = [
            Column("Venue", lambda r: r.venue, LEFT, width=8),
            Column("Environment", lambda r: r.environment, LEFT, width=8),
            Column("Connection", lambda r: r.connection, LEFT, width=12,
                   color=lambda r: None if r.connection in ("connected", "") else "down"),
            Column("Equity", lambda r: a.amount(r.native, r.currency, unit=True) if r.native is not None else "",
                   raw=lambda r: r.native, width=14, tip="In the currency the venue's account is valued in"),
            Column("Equity (ref)", lambda r: a.amount(r.value, r.reference, unit=True), raw=lambda r: r.value,
                   width=14, tip="In the reference currency, converted with the FX table where needed"),
            Column("Note", lambda r: r.note, LEFT, width=24),
        ]

    def key(self, row: VenueRow) -> Hashable:
        return row.venue

    def update(self, equity: WorkspaceEquity, environments: dict[str, str], connections: dict[str, str]) -> None:
        rows: list[VenueRow] = []
        for name, eq in equity.venues.items():
            notes = []
            if eq.unpriced:
                notes.append(f"no price yet: {', '.join(eq.unpriced)}")
            if eq.currency != equity.reference and eq.value is not None:
                notes.append(f"converted {eq.currency}→{equity.reference}")
            rows.append(VenueRow(name, environments.get(name, ""), connections.get(name, ""), eq.currency, eq.native,
                                 eq.value, equity.reference, "; ".join(notes)))
        incomplete = equity.incomplete
        rows.append(VenueRow(TOTAL, "", "", equity.reference, None, equity.total, equity.reference,
                             ("* leaves out: " + ", ".join(incomplete)) if incomplete else self.fx_note))
        for r in rows:
            if self.lookup(r.venue) != r:
                self.put(r)

    def row_of(self, venue: str) -> VenueRow | None:
        return self.lookup(venue)

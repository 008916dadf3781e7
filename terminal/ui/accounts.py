"""What brokers report beyond balances, in the window: the account figures (IB's account summary, Kite's margins) in
an "Account" tab beside the balances, the venue's holdings and its positions (day / net) in "Holdings" and
"Positions (venue)" tabs of the blotters, and the selected instrument's market notes ("market closed, opens 09:30
ET", "delayed") in the chart header and the ticket.

The tabs appear once a venue of the window offers them (duck-typed on the adapter: ``account_summary()``,
``margins()``, ``holdings()``, ``day_positions()``/``net_positions()``). They are asked on the loop, one refresh at
a time: every ``REFRESH_MS`` and soon after a fill; the answers only fill plain models, flushed once per frame.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QLabel, QTableView

from .market_note import is_delayed, market_notes
from .models.account import AccountModel, Figure, ib_rows, kite_rows
from .models.holdings import HoldingRow, HoldingsModel

if TYPE_CHECKING:
    from .link import SessionLink

log = logging.getLogger(__name__)
REFRESH_MS = 3000
ACCOUNT_TAB, HOLDINGS_TAB, POSITIONS_TAB = "Account", "Holdings", "Positions (venue)"
DAY, NET = "Day positions", "Net positions"


class VenueAccounts:
    def __init__(self, link: "SessionLink") -> None:
        self.link = link
        w = link.w
        self.account_model = AccountModel(w.blotters)
        self.holdings_model = HoldingsModel(w._instrument_of, w.blotters)
        self.positions_model = HoldingsModel(w._instrument_of, w.blotters)
        self.views: dict[str, QTableView] = {}
        self.book_box = QComboBox(w.blotters)
        self.book_box.addItems([NET, DAY])
        self.book_box.setToolTip("Kite's positions: net (every open position, carried ones included) or today's")
        self.book_box.currentTextChanged.connect(lambda _: self.refresh_soon())
        self._positions: dict[str, dict[str, list[Any]]] = {}  # venue -> book -> holdings
        self._task: asyncio.Task[Any] | None = None
        self._again = False
        self.notice = ""
        self.timer = QTimer(w)
        self.timer.timeout.connect(self.refresh_soon)
        self.timer.start(REFRESH_MS)
        self.notes_timer = QTimer(w)
        self.notes_timer.timeout.connect(self.update_notes)
        self.notes_timer.start(1000)

    # ---- tabs --------------------------------------------------------------------------------------------------
    def _tab(self, title: str, model: HoldingsModel | AccountModel, *bar: Any) -> None:
        if title in self.views:
            return
        b = self.link.w.blotters
        view = b._table(title.lower(), title.lower().replace(" ", "-").strip("()"), model)
        self.views[title] = view
        b.addTab(b._page(view, *bar, QLabel("", b)) if bar else b._page(view), title)

    def tab_index(self, title: str) -> int:
        b = self.link.w.blotters
        return next((i for i in range(b.count()) if b.tabText(i) == title), -1)

    # ---- refresh -----------------------------------------------------------------------------------------------
    def refresh_soon(self) -> None:
        """Ask the venues again (one refresh at a time: a request meanwhile runs once after it)."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        try:
            self._task = self.link.spawn(self.refresh(), "account refresh")
        except RuntimeError:  # no running loop (closing)
            return

    async def refresh(self) -> None:
        while True:
            self._again = False
            for name, session in list(self.link.workspace.sessions.items()):
                await self._refresh_venue(name, session.venue)
            self.update_notes()
            if not self._again:
                return

    async def _refresh_venue(self, name: str, venue: Any) -> None:
        figures: list[Figure] | None = None
        try:
            if hasattr(venue, "account_summary"):
                figures = ib_rows(name, await venue.account_summary())
            elif hasattr(venue, "margins"):
                figures = kite_rows(name, await venue.margins())
            if figures is not None:
                self._tab(ACCOUNT_TAB, self.account_model)
                self.account_model.set_venue_rows(name, figures)
                segments = any(r.group for r in self.account_model.all_rows())  # Kite's; IB has none
                self.views[ACCOUNT_TAB].setColumnHidden(1, not segments)
            if hasattr(venue, "holdings"):
                self._tab(HOLDINGS_TAB, self.holdings_model)
                self.holdings_model.set_venue_rows(name, self._rows(name, await venue.holdings()))
            if hasattr(venue, "day_positions") and hasattr(venue, "net_positions"):
                self._tab(POSITIONS_TAB, self.positions_model, self.book_box)
                book = self.book_box.currentText()
                held = await (venue.day_positions() if book == DAY else venue.net_positions())
                self.positions_model.set_venue_rows(name, self._rows(name, held))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # advisory figures: a venue that cannot answer now is asked again later
            log.debug("account figures of %s: %s", name, type(exc).__name__)

    def _rows(self, venue: str, held: list[Any]) -> list[HoldingRow]:
        v, prices = self.link.venues, self.link.last_prices
        out = []
        for h in held:
            key = v.key(venue, h.symbol)
            out.append(HoldingRow(venue, key, h, prices.get(key)))
        return sorted(out, key=lambda r: r.key)

    def on_prices(self) -> None:
        prices = self.link.last_prices
        self.holdings_model.on_prices(prices)
        self.positions_model.on_prices(prices)

    def flush(self) -> None:
        for model in (self.account_model, self.holdings_model, self.positions_model):
            if model.pending():
                model.flush()

    # ---- market notes ------------------------------------------------------------------------------------------
    def notes(self, key: str) -> list[str]:
        """The market notes of the window key ``key``: closed (its hours) and delayed (its data venue)."""
        link = self.link
        ins = link.w.instruments.get(key)
        if ins is None:
            return []
        try:
            data = link.workspace.session(link.venues.data_source(key))
            symbol = link.venues.target(key)[2]
            delayed = is_delayed(data.venue, symbol)
            now = data.venue.now_ms() if hasattr(data.venue, "now_ms") else None
        except (ValueError, KeyError):
            delayed, now = False, None
        return market_notes(ins, now if now is not None else int(time.time() * 1000), delayed)

    def update_notes(self) -> None:
        link = self.link
        text = " · ".join(self.notes(link.symbol)) if link.symbol else ""
        if text != self.notice:
            self.update_notes_text(text)

    def close(self) -> None:
        """Stop asking; the tabs go with the link (a reconnect's new link adds them again)."""
        self.timer.stop()
        self.notes_timer.stop()
        b = self.link.w.blotters
        for title, view in self.views.items():
            i = self.tab_index(title)
            if i >= 0:
                page = b.widget(i)
                b.removeTab(i)
                page.deleteLater()
            b.views.pop(title.lower(), None)
            b.proxies.pop(title.lower(), None)
            b.menus.pop(title.lower(), None)
        self.views.clear()
        self.update_notes_text("")

    def update_notes_text(self, text: str) -> None:
        self.notice = text
        w = self.link.w
        if hasattr(w.chart, "set_notice"):
            w.chart.set_notice(text)
        if hasattr(w.order_entry, "set_notice"):
            w.order_entry.set_notice(text)

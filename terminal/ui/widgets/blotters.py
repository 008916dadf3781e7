"""Blotters: open orders (cancel / cancel all), order history, fills, balances, positions — one tab each."""
from __future__ import annotations

import logging
from typing import Awaitable, Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget
from qasync import asyncSlot

from ... import model as m
from .. import theme
from ..models.balances import BalancesModel, PositionsModel
from ..models.fills import FillsModel
from ..models.orders import OpenOrdersModel, OrderHistoryModel
from .table import make_table

log = logging.getLogger(__name__)
InstrumentOf = Callable[[str], "m.Instrument | None"]


class BlottersWidget(QTabWidget):
    def __init__(self, instrument_of: InstrumentOf, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocumentMode(True)
        self.open_model = OpenOrdersModel(instrument_of, self)
        self.history_model = OrderHistoryModel(instrument_of, self)
        self.fills_model = FillsModel(instrument_of, self)
        self.balances_model = BalancesModel(self)
        self.positions_model = PositionsModel(instrument_of, self)
        self.canceller: Callable[[str, str], Awaitable[object]] | None = None
        self.cancel_all_fn: Callable[[str | None], Awaitable[object]] | None = None
        self.open_view = make_table(self)
        self.open_view.setModel(self.open_model)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_all_button = QPushButton("Cancel all", self)
        self.cancel_button.clicked.connect(self._on_cancel)
        self.cancel_all_button.clicked.connect(self._on_cancel_all)
        self.message = QLabel("", self)
        theme.style(self.message, "muted")
        theme.style(self.tabBar(), "tabbar")
        for b in (self.cancel_button, self.cancel_all_button):
            theme.style(b)
        page = QWidget(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.cancel_all_button)
        bar.addWidget(self.message, 1)
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar)
        lay.addWidget(self.open_view, 1)
        self.addTab(page, "Open orders (0)")
        self.views = {"open": self.open_view}
        for name, title, model in (("history", "Order history", self.history_model), ("fills", "Fills", self.fills_model),
                                   ("balances", "Balances", self.balances_model),
                                   ("positions", "Positions", self.positions_model)):
            v = make_table(self)
            v.setModel(model)
            self.views[name] = v
            self.addTab(v, title)
        for v in self.views.values():
            v.horizontalHeader().setDefaultSectionSize(96)
        self.open_model.rowsInserted.connect(self._count)
        self.open_model.rowsRemoved.connect(self._count)
        self.open_model.modelReset.connect(self._count)

    def models(self) -> list:
        return [self.open_model, self.history_model, self.fills_model, self.balances_model, self.positions_model]

    def flush(self) -> None:
        for mdl in self.models():
            mdl.flush()

    def _count(self, *_: object) -> None:
        self.setTabText(0, f"Open orders ({self.open_model.rowCount()})")

    def selected_order(self) -> m.Order | None:
        idx = self.open_view.currentIndex()
        if not idx.isValid() or idx.row() >= self.open_model.rowCount():
            return None
        return self.open_model.row_at(idx.row())

    @asyncSlot()
    async def _on_cancel(self) -> None:
        await self.cancel_selected()

    async def cancel_selected(self) -> bool:
        o = self.selected_order()
        if o is None or self.canceller is None:
            self.message.setText("Select an open order to cancel.")
            return False
        try:
            await self.canceller(o.symbol, o.client_order_id)
        except Exception as exc:
            self.message.setText(f"Cancel failed: {type(exc).__name__}: {getattr(exc, 'message', exc)}")
            log.warning("cancel %s failed: %s", o.client_order_id, type(exc).__name__)
            return False
        self.message.setText(f"Cancel sent for {o.client_order_id}")
        return True

    @asyncSlot()
    async def _on_cancel_all(self) -> None:
        await self.cancel_all()

    async def cancel_all(self) -> int:
        """Cancel every open order shown, symbol by symbol. Returns the number of symbols done."""
        if self.cancel_all_fn is None:
            return 0
        symbols = sorted({o.symbol for o in self.open_model.orders()})
        done = 0
        for sym in symbols:
            try:
                await self.cancel_all_fn(sym)
                done += 1
            except Exception as exc:
                self.message.setText(f"Cancel all {sym} failed: {type(exc).__name__}")
                log.warning("cancel all %s failed: %s", sym, type(exc).__name__)
        if done:
            self.message.setText(f"Cancel all sent for {', '.join(symbols)}")
        return done

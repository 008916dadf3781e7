"""Blotters: open orders, order history, fills, balances, positions — one tab each.

* Open orders carry small painted buttons per row: modify (a non-modal dialog, then ``session.replace_order`` with the
  ticket's confirmation rules) and cancel. "Cancel" / "Cancel all" act on the selection / everything shown.
* Every table sorts by any column (a click on its header; a third click restores the feed's order), numbers are at
  the instrument's (or the asset's) precision, and a right-click offers "Copy row" and "Export CSV…".
* Orders and fills name their source (manual or the strategy's name); the "Source" box above the tabs filters them.
* Above the tabs, the account's estimated equity in the reference currency (chosen on the Positions tab, saved in
  the settings).

The tables are thin models over plain Python (``terminal.ui.models``); the widget feeds them (``on_orders``,
``on_fills``, ``on_balances``, ``on_prices``) and ``flush()`` pushes the changes once per frame.
"""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, Awaitable, Callable, Iterable, Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTabWidget, QTableView,
                               QVBoxLayout, QWidget)
from qasync import asyncSlot
from shiboken6 import isValid

from ... import model as m
from .. import format as f
from .. import theme
from ..dialogs.ask import OK, OK_CANCEL, ask
from ..dialogs.attach_stop import AttachStopForm
from ..dialogs.modify import ModifyOrderDialog, describe
from ..dialogs.run import run_dialog
from ..models.assets import AssetFormat
from ..models.balances import BalancesModel
from ..models.fills import FillsModel
from ..models.orders import MANUAL, VENUE, OpenOrdersModel, OrderHistoryModel
from ..models.positions import PositionsModel
from ..models.protection import ProtectionModel
from ..models.proxy import SortProxy
from ..models.table import RowTableModel
from ..models.venues import TOTAL, VenuesModel
from .row_actions import Action, RowActions
from .table import RowMenu, make_table, size_columns

log = logging.getLogger(__name__)
InstrumentOf = Callable[[str], "m.Instrument | None"]
ALL_SOURCES = "All sources"
EQUITY_TIP = "Estimated equity: every balance valued in the reference currency at the last prices"
MODIFY, CANCEL = "modify", "cancel"


class BlottersWidget(QTabWidget):
    reference_changed = Signal(str)  # the user chose another reference currency

    def __init__(self, instrument_of: InstrumentOf, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocumentMode(True)
        self.instrument_of = instrument_of
        self.assets = AssetFormat()
        self.open_model = OpenOrdersModel(instrument_of, self)
        self.history_model = OrderHistoryModel(instrument_of, self)
        self.fills_model = FillsModel(instrument_of, self, self.assets)
        self.positions_model = PositionsModel(instrument_of, self, self.assets)
        self.balances_model = BalancesModel(self, self.assets)
        self.balances_model.value_of = self.positions_model.value_ref
        self.balances_model.set_reference(self.positions_model.reference)
        self.fills_model.origin_of = self.origin_of
        # session hooks (set by the link)
        self.canceller: Callable[[str, str], Awaitable[object]] | None = None
        self.cancel_all_fn: Callable[[str | None], Awaitable[object]] | None = None
        self.replacer: Callable[..., Awaitable[m.Order]] | None = None
        self.needs_confirmation: Callable[[], bool] = lambda: True  # the ticket's rule (LIVE or the box ticked)
        self.confirm: Callable[[str], Awaitable[bool]] = self._confirm_dialog
        self.environment = m.Environment.SANDBOX
        self._origins: dict[str, str] = {}
        self._origins_dirty = False
        self._values_dirty = False
        self.modifying: dict[str, ModifyOrderDialog] = {}
        self.proxies: dict[str, SortProxy] = {}
        self.menus: dict[str, RowMenu] = {}
        self.views: dict[str, QTableView] = {}

        self.message = QLabel("", self)
        theme.style(self.message, "muted")
        theme.style(self.tabBar(), "tabbar")
        self.open_view = self._table("open", "open-orders", self.open_model, skip=(0,), row_actions=(
            ("Modify…", lambda row: self._on_row_action(row, MODIFY)),
            ("Cancel order", lambda row: self._on_row_action(row, CANCEL))))
        self.open_view.doubleClicked.connect(  # a double click on an order modifies it (not on its buttons)
            lambda idx: self._on_row_action(idx.row(), MODIFY) if idx.column() != 0 else None)
        self.actions = RowActions([Action(MODIFY, "✎", "Modify price or quantity"),
                                   Action(CANCEL, "✕", "Cancel this order", "down")],
                                  self._action_enabled, self.open_view)
        self.open_view.setItemDelegateForColumn(0, self.actions)
        h = self.open_view.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        h.resizeSection(0, self.actions.width(self.open_view.verticalHeader().defaultSectionSize()))
        self.actions.clicked.connect(self._on_row_action)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_all_button = QPushButton("Cancel all", self)
        self.cancel_button.clicked.connect(self._on_cancel)
        self.cancel_all_button.clicked.connect(self._on_cancel_all)
        for b in (self.cancel_button, self.cancel_all_button):
            theme.style(b)
        self.addTab(self._page(self.open_view, self.cancel_button, self.cancel_all_button, self.message),
                    "Open orders (0)")
        for name, file_name, title, model in (("history", "order-history", "Order history", self.history_model),
                                              ("fills", "fills", "Fills", self.fills_model),
                                              ("balances", "balances", "Balances", self.balances_model)):
            self.addTab(self._table(name, file_name, model), title)
        self.positions_view = self._table("positions", "positions", self.positions_model, row_actions=(
            ("Attach stop-loss…", lambda row: self._on_attach_stop(row)),))
        self.reference_box = QComboBox(self)
        self.reference_box.setToolTip("The currency values and the estimated equity are shown in")
        self.reference_box.addItem(self.positions_model.reference)
        self.reference_box.currentTextChanged.connect(self._on_reference)
        self.addTab(self._page(self.positions_view, QLabel("Value in", self), self.reference_box, QLabel("", self)),
                    "Positions")
        # protective groups (fed by the chart's per-frame snapshot, chart/protection.py); hooks set by the link
        self.protection_model = ProtectionModel(instrument_of, self)
        self.protection_view = self._table("protection", "protection", self.protection_model, row_actions=(
            ("Cancel protection", lambda row: self._on_protection_cancel(row)),))
        self.protection_canceller: Callable[[str, str], Awaitable[object]] | None = None
        self.stop_attacher: Callable[..., Awaitable[object]] | None = None
        self.attach_forms: dict[str, AttachStopForm] = {}
        self.protection_message = QLabel("Brackets, OCO orders and trailing stops; right-click a row to cancel it",
                                         self)
        theme.style(self.protection_message, "muted")
        self.addTab(self._page(self.protection_view, self.protection_message), "Protection")

        self.source_box = QComboBox(self)
        self.source_box.addItems([ALL_SOURCES, MANUAL])
        self.source_box.setToolTip("Show the orders and fills of one source only: manual or a strategy")
        self.source_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.source_box.currentTextChanged.connect(self._on_source)
        self.equity_label = QLabel("", self)
        self.equity_label.setObjectName("equity")
        theme.style(self.equity_label, "text")
        self.equity_label.setToolTip(EQUITY_TIP)
        corner = QWidget(self)
        bar = QHBoxLayout(corner)
        bar.setContentsMargins(4, 0, 4, 0)
        bar.setSpacing(8)
        bar.addWidget(self.equity_label)
        bar.addWidget(self.source_box)
        self.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        self.open_model.rowsInserted.connect(self._count)
        self.open_model.rowsRemoved.connect(self._count)
        self.open_model.modelReset.connect(self._count)
        self.venues_model = VenuesModel(self, self.assets)  # a "Venues" tab once the window holds several
        self.venues_view: QTableView | None = None
        self.set_multi_venue(False)

    # ---- construction --------------------------------------------------------------------------------------
    def _table(self, name: str, file_name: str, model: RowTableModel[Any], skip: tuple[int, ...] = (),
               row_actions: Any = ()) -> QTableView:
        v = make_table(self)
        proxy = SortProxy(model, self)
        v.setModel(proxy)
        v.setSortingEnabled(True)
        h = v.horizontalHeader()
        h.setSortIndicatorClearable(True)
        h.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the feed's own order until a header is clicked
        h.setDefaultSectionSize(90)
        size_columns(v, model.columns)
        self.views[name], self.proxies[name] = v, proxy
        self.menus[name] = RowMenu(v, file_name, skip, row_actions)
        return v

    def _page(self, view: QTableView, *bar_widgets: QWidget) -> QWidget:
        page = QWidget(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        for i, w in enumerate(bar_widgets):
            bar.addWidget(w, 1 if i == len(bar_widgets) - 1 else 0)
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar)
        lay.addWidget(view, 1)
        return page

    def models(self) -> list[RowTableModel[Any]]:
        return [self.open_model, self.history_model, self.fills_model, self.balances_model, self.positions_model]

    # ---- feeding (plain calls; flush() signals the views) ----------------------------------------------------
    def set_instruments(self, instruments: Mapping[str, m.Instrument]) -> None:
        self.assets.set_instruments(instruments)
        self.positions_model.set_instruments(instruments)
        quotes = sorted({i.quote_asset for i in instruments.values()})
        current = self.positions_model.reference
        self.reference_box.blockSignals(True)
        self.reference_box.clear()
        self.reference_box.addItems(sorted(set(quotes) | {current}, key=lambda a: (a != "USDT", a)))
        self.reference_box.setCurrentText(current)
        self.reference_box.blockSignals(False)
        for mdl in self.models():
            mdl.invalidate_texts()

    def set_reference(self, asset: str) -> None:
        """Value positions, balances and the equity in ``asset``."""
        asset = asset.strip().upper()
        if not asset:
            return
        self.positions_model.set_reference(asset)
        self.balances_model.set_reference(asset)
        if self.reference_box.findText(asset) < 0:
            self.reference_box.addItem(asset)
        if self.reference_box.currentText() != asset:
            self.reference_box.setCurrentText(asset)
        self._values_dirty = True

    def on_orders(self, orders: list[m.Order]) -> None:
        self.open_model.on_orders(orders)
        self.history_model.on_orders(orders)
        for o in orders:
            if o.origin and self._origins.get(o.client_order_id) != o.origin:
                self._origins[o.client_order_id] = o.origin
                self._origins_dirty = True
                if self.source_box.findText(o.origin) < 0:
                    self.source_box.addItem(o.origin)
            dialog = self.modifying.get(o.client_order_id)
            if dialog is not None and isValid(dialog):
                dialog.order_changed(o)

    def on_fills(self, fills: list[m.Fill]) -> None:
        self.fills_model.on_fills(fills)
        self.positions_model.on_fills(fills)

    def on_balances(self, balances: list[m.Balance]) -> None:
        self.balances_model.on_balances(balances)
        self.positions_model.on_balances(balances)

    def on_prices(self, prices: Mapping[str, Decimal]) -> None:
        self.positions_model.on_prices(prices)
        self._values_dirty = True

    def load_history(self, orders: Iterable[m.Order], fills: Iterable[m.Fill]) -> None:
        """The session's journal at start: every order and fill so far."""
        self.on_orders(list(orders))
        fills = list(fills)
        self.fills_model.on_fills(fills)
        self.positions_model.seed(fills)

    def origin_of(self, client_order_id: str) -> str:
        return self._origins.get(client_order_id, "")

    def flush(self) -> None:
        if self._origins_dirty:
            self._origins_dirty = False
            self.fills_model.touch_column(self.fills_model.column_index("Source"))
        if self._values_dirty:
            self._values_dirty = False
            if self.balances_model.rowCount():
                self.balances_model.touch_column(self.balances_model.value_column)
        for mdl in self.models():
            mdl.flush()
        self.protection_model.flush()
        self._show_equity()

    def _show_equity(self) -> None:
        total = self.venues_model.row_of(TOTAL) if self.multi_venue else None
        if total is not None:
            text = f"≈ {self.assets.amount(total.value, total.reference)} {total.reference}" + \
                f" · {self.venues_model.rowCount() - 1} venues" + ("*" if total.note.startswith("*") else "")
            tip = "Estimated equity over every venue, in the reference currency" + \
                (f"\n{total.note}" if total.note else "")
            if self.equity_label.toolTip() != tip:
                self.equity_label.setToolTip(tip)
            if self.equity_label.text() != text:
                self.equity_label.setText(text)
            return
        eq = self.positions_model.equity
        if eq is None:
            text = ""
        else:
            text = f"≈ {self.assets.amount(eq.total, eq.reference)} {eq.reference}" + ("*" if eq.unpriced else "")
            tip = EQUITY_TIP + (f"\n* not valued (no price yet): {', '.join(eq.unpriced)}" if eq.unpriced else "")
            if self.equity_label.toolTip() != tip:
                self.equity_label.setToolTip(tip)
        if self.equity_label.text() != text:
            self.equity_label.setText(text)

    # ---- several venues ------------------------------------------------------------------------------------
    def set_multi_venue(self, on: bool) -> None:
        """Show the Venue column of every table and the Venues tab (equity per venue and in total) when the window
        holds more than one venue."""
        self.multi_venue = on
        for name, view in self.views.items():
            col = self.proxies[name].sourceModel().column_index(VENUE)
            if col >= 0:
                view.setColumnHidden(col, not on)
        if on and self.venues_view is None:
            self.venues_view = self._table("venues", "venues", self.venues_model)
            self.addTab(self._page(self.venues_view), "Venues")

    def on_venues(self, equity: Any, environments: dict[str, str], connections: dict[str, str]) -> None:
        """``equity`` is a ``WorkspaceEquity``; the corner then shows the total over every venue."""
        self.venues_model.update(equity, environments, connections)
        self.venues_model.flush()
        self._show_equity()

    def _count(self, *_: object) -> None:
        self.setTabText(0, f"Open orders ({self.open_model.rowCount()})")

    # ---- filters and settings --------------------------------------------------------------------------------
    def _on_source(self, text: str) -> None:
        texts = () if text == ALL_SOURCES else (text,)
        for name, model in (("open", self.open_model), ("history", self.history_model), ("fills", self.fills_model)):
            self.proxies[name].set_filter(model.column_index("Source"), texts)

    def _on_reference(self, text: str) -> None:
        if text and text != self.positions_model.reference:
            self.set_reference(text)
            self.reference_changed.emit(text)

    # ---- protection ----------------------------------------------------------------------------------------------
    def on_protection(self, rows: list[Any]) -> None:
        """The open protective groups now ((window key, group) pairs); shown at the next flush."""
        self.protection_model.on_groups(rows)

    def protection_at(self, view_row: int) -> Any:
        src = self.proxies["protection"].source_row(view_row)
        return self.protection_model.row_at(src) if 0 <= src < self.protection_model.rowCount() else None

    @asyncSlot(int)
    async def _on_protection_cancel(self, view_row: int) -> None:
        row = self.protection_at(view_row)
        if row is not None:
            await self.cancel_protection(*row)

    async def cancel_protection(self, key: str, group: Any) -> bool:
        """Cancel a group (its triggers and its open orders), asked first under the ticket's rule."""
        if self.protection_canceller is None:
            return False
        if self.needs_confirmation() and not await self.confirm(
                f"cancel the {group.kind.value} on {key} ({group.held_by.label}) and its open orders"):
            return False
        try:
            await self.protection_canceller(key, group.group_id)
        except Exception as exc:  # noqa: BLE001 - refused or gone: said under the table
            self.protection_message.setText(f"Cancel failed: {getattr(exc, 'message', None) or exc}")
            return False
        self.protection_message.setText(f"{group.kind.value.capitalize()} on {key} cancelled")
        return True

    def _on_attach_stop(self, view_row: int) -> AttachStopForm | None:
        """The positions tab's "Attach stop-loss…": a small non-modal form for the position under the pointer."""
        src = self.proxies["positions"].source_row(view_row)
        if not 0 <= src < self.positions_model.rowCount() or self.stop_attacher is None:
            return None
        pos = self.positions_model.row_at(src)
        form = self.attach_forms.get(pos.symbol)
        if form is None or not isValid(form):
            ins = self.instrument_of(pos.symbol)
            form = AttachStopForm(pos.symbol, f.qty(ins, pos.qty), f.price(ins, pos.last_price)
                                  if pos.last_price is not None else "", self.stop_attacher, self)
            form.finished.connect(lambda _r, sym=pos.symbol: self.attach_forms.pop(sym, None))
            self.attach_forms[pos.symbol] = form
        form.show()
        form.raise_()
        return form

    # ---- orders ------------------------------------------------------------------------------------------------
    def order_at(self, view_row: int) -> m.Order | None:
        """The open order shown at ``view_row`` of the open-orders view (sorted or filtered)."""
        src = self.proxies["open"].source_row(view_row)
        return self.open_model.row_at(src) if 0 <= src < self.open_model.rowCount() else None

    def selected_order(self) -> m.Order | None:
        idx = self.open_view.currentIndex()
        return self.order_at(idx.row()) if idx.isValid() else None

    def _action_enabled(self, view_row: int, name: str) -> bool:
        o = self.order_at(view_row)
        if o is None:
            return False
        return name != MODIFY or o.type.has_price or o.type.has_stop

    @asyncSlot(int, str)
    async def _on_row_action(self, view_row: int, name: str) -> None:
        o = self.order_at(view_row)
        if o is None or not self._action_enabled(view_row, name):
            return
        if name == CANCEL:
            await self.cancel(o)
        else:
            await self.modify(o)

    @asyncSlot()
    async def _on_cancel(self) -> None:
        await self.cancel_selected()

    async def cancel_selected(self) -> bool:
        o = self.selected_order()
        if o is None or self.canceller is None:
            self.message.setText("Select an open order to cancel.")
            return False
        return await self.cancel(o)

    async def cancel(self, o: m.Order) -> bool:
        if self.canceller is None:
            self.message.setText("Not connected.")
            return False
        ins = self.instrument_of(o.symbol)
        try:
            await self.canceller(o.symbol, o.client_order_id)
        except Exception as exc:
            self.message.setText(f"Cancel failed: {type(exc).__name__}: {getattr(exc, 'message', exc)}")
            log.warning("cancel %s failed: %s", o.client_order_id, type(exc).__name__)
            return False
        if isValid(self):
            self.message.setText(f"Cancel sent: {o.symbol} {describe(o, ins)}")
        return True

    async def _confirm_dialog(self, text: str) -> bool:
        env = self.environment.name
        return await ask(self, f"Confirm order — {env}", f"{env}: {text}?", OK_CANCEL) == OK

    async def modify(self, o: m.Order) -> m.Order | None:
        """Ask for a new price and quantity (non-modal), confirm as the ticket does, then cancel-replace."""
        cid = o.client_order_id
        open_dialog = self.modifying.get(cid)
        if open_dialog is not None and isValid(open_dialog):
            open_dialog.raise_()
            open_dialog.activateWindow()
            return None
        if self.replacer is None:
            self.message.setText("Not connected.")
            return None
        ins = self.instrument_of(o.symbol)
        dialog = self.modifying[cid] = ModifyOrderDialog(o, ins, self)
        try:
            accepted = await run_dialog(dialog, modal=False) == ModifyOrderDialog.DialogCode.Accepted.value
            values = dialog.values() if isValid(dialog) else None
            current = dialog.order if isValid(dialog) else o
        finally:
            self.modifying.pop(cid, None)
            if isValid(dialog):
                dialog.deleteLater()
        if not accepted or values is None or not isValid(self):
            return None
        price, qty = values
        text = f"modify {o.symbol} {describe(current, ins)} to {describe(current, ins, qty, price)}"
        if self.needs_confirmation() and not await self.confirm(text):
            if isValid(self):
                self.message.setText("Not modified.")
            return None
        if not isValid(self) or self.replacer is None:
            return None
        self.message.setText(f"Modifying {o.symbol} {describe(current, ins)}…")
        try:
            new = await self.replacer(o.symbol, cid, quantity=qty, price=price)
        except Exception as exc:  # CancelFailed (filled meanwhile), a refusal of the new order: said in place
            log.warning("modify %s failed: %s: %s", cid, type(exc).__name__, getattr(exc, "message", exc))
            if isValid(self):
                self.message.setText(f"Modify failed: {getattr(exc, 'message', exc)}")
            return None
        if isValid(self):
            self.message.setText(f"Modified: {o.symbol} {describe(new, ins)} — {f.enum_label(new.status)}")
        return new

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

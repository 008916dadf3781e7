"""Order entry: side, type, price/stop, amount in base or quote, % of balance, and the order as it will be sent.

What is typed is what is sent: the draft (``terminal.risk.draft``, the same rules as the pre-trade checks) never
rounds a value behind the user's back. A price off the tick or an amount off the lot step is explained under its
field with the two nearest valid values as link-buttons; every figure carries its unit. Each message row has a fixed
height, so the form never moves under the pointer when a message comes or goes. Placing awaits an async ``placer``
(the session), asks first in a non-blocking box (notional, fee, distance from the market) and never blocks the GUI.
Hotkey actions: buy at the bid, sell at the ask, flatten (sell the free base balance at market).
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from decimal import ROUND_DOWN, Decimal
from typing import Any, Awaitable, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QVBoxLayout, QWidget)
from qasync import asyncSlot
from shiboken6 import isValid

from ... import model as m
from ...model import ZERO
from ...model.numbers import decimals_of
from ...risk.draft import (DEFAULT_FEE_RATE, GENERAL, PRICE, QUANTITY, STOP, Draft, Market, draft_order, lot,
                           parse_number)
from .. import format as f
from .. import theme
from ..dialogs.ask import OK, OK_CANCEL, ask
from .message_row import MessageRow
from .ticket_contract import LOTS, contract_text, lot_traded, lots_phrase, units_text
from .ticket_options import TicketOptions

log = logging.getLogger(__name__)
FEE_RATE = DEFAULT_FEE_RATE  # estimate shown before sending (Binance spot default taker/maker)
TYPES = [("Limit", m.OrderType.LIMIT), ("Market", m.OrderType.MARKET), ("Stop-limit", m.OrderType.STOP_LOSS_LIMIT),
         ("Stop-market", m.OrderType.STOP_LOSS), ("Take-profit limit", m.OrderType.TAKE_PROFIT_LIMIT)]
TRAILING = "Trailing stop"  # a STOP_LOSS whose stop follows the market (Session.place_trailing_stop)
UNKNOWN_OUTCOME = ("TemporaryError", "MayHaveLanded")  # the order may have landed: the venue is asked again later


class OrderEntryWidget(QWidget):
    order_placed = Signal(object)  # Order

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.instrument: m.Instrument | None = None
        self.last_price: Decimal | None = None
        self.balance_of: Callable[[str], Decimal] = lambda asset: ZERO
        self.quote_of: Callable[[str], tuple[Decimal | None, Decimal | None] | None] = lambda symbol: None  # bid/ask
        self.placer: Callable[[m.OrderRequest], Awaitable[m.Order]] | None = None
        #: the venue's Capabilities for a symbol (time in force, parameters, hours, native protection), or None
        self.capabilities_of: Callable[[str], Any] = lambda symbol: None
        #: an entry with its exits (Session.place_bracket) and a trailing stop (Session.place_trailing_stop)
        self.bracket_placer: Callable[..., Awaitable[Any]] | None = None
        self.trailing_placer: Callable[..., Awaitable[Any]] | None = None
        #: would the venue hold this protective group itself (key, kind, legs) -> bool, None when it cannot say
        self.holds_natively: Callable[[str, str, list[m.OrderRequest]], bool | None] = lambda k, kind, r: None
        self.confirm: Callable[[str], Awaitable[bool]] = self._confirm_dialog  # asks the user; never blocks
        self.fee_rate = FEE_RATE
        self.environment = m.Environment.SANDBOX
        self.trading_enabled = True
        self.disabled_reason = ""
        self._asking = False  # the confirmation box is open: nothing else is sent meanwhile
        self._sending = 0  # orders on their way (the button waits for them; a hotkey does not)
        self._rejection = ""  # the venue's answer to the last order, shown until the order is edited
        self._limit_price_text = ""  # the price typed before switching to Market, given back after
        self._tif_index = 0
        self._tasks: set[asyncio.Task[Any]] = set()

        self.symbol_label = QLabel("—", self)
        self.symbol_label.setStyleSheet("font-size: 14px; font-weight: 700;")
        #: the contract's terms (multiplier, lot) and the market notes ("market closed, opens 09:30 ET · delayed")
        self.contract_label = QLabel("", self); self.contract_label.setObjectName("muted")
        self.contract_label.setWordWrap(True); self.contract_label.hide()
        self.notice_label = QLabel("", self); self.notice_label.setObjectName("ticketNotice")
        self.notice_label.setStyleSheet("color: #d29922; font-weight: 600;")
        self.notice_label.setWordWrap(True); self.notice_label.hide()
        self.lots_label = QLabel("", self); self.lots_label.setObjectName("muted"); self.lots_label.hide()
        self.buy_tab = QPushButton("Buy", self); self.buy_tab.setObjectName("buyTab")
        self.sell_tab = QPushButton("Sell", self); self.sell_tab.setObjectName("sellTab")
        self.side_group = QButtonGroup(self)
        for b in (self.buy_tab, self.sell_tab):
            b.setCheckable(True)
            self.side_group.addButton(b)
        self.buy_tab.setChecked(True)
        self.type_combo = QComboBox(self)
        for label, t in TYPES:
            self.type_combo.addItem(label, t)
        self.type_combo.addItem(TRAILING, m.OrderType.STOP_LOSS)
        self.options_panel = TicketOptions(self)
        self.tif_combo = QComboBox(self)
        for tif in m.TimeInForce:
            if tif.crypto:  # DAY/GTD only where a venue declares them
                self.tif_combo.addItem(tif.name, tif)
        self.price_edit = QLineEdit(self); self.price_edit.setPlaceholderText("Price")
        self.stop_edit = QLineEdit(self); self.stop_edit.setPlaceholderText("Stop price")
        self.qty_edit = QLineEdit(self); self.qty_edit.setPlaceholderText("Amount")
        self.unit_combo = QComboBox(self)
        self.pct_buttons: list[QPushButton] = []
        for e in (self.price_edit, self.stop_edit, self.qty_edit):
            e.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.messages = {k: MessageRow(self) for k in (PRICE, STOP, QUANTITY)}
        # the order's own line: what will be sent, or what is wrong with it (one reserved row for both)
        self.outcome = MessageRow(self, lines=3, buttons=0, object_name="muted")
        self.preview = self.outcome.label
        self.preview.setObjectName("")
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        general = QLabel("", self.outcome)
        general.setObjectName("fieldError"); general.setWordWrap(True); general.hide()
        general.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.outcome.layout().insertWidget(0, general, 1)  # type: ignore[union-attr]
        self.errors: dict[str, QLabel] = {k: row.label for k, row in self.messages.items()}
        self.errors[GENERAL] = general
        self.suggestion_buttons = {k: row.buttons for k, row in self.messages.items()}
        self.available_label = QLabel("", self); self.available_label.setObjectName("muted")
        self.notional_label = QLabel(f.DASH, self)
        self.fee_label = QLabel(f.DASH, self)
        self.confirm_box = QCheckBox("Confirm before sending", self)
        self.confirm_box.setChecked(True)
        self.submit = QPushButton("Buy", self); self.submit.setObjectName("buy")
        self.submit.setMinimumHeight(34)
        self.status_row = MessageRow(self, lines=2, buttons=0, object_name="")
        self.status = self.status_row.label
        self.status.show()
        theme.style(self)
        self._layout()
        for row in (*self.messages.values(), self.outcome, self.status_row):
            row.reserve()
        for name, row in self.messages.items():
            row.picked.connect(lambda value, name=name: self._take(name, value))
        self.side_group.buttonToggled.connect(self._on_edit)
        self.type_combo.currentIndexChanged.connect(self._on_type_changed)
        self.tif_combo.currentIndexChanged.connect(self._on_edit)
        self.options_panel.changed.connect(self._on_edit)
        self.unit_combo.currentIndexChanged.connect(self._on_edit)
        for e in (self.price_edit, self.stop_edit, self.qty_edit):
            e.textChanged.connect(self._on_edit)
            e.returnPressed.connect(self.submit.click)
        self.submit.clicked.connect(self._on_submit)
        self._on_type_changed()

    def _layout(self) -> None:
        sides = QHBoxLayout(); sides.setSpacing(0)
        sides.addWidget(self.buy_tab); sides.addWidget(self.sell_tab)
        form = self.form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setHorizontalSpacing(8); form.setVerticalSpacing(4)
        form.addRow("Type", self.type_combo)
        form.addRow("Price", self.price_edit)
        form.addRow(self.messages[PRICE])
        form.addRow("Stop", self.stop_edit)
        form.addRow(self.messages[STOP])
        qty_row = QHBoxLayout(); qty_row.addWidget(self.qty_edit, 1); qty_row.addWidget(self.unit_combo)
        form.addRow("Amount", qty_row)
        form.addRow("", self.lots_label)
        form.addRow(self.messages[QUANTITY])
        pcts = QHBoxLayout(); pcts.setSpacing(4)
        for p in (25, 50, 75, 100):
            b = QPushButton(f"{p}%", self)
            b.setFixedHeight(22)
            b.clicked.connect(lambda _=False, p=p: self.set_percent(p))
            self.pct_buttons.append(b)
            pcts.addWidget(b)
        form.addRow("", pcts)
        form.addRow("TIF", self.tif_combo)
        form.addRow(self.options_panel)
        summary = QGridLayout(); summary.setVerticalSpacing(2)
        for r, (name, w) in enumerate((("Notional", self.notional_label), ("Est. fee", self.fee_label))):
            lab = QLabel(name, self); lab.setObjectName("muted")
            summary.addWidget(lab, r, 0)
            w.setAlignment(Qt.AlignmentFlag.AlignRight)
            summary.addWidget(w, r, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6); lay.setSpacing(6)
        lay.addWidget(self.symbol_label)
        lay.addWidget(self.contract_label)
        lay.addWidget(self.notice_label)
        lay.addLayout(sides)
        lay.addLayout(form)
        lay.addWidget(self.available_label)
        lay.addLayout(summary)
        lay.addWidget(self.outcome)
        lay.addWidget(self.confirm_box)
        lay.addWidget(self.submit)
        lay.addWidget(self.status_row)
        lay.addStretch(1)

    # ---- inputs from the window ----------------------------------------------------------------------------
    def set_instrument(self, instrument: m.Instrument | None) -> None:
        """A new symbol: fields, messages and the status line start empty (nothing of the old symbol stays)."""
        self.instrument = instrument
        self.last_price = None
        self.unit_combo.blockSignals(True)
        self.unit_combo.clear()
        if instrument:
            self.symbol_label.setText(f"{instrument.base_asset}/{instrument.quote_asset}")
            self.unit_combo.addItem(instrument.base_asset, "base")
            self.unit_combo.addItem(instrument.quote_asset, "quote")
            if lot_traded(instrument):  # F&O in lots: the amount typed in lots, sent in units
                self.unit_combo.addItem(LOTS, LOTS)
                self.unit_combo.setCurrentIndex(self.unit_combo.count() - 1)
        self.unit_combo.blockSignals(False)
        self.contract_label.setText(contract_text(instrument))
        self.contract_label.setVisible(bool(self.contract_label.text()))
        caps = self.capabilities_of(instrument.symbol) if instrument else None
        self._fill_types(caps)
        self.options_panel.set_venue(caps, instrument)
        self._fill_tifs(caps)
        self._limit_price_text = ""
        self.price_edit.clear(); self.stop_edit.clear(); self.qty_edit.clear()
        self.status.setText("")
        self.refresh()

    def _fill_tifs(self, caps: Any) -> None:
        """The times in force the venue declares (GTC/IOC/FOK when it declares none)."""
        names = set(getattr(caps, "time_in_force", ()) or ())
        wanted = [t for t in m.TimeInForce if (t.name in names if names else t.crypto)]
        if [self.tif_combo.itemData(i) for i in range(self.tif_combo.count())] == wanted:
            return
        current = self.tif_combo.currentData()
        self.tif_combo.blockSignals(True)
        self.tif_combo.clear()
        for tif in wanted:
            self.tif_combo.addItem(tif.name, tif)
        keep = self.tif_combo.findData(current) if current is not None else -1
        day = self.tif_combo.findData(m.TimeInForce.DAY)  # where a venue has sessions, DAY is its default
        self._tif_index = keep if keep >= 0 else max(day, 0)
        self.tif_combo.setCurrentIndex(self._tif_index if self.tif_combo.isEnabled() else -1)
        self.tif_combo.blockSignals(False)

    def _fill_types(self, caps: Any) -> None:
        """The order types the venue declares (all of them when it declares none); the trailing stop stays (held
        by the exchange where the venue trails natively, else by this app)."""
        names = set(getattr(caps, "order_types", ()) or ())
        wanted = [(label, t) for label, t in TYPES if not names or t.name in names] + [(TRAILING, m.OrderType.STOP_LOSS)]
        if [self.type_combo.itemText(i) for i in range(self.type_combo.count())] == [x for x, _ in wanted]:
            return
        current = self.type_combo.currentText()
        self.type_combo.blockSignals(True)
        self.type_combo.clear()
        for label, t in wanted:
            self.type_combo.addItem(label, t)
        self.type_combo.setCurrentIndex(max(0, self.type_combo.findText(current)))
        self.type_combo.blockSignals(False)
        self._on_type_changed()

    def set_notice(self, text: str) -> None:
        """Market notes ("market closed, opens 09:30 ET · delayed"); orders are still sent: the venue decides."""
        self.notice_label.setText(text)
        self.notice_label.setToolTip("Orders are still sent: the venue keeps a DAY order for the next session or "
                                     "refuses it" if text else "")
        self.notice_label.setVisible(bool(text))

    def trailing(self) -> bool:
        return self.type_combo.currentText() == TRAILING

    def set_last_price(self, price: Decimal | None) -> None:
        self.last_price = price
        if (self.instrument and not self.price_edit.text() and price is not None
                and self.order_type().has_price):
            self.price_edit.setText(self.instrument.format_price(price))
        else:
            self.refresh()

    def set_price(self, price: Decimal) -> None:
        """From a click in the book or the chart (a click has no exact price: it snaps, and the field shows it)."""
        if self.order_type() is m.OrderType.MARKET:
            self.type_combo.setCurrentIndex(0)
        if self.instrument:
            price = self.instrument.snap_price(price, "nearest")
            self.price_edit.setText(self.instrument.format_price(price))
        else:
            self.price_edit.setText(m.fmt(price))

    def set_environment(self, env: m.Environment) -> None:
        self.environment = env
        live = env is m.Environment.LIVE
        if live:
            self.confirm_box.setChecked(True)
        self.confirm_box.setEnabled(not live)
        self.confirm_box.setToolTip("Always on for LIVE" if live else "")

    def set_trading_enabled(self, enabled: bool, reason: str = "") -> None:
        self.trading_enabled, self.disabled_reason = enabled, reason
        self.refresh()

    def focus_side(self, side: m.Side) -> None:
        (self.buy_tab if side is m.Side.BUY else self.sell_tab).setChecked(True)
        self.qty_edit.setFocus()
        self.qty_edit.selectAll()

    def side(self) -> m.Side:
        return m.Side.BUY if self.buy_tab.isChecked() else m.Side.SELL

    def order_type(self) -> m.OrderType:
        return self.type_combo.currentData()

    def market(self) -> Market:
        """Best bid/ask (``quote_of``) and the last price of the symbol."""
        touch = self.quote_of(self.instrument.symbol) if self.instrument else None
        bid, ask = touch if touch else (None, None)
        return Market(bid, ask, self.last_price)

    def _on_type_changed(self, *_: object) -> None:
        """Market clears and disables the price and TIF (kept aside, given back when a priced type returns)."""
        otype = self.order_type()
        trailing = self.trailing()
        self.options_panel.set_trailing(trailing)
        if trailing:  # no fixed price or stop: the trail distance (in the options) says where it stops
            otype = m.OrderType.MARKET
        if otype.has_price and not self.price_edit.isEnabled():
            self.price_edit.setEnabled(True)
            self.price_edit.setPlaceholderText("Price")
            self.price_edit.setText(self._limit_price_text or (
                self.instrument.format_price(self.last_price) if self.instrument and self.last_price else ""))
        elif not otype.has_price and self.price_edit.isEnabled():
            self._limit_price_text = self.price_edit.text()
            self.price_edit.clear()
            self.price_edit.setEnabled(False)
            self.price_edit.setPlaceholderText("Market")
        self.tif_combo.blockSignals(True)
        if otype.has_tif and not self.tif_combo.isEnabled():
            self.tif_combo.setEnabled(True)
            self.tif_combo.setCurrentIndex(self._tif_index)
        elif not otype.has_tif and self.tif_combo.isEnabled():
            self._tif_index = max(0, self.tif_combo.currentIndex())
            self.tif_combo.setCurrentIndex(-1)
            self.tif_combo.setEnabled(False)
        self.tif_combo.blockSignals(False)
        self.stop_edit.setVisible(otype.has_stop)
        self.form.setRowVisible(self.stop_edit, otype.has_stop)
        self.form.setRowVisible(self.messages[STOP], otype.has_stop)
        self.form.setRowVisible(self.price_edit, not trailing)
        self.form.setRowVisible(self.messages[PRICE], not trailing)
        self._on_edit()

    def _on_edit(self, *_: object) -> None:
        self._rejection = ""
        self.refresh()

    # ---- the draft -----------------------------------------------------------------------------------------
    def set_percent(self, pct: int) -> None:
        ins = self.instrument
        if ins is None:
            return
        d = self.draft()
        price = (d.request.price if d.request else None) if self.order_type().has_price else None
        if price is None and self.order_type().has_price:
            price = _number(self.price_edit.text())
        price = price or self.last_price
        quote_unit = self.unit_combo.currentData() == "quote"
        if self.unit_combo.currentData() == LOTS:  # whole lots that fit (rounded down)
            if self.side() is m.Side.BUY:
                units = (self.balance_of(ins.quote_asset) * pct / 100 / (1 + self.fee_rate)
                         / ins.notional(price, Decimal(1))) if price else None
            else:
                units = self.balance_of(ins.base_asset) * pct / 100
            if units is not None:
                self.qty_edit.setText(m.fmt((units / ins.lot_size).to_integral_value(ROUND_DOWN)))
            return
        if self.side() is m.Side.BUY:  # leaves room for the fee and a moving market
            quote = self.balance_of(ins.quote_asset) * pct / 100 / (1 + self.fee_rate)
            if quote_unit:
                self.qty_edit.setText(m.fmt(quote, ins.quote_precision if ins.quote_precision < 8 else 2))
            elif price:
                self.qty_edit.setText(ins.format_qty(ins.snap_qty(quote / ins.notional(price, Decimal(1)))))
        else:
            base = self.balance_of(ins.base_asset) * pct / 100
            if quote_unit and price:
                self.qty_edit.setText(m.fmt(ins.notional(price, base), 2))
            else:
                self.qty_edit.setText(ins.format_qty(ins.snap_qty(base)))

    def draft(self) -> Draft:
        ins = self.instrument
        if ins is None:
            return Draft(None, {GENERAL: "select a symbol"})
        caps = self.capabilities_of(ins.symbol)
        balances: dict[str, Decimal] | None = {a: self.balance_of(a) for a in (ins.base_asset, ins.quote_asset)}
        if getattr(caps, "margin_account", False):
            balances = None  # a broker's margin account: buying power and short sales are the venue's to check
        otype = m.OrderType.MARKET if self.trailing() else self.order_type()
        qty_text = self.qty_edit.text()
        if self.unit_combo.currentData() == LOTS:  # typed in lots, drafted (and sent) in units
            qty_text = units_text(ins, qty_text)
        fees = getattr(caps, "fees", None)  # the venue's schedule (per share, minimums, caps), else the flat rate
        d = draft_order(ins, self.side(), otype, qty_text, self.price_edit.text(),
                        self.stop_edit.text(), self.market(), balances,
                        fees.rate if fees is not None else self.fee_rate,
                        qty_in_quote=self.unit_combo.currentData() == "quote",
                        time_in_force=self.tif_combo.currentData(), fees=fees)
        if d.request is None:
            return d
        problem = ""
        if self.trailing():
            problem = self.options_panel.trail()[1] or (
                "a trailing stop needs an amount in the base asset" if d.request.quantity is None else "")
        elif self.options_panel.attached():
            problem = self.options_panel.exits(self.side(), self._reference(d.request))[2] or (
                "a bracket's entry needs an amount in the base asset" if d.request.quantity is None else "")
        if problem:
            return Draft(None, {**d.errors, GENERAL: problem})
        if self.trailing():
            trail, _ = self.options_panel.trail()
            probe = dataclasses.replace(d.request, type=m.OrderType.STOP_LOSS, options=m.OrderOptions(**trail))
            self.options_panel.set_native(self.holds_natively(ins.symbol, "trailing", [probe]))
        elif self.options_panel.attached():
            self.options_panel.set_native(self.holds_natively(ins.symbol, "bracket", [d.request]))
        outside, options = self.options_panel.options()
        if outside or not options.empty:
            d = dataclasses.replace(d, request=dataclasses.replace(d.request, extended_hours=outside,
                                                                   options=options))
        return d

    def _reference(self, req: m.OrderRequest) -> Decimal | None:
        """What a bracket's exits are measured from: the entry's price, else the market's."""
        if req.price is not None:
            return req.price
        market = self.market()
        near = market.ask if req.side is m.Side.BUY else market.bid
        return near or self.last_price

    def describe(self, req: m.OrderRequest) -> str:
        """The order by side, type, amount and price: what the user sees, never the internal client id."""
        ins = self.instrument
        assert ins is not None
        parts = [req.side.name, f.enum_label(req.type).upper()]
        if req.quantity is not None:
            parts.append(f"{ins.format_qty(req.quantity)} {ins.base_asset}")
            if lot_traded(ins):
                parts.append(f"({m.fmt(req.quantity / ins.lot_size)} lots)")
        else:
            parts.append(f"{m.fmt(req.quote_quantity or ZERO)} {ins.quote_asset} worth of {ins.base_asset}")
        if req.price is not None:
            parts.append(f"@ {ins.format_price(req.price)}")
        else:
            parts.append("at market")
        if req.stop_price is not None:
            parts.append(f"stop {ins.format_price(req.stop_price)}")
        if req.time_in_force:
            parts.append(req.time_in_force.name)
        if req.extended_hours:
            parts.append("outside RTH")
        if req.options.at_close:
            parts.append("at the close")
        for name, value in req.options.params:
            parts.append(f"{name} {value}")
        if self.trailing():
            trail, _ = self.options_panel.trail()
            pct = trail.get("trail_percent")
            distance = f"{m.fmt(pct)}%" if pct is not None else ins.format_price(trail.get("trail_amount", ZERO))
            return f"{req.side.name} TRAILING STOP {ins.format_qty(req.quantity or ZERO)} {ins.base_asset} " \
                   f"trailing {distance}"
        if self.options_panel.attached():
            tp, sl, _ = self.options_panel.exits(req.side, self._reference(req))
            if tp is not None:
                parts.append(f"· take-profit {ins.format_price(tp)}")
            if sl is not None:
                parts.append(f"· stop-loss {ins.format_price(sl)}")
        return " ".join(parts)

    def details(self, d: Draft) -> list[str]:
        """The confirmation's figures: notional, fee, and how far the order's price is from the market."""
        ins = self.instrument
        assert ins is not None and d.request is not None
        q = ins.quote_asset
        lines = []
        if d.notional is not None:
            lines.append(f"Notional {f.amount(d.notional)} {q} · est. fee ≈ {f.amount(d.fee, 4)} {q}")
        if d.market_price is not None:
            market = f"the {d.market_name} ({ins.format_price(d.market_price)} {q})"
            if d.distance_pct is None:
                lines.append(f"At market: about {market}")
            else:
                what = "Price" if d.request.price is not None else "Stop"
                pct = abs(d.distance_pct).quantize(Decimal("0.01"))
                where = "above" if d.distance_pct > 0 else "below" if d.distance_pct < 0 else "at"
                lines.append(f"{what} {pct}% {where} {market}" if where != "at" else f"{what} at {market}")
        return lines

    def refresh(self) -> None:
        otype = self.order_type()
        side = self.side()
        colour = "buy" if side is m.Side.BUY else "sell"
        if self.submit.objectName() != colour:  # re-styling costs more than the rest of a refresh
            self.submit.setObjectName(colour)
            self.submit.style().unpolish(self.submit); self.submit.style().polish(self.submit)
        ins = self.instrument
        base = ins.base_asset if ins else ""
        self.submit.setText(f"{'Buy' if side is m.Side.BUY else 'Sell'} {base}".strip())
        if ins:
            asset = ins.quote_asset if side is m.Side.BUY else ins.base_asset
            free = self.balance_of(asset)
            shown = f.amount(free, 2) if asset == ins.quote_asset else ins.format_qty(free)
            self.available_label.setText(f"Available  {shown} {asset}")
        d = self.draft()
        in_lots = ins is not None and self.unit_combo.currentData() == LOTS
        self.lots_label.setText(lots_phrase(ins, self.qty_edit.text()) if in_lots and ins is not None else "")
        self.form.setRowVisible(self.lots_label, bool(self.lots_label.text()))
        edits = {PRICE: self.price_edit, STOP: self.stop_edit, QUANTITY: self.qty_edit}
        for name, row in self.messages.items():
            msg = d.errors.get(name, "")
            if name == QUANTITY and not self.qty_edit.text().strip():
                msg = ""  # an empty amount is not an error yet
            elif name == QUANTITY and in_lots and ins is not None and msg and d.suggestions.get(name):
                msg = f"not a whole number of lots (1 lot = {m.fmt(ins.lot_size)} units)"  # suggestions in lots
            if (name == STOP and not otype.has_stop) or (name == PRICE and not otype.has_price):
                msg = ""
            options = [(self._text_for(name, v), self._text_for(name, v)) for v in d.suggestions.get(name, ())]
            row.show_message(msg, options if msg else [])
        for name, edit in edits.items():
            bad = name in d.errors and bool(edit.text().strip())
            if edit.property("invalid") != bad:
                edit.setProperty("invalid", bad)
                edit.style().unpolish(edit); edit.style().polish(edit)
        quote = ins.quote_asset if ins else ""
        self.notional_label.setText(f"{f.amount(d.notional)} {quote}" if d.notional is not None else f.DASH)
        self.fee_label.setText(f"≈ {f.amount(d.fee, 4)} {quote}" if d.fee is not None else f.DASH)
        fees = getattr(self.capabilities_of(ins.symbol), "fees", None) if ins else None
        note = getattr(fees, "note", "")
        self.fee_label.setToolTip(f"Estimated from the venue's schedule ({note})" if note else "Estimated fee")
        general = (d.errors.get(GENERAL, "") if ins else "") or self._rejection
        lab = self.errors[GENERAL]
        lab.setText(general)
        lab.setToolTip(general)
        lab.setVisible(bool(general))
        sends = d.request is not None and not general
        self.preview.setText(f"Sends: <b>{self.describe(d.request)}</b>" if sends and d.request else "")
        self.preview.setVisible(sends)
        self.submit.setEnabled(d.request is not None and self.trading_enabled and not self._busy
                               and self.placer is not None)
        if not self.trading_enabled:
            self.submit.setToolTip(self.disabled_reason)

    def _text_for(self, name: str, value: Decimal) -> str:
        """A suggested value as it goes into its field (instrument precision where that is exact)."""
        ins = self.instrument
        assert ins is not None
        if name in (PRICE, STOP):
            return ins.format_price(value) if decimals_of(value) <= ins.price_decimals else m.fmt(value)
        if self.unit_combo.currentData() == "quote":
            return m.fmt(value)
        if self.unit_combo.currentData() == LOTS:  # a suggestion in units, typed back in lots
            return m.fmt(value / ins.lot_size)
        step = lot(ins, self.order_type() is m.OrderType.MARKET)[0]
        return m.fmt(value, decimals_of(step)) if step else m.fmt(value)

    def _take(self, name: str, value: str) -> None:
        """A click on a suggestion: the value goes into its field (and the message goes with the error)."""
        edit = {PRICE: self.price_edit, STOP: self.stop_edit, QUANTITY: self.qty_edit}[name]
        edit.setText(value)
        edit.setFocus()

    # ---- hotkeys -------------------------------------------------------------------------------------------
    def buy_at_bid(self) -> asyncio.Task[Any] | None:
        """A LIMIT BUY of the ticket's amount at the best bid (read now, shown in the price field), then sent as
        the button sends it (with the confirmation when it is on)."""
        return self._at_touch(m.Side.BUY)

    def sell_at_ask(self) -> asyncio.Task[Any] | None:
        return self._at_touch(m.Side.SELL)

    def _at_touch(self, side: m.Side) -> asyncio.Task[Any] | None:
        ins = self.instrument
        if ins is None:
            return None
        market = self.market()
        price, name = (market.bid, "bid") if side is m.Side.BUY else (market.ask, "ask")
        if price is None:
            self.status.setText(f"No {name} for {ins.symbol} yet: nothing sent.")
            return None
        self.type_combo.setCurrentIndex(self.type_combo.findData(m.OrderType.LIMIT))
        (self.buy_tab if side is m.Side.BUY else self.sell_tab).setChecked(True)
        self.price_edit.setText(ins.format_price(price))
        return self._spawn_place()

    @property
    def _busy(self) -> bool:
        return self._asking or self._sending > 0

    def flatten(self) -> asyncio.Task[Any] | None:
        """Close the spot holding: a MARKET SELL of the free base balance, rounded down onto the lot step (what
        is left under one step cannot be sold)."""
        ins = self.instrument
        if ins is None:
            return None
        free = self.balance_of(ins.base_asset)
        step = lot(ins, True)[0]
        qty = m.snap(free, step, "down") if step else free
        if qty <= 0:
            self.status.setText(f"Nothing to flatten: {m.fmt(free)} {ins.base_asset} free.")
            return None
        self.type_combo.setCurrentIndex(self.type_combo.findData(m.OrderType.MARKET))
        self.sell_tab.setChecked(True)
        self.unit_combo.setCurrentIndex(self.unit_combo.findData("base"))
        self.qty_edit.setText(m.fmt(qty, decimals_of(step)) if step else m.fmt(qty))
        return self._spawn_place()

    def _spawn_place(self) -> asyncio.Task[Any] | None:
        try:
            task = asyncio.get_running_loop().create_task(self.place(hotkey=True))
        except RuntimeError:  # no event loop (a test without one): nothing can be sent
            return None
        self._tasks.add(task)
        task.add_done_callback(self._place_done)
        return task

    def _place_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("placing failed: %s", type(exc).__name__, exc_info=exc)

    # ---- sending -------------------------------------------------------------------------------------------
    async def _confirm_dialog(self, text: str) -> bool:
        """``text``: the order on its first line (asked about), figures on the next ones."""
        env = self.environment.name
        order, nl, figures = text.partition("\n")
        return await ask(self, f"Confirm order — {env}", f"{env}: {order}?{nl}{figures}", OK_CANCEL) == OK

    def needs_confirmation(self) -> bool:
        return self.environment is m.Environment.LIVE or self.confirm_box.isChecked()

    @asyncSlot()
    async def _on_submit(self) -> None:
        await self.place()

    async def place(self, hotkey: bool = False) -> m.Order | None:
        """Send the ticket's order (asking first when confirmations are on). The button and Enter wait for the
        previous order; a hotkey sends at once unless a confirmation box is open."""
        d = self.draft()
        if self.placer is None or not self.trading_enabled or self._asking or (self._sending and not hotkey):
            if hotkey and self._asking:
                self.status.setText("Not sent: answer the open confirmation first.")
            return None
        if d.request is None:
            if d.errors:
                self.status.setText(f"Not sent: {next(iter(d.errors.values()))}")
            return None
        text = self.describe(d.request)
        if self.needs_confirmation():
            self._asking = True  # one question at a time: no second order while the box is open
            self.refresh()
            try:
                confirmed = await self.confirm("\n".join([text, "", *self.details(d)]))
            finally:
                self._asking = False
                if isValid(self):  # else the widget went while the box was open
                    self.refresh()
            if not isValid(self):
                return None
            if not confirmed or self.placer is None or not self.trading_enabled:
                self.status.setText("Not sent.")
                return None
        self._sending += 1
        self._rejection = ""
        self.status.setText(f"Sending {text}…")
        self.refresh()
        error: tuple[str, str] | None = None
        unknown = False
        try:
            if self.trailing() and self.trailing_placer is not None:
                trail, _ = self.options_panel.trail()
                group = await self.trailing_placer(d.request.symbol, d.request.side, d.request.quantity, **trail)
                order = None
            elif self.options_panel.attached() and self.bracket_placer is not None:
                tp, sl, _ = self.options_panel.exits(d.request.side, self._reference(d.request))
                group = await self.bracket_placer(d.request, tp, sl)
                order = None
            else:
                group = None
                order = await self.placer(d.request)
        except m.OrderValidationError as exc:
            error = (exc.field or "", exc.message)
        except Exception as exc:  # venue rejections, rate limits, balance: shown in place, logged without secrets
            log.warning("order rejected: %s: %s", type(exc).__name__, getattr(exc, "message", exc))
            unknown = type(exc).__name__ in UNKNOWN_OUTCOME  # the venue may still have it: reconciled later
            error = ("", f"{type(exc).__name__}: {getattr(exc, 'message', str(exc))}")
        finally:
            self._sending -= 1
            if isValid(self):
                self.refresh()
        if not isValid(self):
            return None
        if error is not None:
            message = error[1].replace(d.request.client_order_id, "the order")  # never an internal id
            self._show_error(error[0], message)
            self.status.setText(f"{text}: {'not confirmed yet' if unknown else 'not sent'}")
            return None
        if order is None:  # a protective group: its legs reach the blotters through the bus
            held = getattr(getattr(group, "held_by", None), "value", "")
            self.status.setText(f"Sent: {text}" + (f" — held by {'the exchange' if held == 'venue' else 'this app'}"
                                                    if held else ""))
            return None
        self.status.setText(f"Sent: {text} — {f.enum_label(order.status)}")
        self.order_placed.emit(order)
        return order

    def _show_error(self, field: str, message: str) -> None:
        """A refusal after sending: under its field, or as the order's line until the order is edited."""
        row = self.messages.get(field)
        if row is not None:
            row.show_message(message)
        else:
            self._rejection = message
            self.refresh()


def _number(text: str) -> Decimal | None:
    try:
        return parse_number(text)
    except ValueError:
        return None

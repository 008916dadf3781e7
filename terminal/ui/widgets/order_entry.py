"""Order entry: side, type, price/stop, quantity in base or quote, % of balance, and the order as it will be sent.

Every number is parsed to Decimal and snapped to the instrument's filters *for display*: the preview shows exactly
what goes on the wire, and each invalid field is explained under it (``Instrument.validate_order`` and the
session's errors). Placing awaits an async ``placer`` (the session) and never blocks the GUI.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Awaitable, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QVBoxLayout, QWidget)
from qasync import asyncSlot
from shiboken6 import isValid

from ... import model as m
from ...model import ZERO
from .. import format as f
from .. import theme
from ..dialogs.ask import OK, OK_CANCEL, ask

log = logging.getLogger(__name__)
FEE_RATE = Decimal("0.001")  # estimate shown before sending (Binance spot default taker/maker)
TYPES = [("Limit", m.OrderType.LIMIT), ("Market", m.OrderType.MARKET), ("Stop-limit", m.OrderType.STOP_LOSS_LIMIT)]


@dataclass(frozen=True)
class Draft:
    """The order as it would be sent, or the reasons it cannot be."""

    request: m.OrderRequest | None
    errors: dict[str, str]  # field ("price", "stop_price", "quantity", "" for general) -> message
    notional: Decimal | None = None
    fee: Decimal | None = None


def parse(text: str) -> Decimal | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not d.is_finite() or d < 0:
        raise ValueError(f"{text!r} is not a positive number")
    return d


class OrderEntryWidget(QWidget):
    order_placed = Signal(object)  # Order

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.instrument: m.Instrument | None = None
        self.last_price: Decimal | None = None
        self.balance_of: Callable[[str], Decimal] = lambda asset: ZERO
        self.placer: Callable[[m.OrderRequest], Awaitable[m.Order]] | None = None
        self.confirm: Callable[[str], Awaitable[bool]] = self._confirm_dialog  # asks the user; never blocks
        self.environment = m.Environment.SANDBOX
        self.trading_enabled = True
        self.disabled_reason = ""
        self._busy = False

        self.symbol_label = QLabel("—", self)
        self.symbol_label.setStyleSheet("font-size: 14px; font-weight: 700;")
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
        self.tif_combo = QComboBox(self)
        for tif in m.TimeInForce:
            self.tif_combo.addItem(tif.name, tif)
        self.price_edit = QLineEdit(self); self.price_edit.setPlaceholderText("Price")
        self.stop_edit = QLineEdit(self); self.stop_edit.setPlaceholderText("Stop price")
        self.qty_edit = QLineEdit(self); self.qty_edit.setPlaceholderText("Amount")
        self.unit_combo = QComboBox(self)
        self.pct_buttons: list[QPushButton] = []
        for e in (self.price_edit, self.stop_edit, self.qty_edit):
            e.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.errors = {k: self._error_label() for k in ("price", "stop_price", "quantity", "")}
        self.available_label = QLabel("", self); self.available_label.setObjectName("muted")
        self.preview = QLabel("", self); self.preview.setWordWrap(True)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notional_label = QLabel(f.DASH, self)
        self.fee_label = QLabel(f.DASH, self)
        self.confirm_box = QCheckBox("Confirm before sending", self)
        self.confirm_box.setChecked(True)
        self.submit = QPushButton("Buy", self); self.submit.setObjectName("buy")
        self.submit.setMinimumHeight(34)
        self.status = QLabel("", self); self.status.setWordWrap(True)
        theme.style(self)
        self._layout()
        self.side_group.buttonToggled.connect(lambda *_: self.refresh())
        self.type_combo.currentIndexChanged.connect(lambda *_: self.refresh())
        self.tif_combo.currentIndexChanged.connect(lambda *_: self.refresh())
        self.unit_combo.currentIndexChanged.connect(lambda *_: self.refresh())
        for e in (self.price_edit, self.stop_edit, self.qty_edit):
            e.textChanged.connect(lambda *_: self.refresh())
            e.returnPressed.connect(self.submit.click)
        self.submit.clicked.connect(self._on_submit)
        self.refresh()

    def _error_label(self) -> QLabel:
        lab = QLabel("", self)
        lab.setObjectName("fieldError")
        lab.setWordWrap(True)
        lab.hide()
        return lab

    def _layout(self) -> None:
        sides = QHBoxLayout(); sides.setSpacing(0)
        sides.addWidget(self.buy_tab); sides.addWidget(self.sell_tab)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setHorizontalSpacing(8); form.setVerticalSpacing(4)
        form.addRow("Type", self.type_combo)
        form.addRow("Price", self.price_edit)
        form.addRow("", self.errors["price"])
        form.addRow("Stop", self.stop_edit)
        form.addRow("", self.errors["stop_price"])
        qty_row = QHBoxLayout(); qty_row.addWidget(self.qty_edit, 1); qty_row.addWidget(self.unit_combo)
        form.addRow("Amount", qty_row)
        form.addRow("", self.errors["quantity"])
        pcts = QHBoxLayout(); pcts.setSpacing(4)
        for p in (25, 50, 75, 100):
            b = QPushButton(f"{p}%", self)
            b.setFixedHeight(22)
            b.clicked.connect(lambda _=False, p=p: self.set_percent(p))
            self.pct_buttons.append(b)
            pcts.addWidget(b)
        form.addRow("", pcts)
        form.addRow("TIF", self.tif_combo)
        summary = QGridLayout(); summary.setVerticalSpacing(2)
        for r, (name, w) in enumerate((("Notional", self.notional_label), ("Est. fee", self.fee_label))):
            lab = QLabel(name, self); lab.setObjectName("muted")
            summary.addWidget(lab, r, 0)
            w.setAlignment(Qt.AlignmentFlag.AlignRight)
            summary.addWidget(w, r, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6); lay.setSpacing(6)
        lay.addWidget(self.symbol_label)
        lay.addLayout(sides)
        lay.addLayout(form)
        lay.addWidget(self.available_label)
        lay.addLayout(summary)
        lay.addWidget(self.preview)
        lay.addWidget(self.errors[""])
        lay.addWidget(self.confirm_box)
        lay.addWidget(self.submit)
        lay.addWidget(self.status)
        lay.addStretch(1)

    # ---- inputs from the window ----------------------------------------------------------------------------
    def set_instrument(self, instrument: m.Instrument | None) -> None:
        self.instrument = instrument
        self.last_price = None
        self.unit_combo.blockSignals(True)
        self.unit_combo.clear()
        if instrument:
            self.symbol_label.setText(f"{instrument.base_asset}/{instrument.quote_asset}")
            self.unit_combo.addItem(instrument.base_asset, "base")
            self.unit_combo.addItem(instrument.quote_asset, "quote")
        self.unit_combo.blockSignals(False)
        self.price_edit.clear(); self.stop_edit.clear(); self.qty_edit.clear()
        self.refresh()

    def set_last_price(self, price: Decimal | None) -> None:
        self.last_price = price
        if self.instrument and not self.price_edit.text() and price is not None:
            self.price_edit.setText(self.instrument.format_price(price))
        else:
            self.refresh()

    def set_price(self, price: Decimal) -> None:
        """From a click in the book or the chart."""
        if self.instrument:
            price = self.instrument.snap_price(price, "nearest")
            self.price_edit.setText(self.instrument.format_price(price))
        else:
            self.price_edit.setText(m.fmt(price))
        if self.order_type() is m.OrderType.MARKET:
            self.type_combo.setCurrentIndex(0)

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

    # ---- the draft -----------------------------------------------------------------------------------------
    def set_percent(self, pct: int) -> None:
        ins = self.instrument
        if ins is None:
            return
        try:
            price = parse(self.price_edit.text()) if self.order_type().has_price else None
        except ValueError:
            price = None
        price = price or self.last_price
        quote_unit = self.unit_combo.currentData() == "quote"
        if self.side() is m.Side.BUY:
            quote = self.balance_of(ins.quote_asset) * pct / 100 / (1 + FEE_RATE)
            if quote_unit:
                self.qty_edit.setText(m.fmt(quote, ins.quote_precision if ins.quote_precision < 8 else 2))
            elif price:
                self.qty_edit.setText(ins.format_qty(ins.snap_qty(quote / price)))
        else:
            base = self.balance_of(ins.base_asset) * pct / 100
            if quote_unit and price:
                self.qty_edit.setText(m.fmt(base * price, 2))
            else:
                self.qty_edit.setText(ins.format_qty(ins.snap_qty(base)))

    def draft(self) -> Draft:
        ins = self.instrument
        if ins is None:
            return Draft(None, {"": "select a symbol"})
        errors: dict[str, str] = {}
        side, otype = self.side(), self.order_type()
        price = stop = amount = None
        for name, edit in (("price", self.price_edit), ("stop_price", self.stop_edit), ("quantity", self.qty_edit)):
            try:
                value = parse(edit.text())
            except ValueError as exc:
                errors[name] = str(exc)
                continue
            if name == "price":
                price = ins.snap_price(value, "nearest") if value is not None and otype.has_price else None
            elif name == "stop_price":
                stop = ins.snap_price(value, "nearest") if value is not None and otype.has_stop else None
            else:
                amount = value
        quote_unit = self.unit_combo.currentData() == "quote"
        ref = price if otype.has_price else self.last_price
        qty = quote_qty = None
        if amount is not None:
            if quote_unit and otype is m.OrderType.MARKET:
                quote_qty = amount.quantize(Decimal(1).scaleb(-min(ins.quote_precision, 8)))
            elif quote_unit:
                qty = ins.snap_qty(amount / ins.notional(ref, Decimal(1))) if ref else None
                if ref is None:
                    errors.setdefault("price", "enter a price to convert the amount")
            else:
                qty = ins.snap_qty(amount, market=otype is m.OrderType.MARKET)
        elif "quantity" not in errors:
            errors["quantity"] = "enter an amount"
        tif = self.tif_combo.currentData() if otype.has_tif else None
        if not errors:
            try:
                ins.validate_order(side, otype, quantity=qty, price=price, stop_price=stop, quote_quantity=quote_qty,
                                   reference_price=ref)
            except m.OrderValidationError as exc:
                errors[exc.field or ("quantity" if "NOTIONAL" in exc.filter or "LOT" in exc.filter else "")] = exc.message
        notional = ins.notional(ref, qty) if (qty is not None and ref) else quote_qty
        fee = notional * FEE_RATE if notional is not None else None
        if notional is not None and not errors:
            if side is m.Side.BUY:
                free = self.balance_of(ins.quote_asset)
                if notional + (fee or ZERO) > free:
                    errors["quantity"] = (f"insufficient {ins.quote_asset}: needs {f.amount(notional + (fee or ZERO))},"
                                          f" available {f.amount(free)}")
            else:
                free = self.balance_of(ins.base_asset)
                unit = ins.notional(ref, Decimal(1)) if ref else None  # value of one unit
                need = qty if qty is not None else (quote_qty / unit if (unit and quote_qty) else ZERO)
                if need > free:
                    errors["quantity"] = f"insufficient {ins.base_asset}: needs {ins.format_qty(need)}, available {ins.format_qty(free)}"
        if errors:
            return Draft(None, errors, notional, fee)
        req = m.OrderRequest(symbol=ins.symbol, side=side, type=otype, quantity=qty, price=price, stop_price=stop,
                             quote_quantity=quote_qty, time_in_force=tif)
        return Draft(req, {}, notional, fee)

    def describe(self, req: m.OrderRequest) -> str:
        ins = self.instrument
        assert ins is not None
        parts = [req.side.name, f.enum_label(req.type).upper()]
        if req.quantity is not None:
            parts.append(f"{ins.format_qty(req.quantity)} {ins.base_asset}")
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
        return " ".join(parts)

    def refresh(self) -> None:
        otype = self.order_type()
        self.price_edit.setEnabled(otype.has_price)
        self.stop_edit.setVisible(otype.has_stop)
        self.layout_label_visible(self.stop_edit, otype.has_stop)
        self.tif_combo.setEnabled(otype.has_tif)
        side = self.side()
        self.submit.setObjectName("buy" if side is m.Side.BUY else "sell")
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
        for name, lab in self.errors.items():
            msg = d.errors.get(name, "")
            if name == "quantity" and not self.qty_edit.text().strip():
                msg = ""  # an empty amount is not an error yet
            lab.setText(msg)
            lab.setVisible(bool(msg))
        for name, edit in (("price", self.price_edit), ("stop_price", self.stop_edit), ("quantity", self.qty_edit)):
            bad = name in d.errors and bool(edit.text().strip())
            if edit.property("invalid") != bad:
                edit.setProperty("invalid", bad)
                edit.style().unpolish(edit); edit.style().polish(edit)
        quote = ins.quote_asset if ins else ""
        self.notional_label.setText(f"{f.amount(d.notional)} {quote}" if d.notional is not None else f.DASH)
        self.fee_label.setText(f"≈ {f.amount(d.fee, 4)} {quote}" if d.fee is not None else f.DASH)
        self.preview.setText(f"Sends: <b>{self.describe(d.request)}</b>" if d.request else "")
        self.submit.setEnabled(d.request is not None and self.trading_enabled and not self._busy
                               and self.placer is not None)
        if not self.trading_enabled:
            self.submit.setToolTip(self.disabled_reason)

    def layout_label_visible(self, field: QWidget, visible: bool) -> None:
        lay = self.findChild(QFormLayout)
        if lay is not None:
            label = lay.labelForField(field)
            if label is not None:
                label.setVisible(visible)

    # ---- sending -------------------------------------------------------------------------------------------
    async def _confirm_dialog(self, text: str) -> bool:
        env = self.environment.name
        return await ask(self, f"Confirm order — {env}", f"{env}: {text}?", OK_CANCEL) == OK

    def needs_confirmation(self) -> bool:
        return self.environment is m.Environment.LIVE or self.confirm_box.isChecked()

    @asyncSlot()
    async def _on_submit(self) -> None:
        await self.place()

    async def place(self) -> m.Order | None:
        d = self.draft()
        if d.request is None or self.placer is None or self._busy or not self.trading_enabled:
            return None
        text = self.describe(d.request)
        if self.needs_confirmation():
            self._busy = True  # one question at a time: no second order while the box is open
            self.refresh()
            try:
                confirmed = await self.confirm(text)
            finally:
                self._busy = False
                if isValid(self):  # else the widget went while the box was open
                    self.refresh()
            if not isValid(self):
                return None
            if not confirmed or self.placer is None or not self.trading_enabled:
                self.status.setText("Not sent.")
                return None
        self._busy = True
        self.status.setText("Sending…")
        self.refresh()
        error: tuple[str, str] | None = None
        try:
            order = await self.placer(d.request)
        except m.OrderValidationError as exc:
            error = (exc.field or "", exc.message)
        except Exception as exc:  # venue rejections, rate limits, balance: shown in place, logged without secrets
            log.warning("order rejected: %s: %s", type(exc).__name__, getattr(exc, "message", exc))
            error = ("", f"{type(exc).__name__}: {getattr(exc, 'message', str(exc))}")
        finally:
            self._busy = False
            self.refresh()
        if error is not None:
            self._show_error(*error)
            return None
        self.status.setText(f"Sent: {text} — {f.enum_label(order.status)}")
        self.order_placed.emit(order)
        return order

    def _show_error(self, field: str, message: str) -> None:
        lab = self.errors.get(field, self.errors[""])
        lab.setText(message)
        lab.show()
        self.status.setText("")

"""Modify an open order: a small non-modal dialog with its price and quantity, checked against the instrument.

Prefilled with the order's price and the quantity still to fill, at instrument precision. Every edit is checked with
the model's own rules (``Instrument.validate_order``): an error names the rule and the nearest valid value, and
"Modify" stays disabled until the values are valid and differ from the order's. Nothing is rounded silently.
Run it with ``await run_dialog(dialog, modal=False)``; ``values()`` then holds the new price and quantity. The
blotters send them through ``session.replace_order`` (cancel, then place the new order).
"""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ... import model as m
from .. import format as f
from .. import theme


def parse(text: str, name: str) -> Decimal:
    """A positive plain decimal (the model's parser: no exponent, NaN or non-ASCII digit), or ValueError."""
    text = text.strip()
    if not text:
        raise ValueError(f"{name}: enter a value")
    d = m.to_decimal(text, name=name)  # NumberError is a ValueError naming the field
    if d <= 0:
        raise ValueError(f"{name}: must be greater than zero")
    return d


def describe(order: m.Order, instrument: m.Instrument | None, qty: Decimal | None = None,
             price: Decimal | None = None) -> str:
    """"BUY LIMIT 0.01000 BTC @ 60000.00" (with a new quantity and price if given)."""
    q = order.remaining_qty if qty is None else qty
    p = order.price if price is None else price
    base = instrument.base_asset if instrument else ""
    text = f"{order.side.name} {order.type.name.replace('_', ' ')} {f.qty(instrument, q)} {base or order.symbol}"
    return text + (f" @ {f.price(instrument, p)}" if p is not None else "")


class ModifyOrderDialog(QDialog):
    def __init__(self, order: m.Order, instrument: m.Instrument | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.order = order
        self.instrument = instrument
        self.setWindowTitle(f"Modify order — {order.symbol}")
        self.setObjectName("modifyOrderDialog")
        self.summary = QLabel(self._summary(order), self)
        self.summary.setWordWrap(True)
        self.price_edit = QLineEdit(f.price(instrument, order.price) if order.price is not None else "", self)
        self.price_edit.setObjectName("modifyPrice")
        self.price_edit.setEnabled(order.type.has_price)
        self.qty_edit = QLineEdit(f.qty(instrument, order.remaining_qty), self)
        self.qty_edit.setObjectName("modifyQty")
        for e in (self.price_edit, self.qty_edit):
            e.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.error = QLabel("", self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.setMinimumHeight(self.fontMetrics().height() * 2 + 4)  # reserved: the form never jumps
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Modify")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        quote = instrument.quote_asset if instrument else ""
        base = instrument.base_asset if instrument else ""
        form.addRow(f"Price ({quote})" if quote else "Price", self.price_edit)
        form.addRow(f"Quantity ({base})" if base else "Quantity", self.qty_edit)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        theme.style(self)
        self._values: tuple[Decimal | None, Decimal] | None = None
        self.price_edit.textChanged.connect(self.check)
        self.qty_edit.textChanged.connect(self.check)
        self.check()

    def _summary(self, order: m.Order) -> str:
        filled = f.qty(self.instrument, order.filled_qty)
        return (f"{describe(order, self.instrument)} · filled {filled} of {f.qty(self.instrument, order.quantity)}"
                "<br>The order is canceled and placed again with the new values (a new client id).")

    def values(self) -> tuple[Decimal | None, Decimal] | None:
        """(price, quantity) as entered, once valid; None otherwise. The price is None for an order without one."""
        return self._values

    def check(self) -> bool:
        """Validate the fields; enable "Modify" only for valid values that change the order."""
        self._values = None
        o, ins = self.order, self.instrument
        try:
            price = parse(self.price_edit.text(), "price") if o.type.has_price else None
            qty = parse(self.qty_edit.text(), "quantity")
        except ValueError as exc:
            return self._refuse(str(exc))
        if ins is not None:
            try:
                ins.validate_order(o.side, o.type, qty, price, o.stop_price, time_in_force=o.time_in_force)
            except m.OrderValidationError as exc:
                return self._refuse(exc.message)
        if price == o.price and qty == o.remaining_qty:
            self.error.setText("")
            self.ok.setEnabled(False)
            self.ok.setToolTip("Nothing changed")
            return False
        self._values = (price, qty)
        self.error.setText("")
        self.ok.setEnabled(True)
        self.ok.setToolTip("")
        return True

    def _refuse(self, message: str) -> bool:
        self.error.setText(message[:1].upper() + message[1:])
        self.ok.setEnabled(False)
        return False

    def order_changed(self, order: m.Order) -> None:
        """The order moved on while the dialog was open: a closed order cannot be modified any more."""
        self.order = order
        self.summary.setText(self._summary(order))
        if not order.is_open:
            self.price_edit.setEnabled(False)
            self.qty_edit.setEnabled(False)
            self._values = None
            self.ok.setEnabled(False)
            self.error.setText(f"The order is {f.enum_label(order.status).lower()}: nothing left to modify.")
        else:
            self.check()

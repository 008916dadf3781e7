"""The ticket's venue-dependent part: protective exits attached to the entry (take-profit and stop-loss by price, %
or ticks), a trailing stop, outside-regular-hours, the venue's own order parameters (Kite's product and variety),
quantities in lots for contracts that trade in lots, and whether the protection is held by the exchange or by this
app.

Pure arithmetic lives in ``exit_price`` (no Qt); the widget only shows what the venue declares (``Capabilities``):
a venue without market hours shows no outside-RTH box, one without order parameters no parameter rows.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QToolButton,
                               QVBoxLayout, QWidget)

from ... import model as m

UNITS = (("price", "price"), ("%", "pct"), ("ticks", "ticks"))
APP_HELD = "held by this app (works only while it runs)"
#: venue parameters every order carries (Kite's product and variety): no "not sent" choice
REQUIRED_PARAMS = frozenset({"product", "variety"})
VENUE_HELD = "held by the exchange"
#: a bracket the venue cannot hold whole but whose exits it can (its OCO, or a stop alone): the session hands them
#: over once the entry has filled
HANDOFF_HELD = "held by this app until the entry fills, then by the exchange"


def exit_price(ins: m.Instrument, side: m.Side, reference: Decimal, value: Decimal, unit: str,
               role: str) -> Decimal:
    """The take-profit (``role`` "tp") or stop-loss ("sl") price of an entry on ``side`` at ``reference``, from a
    price, a distance in percent, or a distance in ticks; snapped onto the tick away from the entry's favour for a
    stop (never tighter than asked) and toward it for a take-profit."""
    if unit == "price":
        return value
    distance = reference * value / 100 if unit == "pct" else ins.tick_size * value
    profit_up = side is m.Side.BUY
    up = profit_up if role == "tp" else not profit_up
    raw = reference + distance if up else reference - distance
    return ins.snap_price(raw, "up" if up else "down")


class TicketOptions(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caps: Any = None
        self.instrument: m.Instrument | None = None
        #: the venue's own answer for the group as it stands (its can_hold), None: the capabilities decide
        self.native_override: bool | None = None
        self.tp_box = QCheckBox("Take-profit", self)
        self.tp_edit = QLineEdit(self)
        self.tp_unit = QComboBox(self)
        self.sl_box = QCheckBox("Stop-loss", self)
        self.sl_edit = QLineEdit(self)
        self.sl_unit = QComboBox(self)
        for combo in (self.tp_unit, self.sl_unit):
            for label, data in UNITS:
                combo.addItem(label, data)
        self.trail_edit = QLineEdit(self)  # the trailing stop's distance (Type "Trailing stop")
        self.trail_edit.setPlaceholderText("Trail distance")
        self.trail_unit = QComboBox(self)
        self.trail_unit.addItem("price", "price")
        self.trail_unit.addItem("%", "pct")
        self.outside_rth = QCheckBox("Outside regular hours", self)
        self.outside_rth.setToolTip("May fill in pre-market and after-hours where the venue allows it")
        self.at_close = QCheckBox("At the close (MOC / LOC)", self)
        self.at_close.setToolTip("Market or limit order for the closing auction (only where the venue takes them)")
        self.held_label = QLabel("", self)
        self.held_label.setObjectName("muted")
        self.held_label.setWordWrap(True)
        self.param_combos: dict[str, QComboBox] = {}
        for e in (self.tp_edit, self.sl_edit, self.trail_edit):
            e.setPlaceholderText(e.placeholderText() or "off")
            e.textChanged.connect(self._on_change)
        for w in (self.tp_box, self.sl_box, self.outside_rth, self.at_close):
            w.toggled.connect(self._on_change)
        for c in (self.tp_unit, self.sl_unit, self.trail_unit):
            c.currentIndexChanged.connect(self._on_change)
        #: collapsed by default (a plain order needs none of it); the button says what is set while collapsed
        self.toggle = QToolButton(self)
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setStyleSheet("QToolButton { border: none; }")
        self.toggle.toggled.connect(self._on_toggle)
        self.body = QWidget(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        outer.addWidget(self.toggle)
        outer.addWidget(self.body)
        self.body.hide()
        self.form = QFormLayout(self.body)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setVerticalSpacing(3)
        self.form.addRow(self.tp_box, self._row(self.tp_edit, self.tp_unit))
        self.form.addRow(self.sl_box, self._row(self.sl_edit, self.sl_unit))
        self.form.addRow("Trail", self._row(self.trail_edit, self.trail_unit))
        self.form.addRow("", self.outside_rth)
        self.form.addRow("", self.at_close)
        self.form.addRow(self.held_label)
        self.set_trailing(False)
        self._on_change()

    def _row(self, edit: QLineEdit, unit: QComboBox) -> QWidget:
        box = QWidget(self)
        lay = QHBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(edit, 1)
        lay.addWidget(unit)
        return box

    def _on_toggle(self, on: bool) -> None:
        self.body.setVisible(on)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self._summary()

    def expand(self, on: bool = True) -> None:
        self.toggle.setChecked(on)

    def _summary(self) -> None:
        """The button's text: what is set ("Exits & options: take-profit 2 % · stop-loss 100 ticks")."""
        parts = []
        for name, box, edit, unit in (("take-profit", self.tp_box, self.tp_edit, self.tp_unit),
                                      ("stop-loss", self.sl_box, self.sl_edit, self.sl_unit)):
            if box.isChecked() and edit.text().strip():
                u = unit.currentText()
                parts.append(f"{name} {edit.text().strip()}{'' if u == 'price' else ' ' + u}")
        if self.outside_rth.isChecked():
            parts.append("outside RTH")
        text = "Exits && options" + (f": {' · '.join(parts)}" if parts and not self.toggle.isChecked() else "")
        self.toggle.setText(text)

    def _on_change(self, *_: object) -> None:
        self._summary()
        self.tp_edit.setEnabled(self.tp_box.isChecked())
        self.tp_unit.setEnabled(self.tp_box.isChecked())
        self.sl_edit.setEnabled(self.sl_box.isChecked())
        self.sl_unit.setEnabled(self.sl_box.isChecked())
        self._held_text()
        self.changed.emit()

    # ---- what the venue declares ----------------------------------------------------------------------------
    def set_venue(self, caps: Any, instrument: m.Instrument | None) -> None:
        self.caps, self.instrument = caps, instrument
        hours = bool(getattr(caps, "market_hours", False)) and instrument is not None and instrument.hours is not None
        self.form.setRowVisible(self.outside_rth, hours)
        if not hours:
            self.outside_rth.setChecked(False)
        closing = "at_close" in (getattr(caps, "order_options", None) or ())
        self.form.setRowVisible(self.at_close, closing)
        if not closing:
            self.at_close.setChecked(False)
        for name, widget in list(self.param_combos.items()):
            self.form.removeRow(widget)
        self.param_combos.clear()
        params = dict(getattr(caps, "order_params", {}) or {})
        for name, values in params.items():
            label = name.replace("_", " ").capitalize()
            if values:  # a choice: the venue's first value is its default; an optional one may be left out
                combo = QComboBox(self)
                combo.setObjectName(f"param_{name}")
                if name not in REQUIRED_PARAMS:
                    combo.addItem("— (not sent)", "")
                for v in values:
                    combo.addItem(v, v)
                combo.currentIndexChanged.connect(self._on_change)
                self.form.insertRow(self.form.rowCount() - 1, label, combo)
                self.param_combos[name] = combo
            else:  # a free value (a percentage, a trigger price): empty = not sent
                edit = QLineEdit(self)
                edit.setObjectName(f"param_{name}")
                edit.setPlaceholderText("not sent")
                edit.textChanged.connect(self._on_change)
                self.form.insertRow(self.form.rowCount() - 1, label, edit)
                self.param_combos[name] = edit  # type: ignore[assignment]
        self._held_text()

    def set_trailing(self, on: bool) -> None:
        """Type "Trailing stop": the trail row instead of the attached exits (shown at once)."""
        if on:
            self.expand()
        self.form.setRowVisible(self.trail_edit.parentWidget(), on)
        for box, edit in ((self.tp_box, self.tp_edit), (self.sl_box, self.sl_edit)):
            self.form.setRowVisible(box, not on)
        self._held_text()

    def _held_text(self) -> None:
        caps = self.caps
        trailing = self.form.isRowVisible(self.trail_edit.parentWidget())
        wanted = trailing or self.tp_box.isChecked() or self.sl_box.isChecked()
        native = bool(getattr(caps, "native_trailing" if trailing else "native_bracket", False))
        if self.native_override is not None:
            native = native and self.native_override
        text = VENUE_HELD if native else APP_HELD
        if not native and not trailing and self._exits_native(caps):
            text = HANDOFF_HELD
        self.held_label.setText(f"Protection {text}" if wanted else "")
        self.held_label.setVisible(wanted)

    def _exits_native(self, caps: object) -> bool:
        """Whether the venue can hold the attached exits once the entry has filled: both as its native OCO, a stop
        alone as a plain stop order (what ``Session.place_bracket`` hands over)."""
        if self.tp_box.isChecked() and self.sl_box.isChecked():
            return bool(getattr(caps, "native_oco", False))
        types = getattr(caps, "order_types", ()) or ()
        return self.sl_box.isChecked() and "STOP_LOSS" in types

    def set_native(self, native: bool | None) -> None:
        if native != self.native_override:
            self.native_override = native
            self._held_text()

    # ---- what the ticket sends --------------------------------------------------------------------------------
    def attached(self) -> bool:
        return self.tp_box.isChecked() or self.sl_box.isChecked()

    def exits(self, side: m.Side, reference: Decimal | None) -> tuple[Decimal | None, Decimal | None, str]:
        """(take-profit, stop-loss, problem in words or "") for an entry on ``side`` at ``reference``."""
        ins = self.instrument
        out: list[Decimal | None] = []
        for role, box, edit, unit in (("tp", self.tp_box, self.tp_edit, self.tp_unit),
                                      ("sl", self.sl_box, self.sl_edit, self.sl_unit)):
            if not box.isChecked():
                out.append(None)
                continue
            name = "take-profit" if role == "tp" else "stop-loss"
            try:
                value = Decimal(edit.text().strip())
            except InvalidOperation:
                return None, None, f"{name}: {edit.text().strip() or 'empty'} is not a number"
            if not value.is_finite() or value <= 0:
                return None, None, f"{name}: must be positive"
            if ins is None or (unit.currentData() != "price" and reference is None):
                return None, None, f"{name}: no price to measure from yet"
            out.append(exit_price(ins, side, reference or value, value, unit.currentData(), role))
        return out[0], out[1], ""

    def trail(self) -> tuple[dict[str, Decimal], str]:
        """The trailing stop's ``trail_amount``/``trail_percent`` argument, or a problem in words."""
        try:
            value = Decimal(self.trail_edit.text().strip())
        except InvalidOperation:
            return {}, f"trail: {self.trail_edit.text().strip() or 'empty'} is not a number"
        if not value.is_finite() or value <= 0:
            return {}, "trail: must be positive"
        return ({"trail_percent": value} if self.trail_unit.currentData() == "pct" else {"trail_amount": value}), ""

    def options(self) -> tuple[bool, m.OrderOptions]:
        """(outside regular hours, the venue parameters as OrderOptions)."""
        params = {}
        for name, widget in self.param_combos.items():
            value = widget.currentData() if isinstance(widget, QComboBox) else widget.text().strip()
            if value:
                params[name] = str(value)
        closing = self.at_close.isChecked() and self.form.isRowVisible(self.at_close)
        extra = {"at_close": True} if closing else {}
        return (self.outside_rth.isChecked() and self.form.isRowVisible(self.outside_rth),
                m.OrderOptions.make(params=params, **extra) if params or extra else m.OrderOptions())

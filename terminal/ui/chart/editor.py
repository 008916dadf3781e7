"""The indicators popup: switch each indicator on or off and edit its period, source and colour.

A small non-modal popup under the toolbar's Indicators button (it closes on a click elsewhere, like a menu).
Every edit applies at once: ``toggled(kind, on)`` and ``edited(spec)`` go to the chart, which redraws and saves
the symbol's choice. The colour button opens a menu of swatches (opened with ``popup()``, never ``exec()``).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QMenu,
                               QSpinBox, QToolButton, QWidget)

from terminal.ui.chart.indicator import KINDS, MAX_PERIOD, NAMES, SOURCES, SWATCHES, IndicatorSpec
from terminal.ui.chart.theme import ChartPalette


def swatch(color: str, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(QColor(color))
    return QIcon(pix)


class _Row:
    """The widgets of one indicator."""

    def __init__(self, panel: "IndicatorPanel", kind: str, grid: QGridLayout, row: int) -> None:
        self.kind = kind
        self.check = QCheckBox(NAMES[kind], panel)
        self.spins: dict[str, QSpinBox | QDoubleSpinBox] = {}
        params = QWidget(panel)
        lay = QHBoxLayout(params)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        fields = ("fast", "slow", "signal") if kind == "macd" else ("period", "k") if kind == "bb" else ("period",)
        for name in fields:
            spin: QSpinBox | QDoubleSpinBox
            if name == "k":
                spin = QDoubleSpinBox(params)
                spin.setRange(0.5, 5.0)
                spin.setSingleStep(0.5)
                spin.setDecimals(1)
            else:
                spin = QSpinBox(params)
                spin.setRange(2 if name != "signal" else 1, MAX_PERIOD)
            spin.setToolTip({"period": "Period (candles)", "k": "Width in standard deviations", "fast": "Fast EMA",
                             "slow": "Slow EMA", "signal": "Signal EMA"}[name])
            spin.setAccelerated(True)
            spin.setMinimumWidth(54)
            self.spins[name] = spin
            lay.addWidget(spin)
        lay.addStretch(1)
        self.source = QComboBox(panel)
        for src in SOURCES:
            self.source.addItem(src, src)
        self.source.setToolTip("Price the indicator reads")
        self.color_button = QToolButton(panel)
        self.color_button.setToolTip("Colour")
        self.color_button.setAutoRaise(True)
        grid.addWidget(self.check, row, 0)
        grid.addWidget(params, row, 1)
        grid.addWidget(self.source, row, 2)
        grid.addWidget(self.color_button, row, 3)

    def widgets(self) -> list[QWidget]:
        return [self.check, self.source, self.color_button, *self.spins.values()]


class IndicatorPanel(QFrame):
    toggled = Signal(str, bool)
    edited = Signal(object)  # IndicatorSpec

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("indicatorPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.params: dict[str, IndicatorSpec] = {}
        self._palette: ChartPalette | None = None
        self.color_menu: QMenu | None = None
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 8, 10, 8)
        grid.setHorizontalSpacing(8)
        title = QLabel("<b>Indicators</b>", self)
        grid.addWidget(title, 0, 0, 1, 2)
        hint = QLabel("period · source · colour", self)
        hint.setObjectName("muted")
        grid.addWidget(hint, 0, 2, 1, 2)
        self.rows: dict[str, _Row] = {}
        for i, kind in enumerate(KINDS, start=1):
            row = self.rows[kind] = _Row(self, kind, grid, i)
            row.check.toggled.connect(lambda on, kind=kind: self.toggled.emit(kind, on))
            for name, spin in row.spins.items():
                spin.valueChanged.connect(lambda _v, kind=kind: self._on_edit(kind))
            row.source.currentIndexChanged.connect(lambda _i, kind=kind: self._on_edit(kind))
            row.color_button.clicked.connect(lambda _=False, kind=kind: self.open_colors(kind))

    def show_for(self, specs: dict[str, IndicatorSpec], active: set[str], palette: ChartPalette,
                 at: QPoint) -> None:
        """Fill from the chart's state and pop up with the top-left corner at ``at`` (global coordinates)."""
        self.sync(specs, active, palette)
        self.adjustSize()
        self.move(at)
        self.show()

    def sync(self, specs: dict[str, IndicatorSpec], active: set[str], palette: ChartPalette) -> None:
        """Show the chart's state without emitting anything."""
        self.params = dict(specs)
        self._palette = palette
        for kind, row in self.rows.items():
            spec = specs[kind]
            for w in row.widgets():
                w.blockSignals(True)
            try:
                row.check.setChecked(kind in active)
                for name, spin in row.spins.items():
                    spin.setValue(getattr(spec, name))
                row.source.setCurrentIndex(SOURCES.index(spec.source))
                row.color_button.setIcon(swatch(spec.color or palette.indicator(kind)))
            finally:
                for w in row.widgets():
                    w.blockSignals(False)

    def _on_edit(self, kind: str) -> None:
        row = self.rows[kind]
        values: dict[str, Any] = {name: (spin.value() if name == "k" else int(spin.value()))
                                  for name, spin in row.spins.items()}
        spec = replace(self.params[kind], source=row.source.currentData(), **values)
        if spec.kind == "macd" and spec.fast >= spec.slow:
            return  # a fast EMA slower than the slow one is not a MACD: wait for the next edit
        self._emit(spec)

    def _emit(self, spec: IndicatorSpec) -> None:
        self.params[spec.kind] = spec
        row = self.rows[spec.kind]
        if not row.check.isChecked():
            row.check.blockSignals(True)
            row.check.setChecked(True)  # editing an indicator shows it
            row.check.blockSignals(False)
        self.edited.emit(spec)

    def open_colors(self, kind: str) -> QMenu:
        """The swatch menu of ``kind`` (non-blocking); the theme's colour is the first entry."""
        menu = QMenu(self)
        default = self._palette.indicator(kind) if self._palette is not None else SWATCHES[0]
        act = QAction(swatch(default), "Theme colour", menu)
        act.triggered.connect(lambda _=False: self.set_color(kind, None))
        menu.addAction(act)
        menu.addSeparator()
        for color in SWATCHES:
            act = QAction(swatch(color), color, menu)
            act.triggered.connect(lambda _=False, c=color: self.set_color(kind, c))
            menu.addAction(act)
        self.color_menu = menu
        button = self.rows[kind].color_button
        menu.popup(button.mapToGlobal(QPoint(0, button.height())))
        return menu

    def set_color(self, kind: str, color: str | None) -> None:
        spec = replace(self.params[kind], color=color)
        if self._palette is not None:
            self.rows[kind].color_button.setIcon(swatch(color or self._palette.indicator(kind)))
        self._emit(spec)

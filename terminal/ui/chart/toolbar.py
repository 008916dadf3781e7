"""Chart toolbar: timeframe buttons, the Indicators button (opens the indicators popup) and the follow-latest toggle.

The buttons are real QToolButtons (clicks, keyboard, tooltips, accessibility), but the toolbar draws their faces:
styled by a style sheet, every repaint of the chart (a 1600x900 frame) went through Qt's style-sheet style for the
bar and its eight buttons (~0.3 ms). The bar keeps its picture (background, bottom border, separator, each button
as it is: checked, hovered, pressed) and draws it again only when one of those changed; the buttons paint nothing.
Sizes are the style sheet's: the text plus 7 px each side, 3 px above and below, weight 600.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QToolButton, QWidget

from terminal.ui.chart.theme import ChartPalette

_RESTYLE = {QEvent.Type.HoverEnter, QEvent.Type.HoverLeave, QEvent.Type.EnabledChange, QEvent.Type.FontChange,
            QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Hide}
TIMEFRAMES: dict[str, int] = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600, "4h": 14400, "1d": 86400}
PAD_X, PAD_Y = 7, 3
# what QToolButton and Qt's style-sheet style add to the text besides the padding: a space each side, and 3 px
# (tests/ui/chart/test_chart_toolbar.py compares every button with one styled by the old style sheet)
EXTRA = 3


class FaceButton(QToolButton):
    """A tool button whose face its toolbar draws (see the module)."""

    def sizeHint(self) -> QSize:  # noqa: N802
        fm = QFontMetrics(self.font())
        text = fm.size(Qt.TextFlag.TextShowMnemonic, self.text())
        return QSize(text.width() + 2 * fm.horizontalAdvance(" ") + 2 * PAD_X + EXTRA,
                     text.height() + 2 * PAD_Y + EXTRA)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        return None  # the toolbar under it drew the face


class _Separator(QWidget):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFixedWidth(9)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        return None  # drawn by the toolbar


class ChartToolbar(QWidget):
    timeframe_clicked = Signal(str)
    indicators_clicked = Signal()
    follow_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartToolbar")
        self._palette: ChartPalette | None = None
        self._picture: tuple[tuple[object, ...], QPixmap] | None = None
        self._stale = True  # something the picture shows may have changed since it was looked at
        self.pictures = 0  # times the bar was drawn again (tests)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(2)
        self.timeframe_buttons: dict[str, QToolButton] = {}
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.buttons: list[QToolButton] = []
        for tf in TIMEFRAMES:
            b = self._button(tf, checkable=True)
            self._group.addButton(b)
            self.timeframe_buttons[tf] = b
            b.clicked.connect(lambda _=False, tf=tf: self.timeframe_clicked.emit(tf))
            layout.addWidget(b)
        self.separator = _Separator(self)
        layout.addWidget(self.separator)
        self.indicators_button = self._button("ƒx Indicators", checkable=False)
        self.indicators_button.setToolTip("Indicators: SMA, EMA, Bollinger, RSI, MACD; period, source, colour")
        self.indicators_button.clicked.connect(self.indicators_clicked)
        layout.addWidget(self.indicators_button)
        layout.addStretch(1)
        self.follow_button = self._button("Follow latest", checkable=True)
        self.follow_button.setToolTip("Keep the live candle at the right edge")
        self.follow_button.toggled.connect(self.follow_toggled)
        layout.addWidget(self.follow_button)
        self.timeframe_buttons["1m"].setChecked(True)

    def _button(self, text: str, checkable: bool) -> QToolButton:
        b = FaceButton(self)
        b.setText(text)
        b.setCheckable(checkable)
        b.setAutoRaise(True)
        font = QFont(b.font())
        font.setWeight(QFont.Weight.DemiBold)
        b.setFont(font)
        b.setAttribute(Qt.WidgetAttribute.WA_Hover)
        b.toggled.connect(self._changed)
        b.pressed.connect(self._changed)
        b.released.connect(self._changed)
        b.installEventFilter(self)
        self.buttons.append(b)
        return b

    def _changed(self, *_: object) -> None:
        self._stale = True
        self.update()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in _RESTYLE and isinstance(obj, QToolButton):
            self._stale = True
            self.update(obj.geometry())
        return False

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        self._stale = True
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        self._stale = True
        super().changeEvent(event)

    def set_timeframe(self, tf: str) -> None:
        self.timeframe_buttons[tf].setChecked(True)

    def timeframe(self) -> str:
        return next(tf for tf, b in self.timeframe_buttons.items() if b.isChecked())

    def apply_palette(self, p: ChartPalette) -> None:
        self._palette = p
        self._changed()

    # ---- drawing -----------------------------------------------------------------------------------------------
    def _look(self) -> tuple[object, ...]:
        buttons = tuple((b.geometry().getRect(), b.text(), b.isChecked(), b.isDown(), b.underMouse(), b.isEnabled(),
                         b.isVisibleTo(self)) for b in self.buttons)
        return (self.size().toTuple(), self.devicePixelRatioF(), self._palette, self.separator.geometry().getRect(),
                self.font().key(), buttons)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        # what the picture shows is looked at again only after something that can change it (a button's state,
        # hover, geometry or font, the bar's size, palette or screen): a repaint of the chart costs no look
        if self._stale or self._picture is None or self._picture[1].devicePixelRatio() != self.devicePixelRatioF():
            self._stale = False
            look = self._look()
            if self._picture is None or self._picture[0] != look:
                self._picture = (look, self._draw())
                self.pictures += 1
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._picture[1])
        painter.end()

    def _draw(self) -> QPixmap:
        dpr = self.devicePixelRatioF()
        pixmap = QPixmap(round(self.width() * dpr), round(self.height() * dpr))
        pixmap.setDevicePixelRatio(dpr)
        p = self._palette
        pixmap.fill(QColor(p.background) if p is not None else self.palette().window().color())
        if p is None:
            return pixmap
        painter = QPainter(pixmap)
        try:
            painter.fillRect(0, self.height() - 1, self.width(), 1, QColor(p.axis))  # the bottom border
            sep = self.separator.geometry()
            painter.fillRect(sep.x() + sep.width() // 2, sep.y() + 2, 1, max(sep.height() - 4, 0), QColor(p.axis))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            for b in self.buttons:
                if not b.isVisibleTo(self):
                    continue
                r = QRectF(b.geometry())
                if b.isChecked() or b.isDown():
                    face, ink = QColor(p.axis), QColor(p.text)
                elif b.underMouse() and b.isEnabled():
                    face, ink = QColor(p.panel), QColor(p.text)
                else:
                    face, ink = None, QColor(p.text_dim)
                if face is not None:
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(face)
                    painter.drawRoundedRect(r, 3, 3)
                painter.setPen(ink)
                painter.setFont(b.font())
                painter.drawText(r, Qt.AlignmentFlag.AlignCenter, b.text())
        finally:
            painter.end()
        return pixmap

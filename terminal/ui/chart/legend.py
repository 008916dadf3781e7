"""The chart's legend over the price pane: symbol, the OHLCV readout and the indicators' values, in colour.

A QLabel with rich text parsed its HTML into a document and laid it out at every live candle, and drew that
document again at every frame (~0.5 ms of a 1600x900 frame here). ``Legend`` takes the same markup (the few tags
the chart writes: ``<b>``/``<span style='color:…'>``, ``&nbsp;``, ``<br>``), turns it into coloured runs, and keeps
its picture in a pixmap redrawn only when the text, font, size or device ratio changed. It never asks for a
layout: its box is set by the chart.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPixmap, QStaticText, QTransform
from PySide6.QtWidgets import QWidget

RUNS_KEPT = 2048
_TAG = re.compile(r"<(b|span)(?:\s+style='color:\s*([^';]+);?')?>(.*?)</\1>|<br\s*/?>|([^<]+)", re.S)


@dataclass(frozen=True)
class Run:
    text: str
    color: str  # "" = the widget's text colour
    bold: bool


def parse(markup: str) -> list[list[Run]]:
    """Lines of coloured runs from the chart's markup (unknown tags are kept as text, never dropped)."""
    lines: list[list[Run]] = [[]]
    pos = 0
    for m in _TAG.finditer(markup):
        if m.start() != pos:  # something the pattern does not know: show it as it is
            lines[-1].append(Run(html.unescape(markup[pos:m.start()]), "", False))
        pos = m.end()
        tag, color, inner, plain = m.group(1), m.group(2), m.group(3), m.group(4)
        if tag is not None:
            lines[-1].append(Run(html.unescape(inner), (color or "").strip(), tag == "b"))
        elif plain is not None:
            lines[-1].append(Run(html.unescape(plain), "", False))
        else:
            lines.append([])
    if pos != len(markup):
        lines[-1].append(Run(html.unescape(markup[pos:]), "", False))
    return lines


class Legend(QWidget):
    """A transparent overlay drawing ``text()`` (the chart's markup) as coloured runs, vertically centred."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._text = ""
        self._lines: list[list[Run]] = []
        self._picture: tuple[tuple[object, ...], QPixmap] | None = None
        # laid-out runs by (font, bold, text): a live candle changes a few numbers, the labels stay
        self._runs: dict[tuple[str, bool, str], tuple[QStaticText, float]] = {}
        self.rendered = 0  # pictures drawn (tests: an unchanged legend is not drawn again)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 (QLabel's name: the chart's callers use it)
        if text != self._text:
            self._text = text
            self._lines = parse(text)
            self.update()

    def lines(self) -> list[list[Run]]:
        return self._lines

    def plain_text(self) -> str:
        return "\n".join("".join(r.text for r in line) for line in self._lines).replace("\xa0", " ")

    def sizeHint(self) -> QSize:  # noqa: N802
        fm = QFontMetricsF(self.font())
        bold = QFont(self.font())
        bold.setBold(True)
        fb = QFontMetricsF(bold)
        width = max((sum((fb if r.bold else fm).horizontalAdvance(r.text) for r in line) for line in self._lines),
                    default=0.0)
        return QSize(int(width) + 1, int(len(self._lines) * fm.lineSpacing()) + 4)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if not self._text or self.width() <= 0 or self.height() <= 0:
            return
        ratio = self.devicePixelRatioF()
        key = (self._text, self.size(), self.font().key(), self.palette().color(self.foregroundRole()).rgba(), ratio)
        if self._picture is None or self._picture[0] != key:
            old = self._picture[1] if self._picture is not None else None
            self._picture = (key, self._render(ratio, old))
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._picture[1])
        painter.end()

    def _run(self, font: QFont, bold: bool, text: str) -> tuple[QStaticText, float]:
        """``text`` laid out in ``font`` once, and its advance."""
        key = (font.key(), bold, text)
        run = self._runs.get(key)
        if run is None:
            static = QStaticText(text)
            static.setTextFormat(Qt.TextFormat.PlainText)
            static.prepare(QTransform(), font)
            run = (static, QFontMetricsF(font).horizontalAdvance(text))
            if len(self._runs) >= RUNS_KEPT:
                self._runs.clear()
            self._runs[key] = run
        return run

    def _render(self, ratio: float, old: QPixmap | None) -> QPixmap:
        size = (max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio)))
        if old is not None and (old.width(), old.height()) == size and old.devicePixelRatio() == ratio:
            pixmap = old  # the last picture's pixmap, cleared
        else:
            pixmap = QPixmap(*size)
            pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        try:
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            regular = QFont(self.font())
            bold = QFont(self.font())
            bold.setBold(True)
            fm = QFontMetricsF(regular)
            step = fm.lineSpacing()
            default = self.palette().color(self.foregroundRole())
            top = (self.height() - len(self._lines) * step) / 2
            for line in self._lines:
                x = 0.0
                for run in line:
                    font = bold if run.bold else regular
                    static, advance = self._run(font, run.bold, run.text)
                    painter.setFont(font)
                    painter.setPen(QColor(run.color) if run.color else default)
                    painter.drawStaticText(QPointF(x, top), static)
                    x += advance
                top += step
        finally:
            painter.end()
        self.rendered += 1
        return pixmap

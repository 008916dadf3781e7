"""The chart's legend over the price pane: symbol, the OHLCV readout and the indicators' values, in colour.

A QLabel with rich text parsed its HTML into a document and laid it out at every live candle, and drew that
document again at every frame (~0.5 ms of a 1600x900 frame here). ``Legend`` takes the same markup (the few tags
the chart writes: ``<b>``/``<span style='color:…'>``, ``&nbsp;``, ``<br>``), turns it into coloured runs, and keeps
its picture in a pixmap redrawn only when the text, font, size or device ratio changed. It never asks for a
layout: its box is set by the chart.
"""
from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPixmap, QStaticText, QTransform
from PySide6.QtWidgets import QWidget

RUNS_KEPT = 2048
_TAG = re.compile(r"<(b|span)(?:\s+style='color:\s*([^';]+);?')?>(.*?)</\1>|<br\s*/?>|([^<]+)", re.S)


@dataclass(frozen=True)
class Run:
    text: str
    color: str  # "" = the widget's text colour
    bold: bool


_BREAK = Run("\n", "", False)  # the place of a <br> in the pieces (a Run's text never holds a newline)
_pieces: dict[str, Run] = {}  # a piece of markup (a tag with its text, or plain text) -> its run


def _piece(m: re.Match[str]) -> Run:
    """The run of one matched piece; the same piece (a label, a value seen before) is looked up, not parsed: a live
    candle changes a few numbers of the markup, and each new text was parsed whole (~70 us for the chart's)."""
    key = m.group(0)
    run = _pieces.get(key)
    if run is None:
        tag, color, inner, plain = m.group(1), m.group(2), m.group(3), m.group(4)
        if tag is not None:
            run = Run(html.unescape(inner), (color or "").strip(), tag == "b")
        elif plain is not None:
            run = Run(html.unescape(plain), "", False)
        else:
            run = _BREAK
        if len(_pieces) >= RUNS_KEPT:
            _pieces.clear()
        _pieces[key] = run
    return run


def parse(markup: str) -> list[list[Run]]:
    """Lines of coloured runs from the chart's markup (unknown tags are kept as text, never dropped)."""
    lines: list[list[Run]] = [[]]
    line = lines[0]
    pos = 0
    for m in _TAG.finditer(markup):
        start = m.start()
        if start != pos:  # something the pattern does not know: show it as it is
            line.append(Run(html.unescape(markup[pos:start]), "", False))
        pos = m.end()
        run = _piece(m)
        if run is _BREAK:
            line = []
            lines.append(line)
        else:
            line.append(run)
    if pos != len(markup):
        line.append(Run(html.unescape(markup[pos:]), "", False))
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
        self._colors: dict[str, QColor] = {}
        # what the picture holds: (everything but the text it depends on, its lines); a new text of the same look
        # redraws only the tail of each line from its first changed run on
        self._drawn: tuple[tuple[object, ...], list[list[Run]]] | None = None
        self.rendered = 0  # pictures drawn (tests: an unchanged legend is not drawn again)
        self.runs_drawn = 0  # runs drawn into the picture (tests: a new close redraws the line's tail only)

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

    def _run(self, font: QFont, font_key: str, bold: bool, text: str) -> tuple[QStaticText, float]:
        """``text`` laid out in ``font`` once, and its advance."""
        key = (font_key, bold, text)
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

    def _color(self, name: str) -> QColor:
        color = self._colors.get(name)
        if color is None:
            if len(self._colors) >= RUNS_KEPT:
                self._colors.clear()
            color = self._colors[name] = QColor(name)
        return color

    def _render(self, ratio: float, old: QPixmap | None) -> QPixmap:
        size = (max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio)))
        default = self.palette().color(self.foregroundRole())
        look = (size, ratio, self.font().key(), default.rgba())
        drawn = self._drawn[1] if self._drawn is not None and self._drawn[0] == look else None
        if old is not None and (old.width(), old.height()) == size and old.devicePixelRatio() == ratio:
            pixmap = old  # the last picture's pixmap: kept where the text is the same, cleared elsewhere
        else:
            pixmap, drawn = QPixmap(*size), None
            pixmap.setDevicePixelRatio(ratio)
        if drawn is None or len(drawn) != len(self._lines):
            pixmap.fill(Qt.GlobalColor.transparent)
            drawn = None
        painter = QPainter(pixmap)
        try:
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            regular = QFont(self.font())
            bold = QFont(self.font())
            bold.setBold(True)
            keys = (regular.key(), bold.key())
            fm = QFontMetricsF(regular)
            step = fm.lineSpacing()
            set_font: QFont | None = None
            set_color: QColor | None = None
            top = (self.height() - len(self._lines) * step) / 2
            for i, line in enumerate(self._lines):
                first = 0 if drawn is None else self._first_to_draw(drawn[i], line)
                if first < len(line) or drawn is None or len(drawn[i]) != len(line):
                    x = sum(self._run(bold if r.bold else regular, keys[r.bold], r.bold, r.text)[1]
                            for r in line[:first])
                    if drawn is not None:  # clear this line's band from the middle of the blank run before
                        blank = self._run(bold if line[first - 1].bold else regular, keys[line[first - 1].bold],
                                          line[first - 1].bold, line[first - 1].text)[1] if first else 0.0
                        left = math.floor((x - blank / 2) * ratio) / ratio if first else 0.0
                        y0 = 0.0 if i == 0 else round((top + i * step) * ratio) / ratio
                        last = i == len(self._lines) - 1
                        y1 = self.height() if last else round((top + (i + 1) * step) * ratio) / ratio
                        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
                        painter.fillRect(QRectF(left, y0, self.width() - left, y1 - y0), Qt.GlobalColor.transparent)
                        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
                    for run in line[first:]:
                        font = bold if run.bold else regular
                        static, advance = self._run(font, keys[run.bold], run.bold, run.text)
                        if font is not set_font:  # (setFont and setPen per run cost more than the text)
                            painter.setFont(font)
                            set_font = font
                        color = self._color(run.color) if run.color else default
                        if color is not set_color:
                            painter.setPen(color)
                            set_color = color
                        painter.drawStaticText(QPointF(x, top + i * step), static)
                        x += advance
                        self.runs_drawn += 1
        finally:
            painter.end()
        self._drawn = (look, self._lines)
        self.rendered += 1
        return pixmap

    @staticmethod
    def _first_to_draw(old: list[Run], new: list[Run]) -> int:
        """The first run of ``new`` to draw over the old picture of ``old``: the one after the last blank run
        (spaces only: no ink can reach across it) before the first run that changed; len(new) when none changed."""
        changed = next((j for j, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
        if changed == len(old) == len(new):
            return len(new)
        blank = next((j for j in range(changed - 1, -1, -1) if not new[j].text.strip()), -1)
        return blank + 1

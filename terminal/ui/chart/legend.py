"""The chart's legend over the price pane: symbol, the OHLCV readout and the indicators' values, in colour.

A QLabel with rich text parsed its HTML into a document and laid it out at every live candle, and drew that
document again at every frame (~0.5 ms of a 1600x900 frame here). ``Legend`` draws lines of coloured runs: the chart
hands them over as runs (``set_lines``); markup (``setText``: the few tags the chart wrote, ``<b>``/``<span
style='color:…'>``, ``&nbsp;``, ``<br>``) is parsed into the same runs, and ``text()`` gives the runs as that markup.
Its picture is a pixmap where a new set of lines redraws only the runs that changed or moved (and the non-blank
runs touching them): a live candle changes a few numbers. It never asks for a layout: its box is set by the chart.
"""
from __future__ import annotations

import html
import math
import re
from itertools import accumulate, compress
from operator import ne
from typing import NamedTuple

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (QColor, QFont, QFontMetrics, QFontMetricsF, QPainter, QPaintEvent, QPixmap, QStaticText,
                           QTransform)
from PySide6.QtWidgets import QWidget

RUNS_KEPT = 2048
_TAG = re.compile(r"<(b|span)(?:\s+style='color:\s*([^';]+);?')?>(.*?)</\1>|<br\s*/?>|([^<]+)", re.S)


class Run(NamedTuple):
    text: str
    color: str = ""  # "" = the widget's text colour
    bold: bool = False


SPACE = Run("\xa0")  # the blanks the chart puts between its runs (a blank run is where a redraw may start or end)
SPACE2 = Run("\xa0\xa0")
SPACE3 = Run("\xa0\xa0\xa0")
_BREAK = Run("\n")  # the place of a <br> in the pieces (a Run's text never holds a newline)
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


def _escaped(text: str) -> str:
    return html.escape(text, quote=False).replace("\xa0", "&nbsp;")


def markup(lines: list[list[Run]]) -> str:
    """The markup of ``lines`` that ``parse`` reads back as them (the chart's tags; a blank is ``&nbsp;``)."""
    out = []
    for line in lines:
        parts = []
        for r in line:
            tag = "b" if r.bold else "span" if r.color else ""
            if not tag:
                parts.append(_escaped(r.text))
            else:
                style = f" style='color:{r.color}'" if r.color else ""
                parts.append(f"<{tag}{style}>{_escaped(r.text)}</{tag}>")
        out.append("".join(parts))
    return "<br>".join(out)


class _Look:
    """What the legend's font gives its drawing, made once per font: the regular and bold fonts, their metrics and
    ascents, the line step, each text's advance, and the texts laid out for drawing again."""

    def __init__(self, font: QFont) -> None:
        self.fonts = (QFont(font), QFont(font))
        self.fonts[1].setBold(True)
        self.metrics = (QFontMetricsF(self.fonts[0]), QFontMetricsF(self.fonts[1]))
        self.ascents = (self.metrics[0].ascent(), self.metrics[1].ascent())
        self.step = self.metrics[0].lineSpacing()
        self.line_spacing = QFontMetrics(font).lineSpacing()  # QWidget.fontMetrics()'s: the chart sizes the box by it
        self.advances: tuple[dict[str, float], dict[str, float]] = ({}, {})  # regular, bold: text -> advance
        # regular, bold: text -> its QStaticText, or None when drawn once: a text drawn once (most new values) is
        # drawn with drawText (laying a QStaticText out costs twice that), a text drawn again gets a QStaticText
        self.statics: tuple[dict[str, QStaticText | None], dict[str, QStaticText | None]] = ({}, {})

    def advances_of(self, line: list[Run]) -> list[float]:
        """The runs' advances."""
        regular, bold = self.advances
        ws = [(bold if b else regular).get(text) for text, _, b in line]
        if None in ws:  # texts not measured yet (measuring may clear what was kept: nothing is read back after)
            for j, w in enumerate(ws):
                if w is None:
                    ws[j] = self._measure(line[j].bold, line[j].text)
        return ws  # type: ignore[return-value]

    def _measure(self, bold: bool, text: str) -> float:
        advances = self.advances[bold]
        if len(advances) >= RUNS_KEPT:
            advances.clear()
        w = advances[text] = self.metrics[bold].horizontalAdvance(text)
        return w


class Legend(QWidget):
    """A transparent overlay drawing its lines of coloured runs, vertically centred."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._text: str | None = ""  # the markup; None: not made from the lines yet
        self._lines: list[list[Run]] = [[]]
        self._look: _Look | None = None  # made from the font when first needed, dropped when the font changes
        self._default: QColor | None = None  # the palette's text colour, dropped when the palette changes
        self._colors: dict[str, QColor] = {}
        self._pixmap: QPixmap | None = None
        self._extent = 0  # the picture's pixels from its left edge that can hold ink
        # what the picture holds: its look (size, ratio, font, text colour), its lines and their runs' x
        self._drawn: tuple[tuple[object, ...], list[list[Run]], list[list[float]]] | None = None
        self.rendered = 0  # pictures drawn (tests: an unchanged legend is not drawn again)
        self.runs_drawn = 0  # runs drawn into the picture (tests: a new close redraws only what changed)

    # ---- content ---------------------------------------------------------------------------------------------
    def text(self) -> str:
        if self._text is None:
            self._text = markup(self._lines)
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 (QLabel's name: the chart's callers use it)
        if text != self._text:
            self.set_lines(parse(text))
            self._text = text

    def set_lines(self, lines: list[list[Run]]) -> None:
        """Show ``lines`` (runs of text without newlines); the same lines again change nothing."""
        if lines != self._lines:
            self._lines = lines
            self._text = None
            self.update()

    def lines(self) -> list[list[Run]]:
        return self._lines

    def plain_text(self) -> str:
        return "\n".join("".join(r.text for r in line) for line in self._lines).replace("\xa0", " ")

    def line_spacing(self) -> int:
        """``fontMetrics().lineSpacing()``, kept until the font changes."""
        return self._font_look().line_spacing

    # ---- look ------------------------------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        kind = event.type()
        if kind == QEvent.Type.FontChange:
            self._look = None
        elif kind == QEvent.Type.PaletteChange or kind == QEvent.Type.StyleChange:
            self._default = None
        super().changeEvent(event)

    def _font_look(self) -> _Look:
        if self._look is None:
            self._look = _Look(self.font())
        return self._look

    def _text_color(self) -> QColor:
        if self._default is None:
            self._default = QColor(self.palette().color(self.foregroundRole()))
        return self._default

    def _color(self, name: str) -> QColor:
        color = self._colors.get(name)
        if color is None:
            if len(self._colors) >= RUNS_KEPT:
                self._colors.clear()
            color = self._colors[name] = QColor(name)
        return color

    def sizeHint(self) -> QSize:  # noqa: N802
        look = self._font_look()
        width = max((sum(look.advances_of(line)) for line in self._lines), default=0.0)
        return QSize(int(width) + 1, int(len(self._lines) * look.step) + 4)

    # ---- drawing ---------------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        width, height = self.width(), self.height()
        if width <= 0 or height <= 0 or not any(self._lines):
            return
        ratio = self.devicePixelRatioF()
        # what the picture depends on besides the lines: its size, the font and the text colour
        key = ((max(1, round(width * ratio)), max(1, round(height * ratio))), ratio, self._font_look(),
               self._text_color().rgba())
        if self._drawn is None or self._drawn[1] is not self._lines or self._drawn[0] != key:
            self._render(key, width, height)
        painter = QPainter(self)
        # only the part with ink (the rest is transparent: blending it changed no pixel)
        painter.drawPixmap(QPointF(0, 0), self._pixmap, QRectF(0, 0, self._extent, key[0][1]))  # type: ignore[arg-type]
        painter.end()

    def _render(self, key: tuple[tuple[int, int], float, _Look, int], width: int, height: int) -> None:
        size, ratio, look, _ = key
        default = self._text_color()
        lines = self._lines
        drawn = self._drawn if self._drawn is not None and self._drawn[0] == key else None
        pixmap = self._pixmap
        if drawn is None and (pixmap is None or (pixmap.width(), pixmap.height()) != size
                              or pixmap.devicePixelRatio() != ratio):
            pixmap = self._pixmap = QPixmap(*size)
            pixmap.setDevicePixelRatio(ratio)
        assert pixmap is not None  # (drawn: the pixmap was made for this key)
        if drawn is None or len(drawn[1]) != len(lines):
            pixmap.fill(Qt.GlobalColor.transparent)
            drawn = None
        step = look.step
        top = (height - len(lines) * step) / 2
        clears: list[QRectF] = []
        draws: list[tuple[Run, float, float]] = []  # run, x, top of its line: the runs with ink inside the box
        placed: list[list[float]] = []
        extent = 0.0
        for i, line in enumerate(lines):
            ws = look.advances_of(line)
            xs = list(accumulate(ws, initial=0.0))
            extent = max(extent, xs.pop())  # (the line's advance)
            placed.append(xs)
            y = top + i * step
            if drawn is None:
                draws += [(r, x, y) for r, x in zip(line, xs) if x < width and r.text.strip()]
                continue
            spans = self._spans(drawn[1][i], drawn[2][i], line, xs)
            if not spans:
                continue
            y0 = 0.0 if i == 0 else round(y * ratio) / ratio
            y1 = height if i == len(lines) - 1 else round((y + step) * ratio) / ratio
            for a, b in spans:  # runs a..b-1 drawn; the band cleared from the blank before a to the blank at b
                left = 0.0 if a == 0 else math.floor((xs[a - 1] + ws[a - 1] / 2) * ratio) / ratio
                right = float(width) if b >= len(line) else math.floor((xs[b] + ws[b] / 2) * ratio) / ratio
                if left < width:
                    clears.append(QRectF(left, y0, right - left, y1 - y0))
                    for j in range(a, b):
                        if xs[j] < width and line[j].text.strip():
                            draws.append((line[j], xs[j], y))
        # the pixels paintEvent shows (the picture's ink is the new lines' only: what the old lines had past them is
        # cleared): a glyph's ink reaches a few pixels past its text's advance at most, a line's height is ample
        self._extent = min(size[0], math.ceil((extent + step) * ratio))
        painter = QPainter(pixmap)
        try:
            if clears:
                painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
                for rect in clears:
                    painter.fillRect(rect, Qt.GlobalColor.transparent)
                painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            fonts, ascents, statics, colors = look.fonts, look.ascents, look.statics, self._colors
            set_bold: bool | None = None
            set_color: QColor | None = None
            for (text, name, bold), x, y in draws:
                if bold is not set_bold:  # (setFont and setPen per run cost more than the text)
                    painter.setFont(fonts[bold])
                    set_bold = bold
                color = colors.get(name) if name else default
                if color is None:
                    color = self._color(name)
                if color is not set_color:
                    painter.setPen(color)
                    set_color = color
                kept = statics[bold]
                static = kept.get(text)
                if static is None and text not in kept:  # drawn the first time: a QStaticText's pixels (tests)
                    painter.drawText(QPointF(x, y + ascents[bold]), text)
                    if len(kept) >= RUNS_KEPT:
                        kept.clear()
                    kept[text] = None
                else:
                    if static is None:
                        static = kept[text] = QStaticText(text)
                        static.setTextFormat(Qt.TextFormat.PlainText)
                        static.prepare(QTransform(), fonts[bold])
                    painter.drawStaticText(QPointF(x, y), static)
                self.runs_drawn += 1
        finally:
            painter.end()
        self._drawn = (key, lines, placed)
        self.rendered += 1

    @staticmethod
    def _spans(old: list[Run], old_xs: list[float], new: list[Run], xs: list[float]) -> list[tuple[int, int]]:
        """The runs of ``new`` to draw over the old picture of ``old``, as ranges [a, b): every run that changed or
        moved, widened to the blank runs (spaces only: no ink reaches their middle) on either side, or to the line's
        ends; b == len(new) clears to the end of the line (also when ``old`` had more runs)."""
        n, m = len(new), len(old)
        k = min(n, m)
        # from the first run that moved on, every run is drawn (runs that moved back to their place as well)
        moved = k if old_xs[:k] == xs[:k] else next(j for j in range(k) if old_xs[j] != xs[j])
        dirty = list(map(ne, old[:moved], new[:moved]))
        dirty += [True] * (n - moved)
        dirty.append(m != n)  # the line's end: the old line had runs past the new one's
        spans = []
        b = -1
        for j in compress(range(n + 1), dirty):
            if j <= b:  # in the last span
                continue
            a = j
            while a > 0 and new[a - 1].text.strip():  # (the runs before j are unchanged: non-blank ones are redrawn)
                a -= 1
            b = j + 1
            while b < n and (dirty[b] or new[b].text.strip()):
                b += 1
            spans.append((a, min(b, n)))  # b < n: run b is an unchanged blank run at its old place
        return spans

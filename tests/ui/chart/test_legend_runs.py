"""The chart's legend at a live tick (issue 16, item 2): the chart hands its runs over (no markup made and parsed
back), and the legend's picture redraws only the runs that changed or moved; after any series of ticks its pixels are
a freshly built legend's."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QFont, QFontMetricsF, QImage, QPalette
from PySide6.QtWidgets import QWidget

from terminal.ui.chart import legend as legend_module
from terminal.ui.chart.legend import Legend, parse

pytestmark = pytest.mark.gui


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    return np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).reshape(
        image.height(), image.bytesPerLine())[:, : image.width() * 4].astype(int)


def _fresh(legend: Legend, *, from_markup: bool) -> np.ndarray:
    """The legend's content drawn from scratch by a new legend of the same box and look."""
    fresh = Legend(legend.parentWidget())
    fresh.setFont(legend.font())
    fresh.setPalette(legend.palette())
    fresh.setGeometry(legend.geometry())
    if from_markup:
        fresh.setText(legend.text())
    else:
        fresh.set_lines(legend.lines())
    try:
        return _pixels(fresh.grab().toImage())
    finally:
        fresh.deleteLater()


def _assert_as_fresh(legend: Legend, note: object = "") -> None:
    drawn = _pixels(legend.grab().toImage())
    assert (drawn != _fresh(legend, from_markup=False)).sum() == 0, note
    assert (drawn != _fresh(legend, from_markup=True)).sum() == 0, note
    assert parse(legend.text()) == legend.lines()  # the markup callers read says what is shown


def _markup(close: str, change: str, ema: str) -> str:
    dim, up = "#787b86", "#26a69a"
    fields = "&nbsp;&nbsp;".join(f"<span style='color:{dim}'>{n}</span>&nbsp;<span style='color:{up}'>{v}</span>"
                                 for n, v in (("O", "43,100.00"), ("H", "43,180.50"), ("C", close)))
    return (f"<b style='color:#d1d4dc'>BTCUSDT</b>&nbsp;<span style='color:{dim}'>·&nbsp;1m</span>&nbsp;&nbsp;"
            f"{fields}&nbsp;&nbsp;<span style='color:{up}'>{change}</span>&nbsp;&nbsp;<span style='color:{dim}'>V"
            f"</span>&nbsp;<span style='color:{up}'>12.3K</span><br><span style='color:{dim}'>EMA 20</span>&nbsp;"
            f"<span style='color:#2962ff'>{ema}</span>&nbsp;&nbsp;&nbsp;<span style='color:{dim}'>SMA 20</span>"
            "&nbsp;<span style='color:#ff9800'>43,090.10</span>")


@pytest.fixture
def legend(qtbot):  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.resize(900, 80)
    legend = Legend(parent)
    legend.setGeometry(10, 6, 860, 2 * legend.fontMetrics().lineSpacing() + 4)
    yield legend  # (the parent lives as long as the test)


def test_a_value_that_keeps_its_width_is_the_only_run_drawn_again(legend):
    fm = QFontMetricsF(legend.font())
    assert fm.horizontalAdvance("51,221.75") == fm.horizontalAdvance("51,220.00")  # (digits of one width)
    legend.setText(_markup("51,220.00", "+0.05%", "51,201.20"))
    legend.grab()
    before = legend.runs_drawn
    legend.setText(_markup("51,221.75", "+0.05%", "51,201.20"))  # the close alone
    _assert_as_fresh(legend)
    # the close, not the change, volume and their labels after it (the tail of its line)
    assert legend.runs_drawn - before == 1
    before = legend.runs_drawn
    legend.setText(_markup("51,221.75", "+0.05%", "51,201.35"))  # the first value of the second line
    _assert_as_fresh(legend)
    assert legend.runs_drawn - before == 1


def test_runs_that_move_are_drawn_again_and_a_shorter_line_leaves_nothing_behind(legend):
    legend.setText(_markup("51,220.00", "+0.05%", "51,201.20"))
    legend.grab()
    before = legend.runs_drawn
    legend.setText(_markup("51,220.00", "-0.05%", "51,201.20"))  # '-' and '+' differ in width: V moves
    _assert_as_fresh(legend)
    assert legend.runs_drawn - before == 3  # the change, V and the volume
    for text in (_markup("51,220.00", "-0.05%", "51,201.20").replace("&nbsp;<span style='color:#26a69a'>12.3K"
                                                                      "</span>", ""),  # a run less
                 _markup("9.5", "-0.05%", "—"),  # narrower values: everything after them moves
                 _markup("151,220.00", "+10.05%", "1,051,201.20"),
                 "<b style='color:#d1d4dc'>BTCUSDT</b>",  # one line
                 _markup("151,220.00", "+10.05%", "1,051,201.20")):
        legend.setText(text)
        _assert_as_fresh(legend, text)


def test_the_same_lines_again_draw_nothing_and_a_new_font_or_palette_draws_all(legend):
    legend.setText(_markup("51,220.00", "+0.05%", "51,201.20"))
    legend.grab()
    rendered = legend.rendered
    legend.set_lines([list(line) for line in legend.lines()])
    legend.grab()
    assert legend.rendered == rendered
    font = QFont(legend.font())
    font.setPointSizeF(font.pointSizeF() + 2)
    legend.setFont(font)
    legend.resize(legend.width(), 2 * legend.fontMetrics().lineSpacing() + 4)
    assert legend.line_spacing() == legend.fontMetrics().lineSpacing()
    _assert_as_fresh(legend, "font")
    palette = QPalette(legend.palette())
    palette.setColor(legend.foregroundRole(), palette.color(legend.foregroundRole()).darker(300))
    legend.set_lines([[legend_module.Run("plain", "", True), legend_module.SPACE, legend_module.Run("x", "#ff0000")]])
    legend.grab()
    legend.setPalette(palette)
    _assert_as_fresh(legend, "palette")


def test_a_legend_narrower_than_its_text_draws_what_fits_as_a_fresh_one(legend):
    legend.resize(300, legend.height())
    for close in ("51,220.00", "51,221.75", "1,221.75"):
        legend.setText(_markup(close, "+0.05%", "51,201.20"))
        _assert_as_fresh(legend, close)


def test_live_ticks_and_hovers_leave_the_chart_legend_as_a_fresh_one_and_parse_no_markup(chart, qtbot, monkeypatch):
    chart.set_overlay_visible("bb", True)
    legend = chart.readout
    chart.grab()

    def no_parse(markup: str) -> list:  # type: ignore[type-arg]
        raise AssertionError(f"markup parsed at a live tick: {markup!r}")
    monkeypatch.setattr(legend_module, "parse", no_parse)
    rng = np.random.default_rng(11)
    s = chart.series
    t_ms = int(round(s.t[-1] * 1000))
    o = float(s.o[-1])
    for k in range(40):
        if k % 10 == 9:
            t_ms += 60_000  # a new candle
            o += float(rng.normal(0, 30))
        c = o + float(rng.choice([-1, 1])) * float(rng.exponential(40))  # the change flips its sign now and then
        before = legend.runs_drawn
        assert chart.update_bar(t_ms, o, max(o, c) + 9, min(o, c) - 9, c, float(rng.exponential(20) * 10 ** (k % 4)))
        drawn = _pixels(legend.grab().toImage())
        assert f"C {c:,.2f}" in chart.legend_text()
        assert 0 < legend.runs_drawn - before
        monkeypatch.undo()
        assert (drawn != _fresh(legend, from_markup=False)).sum() == 0, k
        assert (drawn != _fresh(legend, from_markup=True)).sum() == 0, k
        assert parse(legend.text()) == legend.lines()
        monkeypatch.setattr(legend_module, "parse", no_parse)
        if k % 7 == 3:  # the crosshair over an older candle: its values, then back to the live one
            i = len(s) - 1 - int(rng.integers(1, 300))
            chart.crosshair.hovered.emit(i)
            assert f"O {s.o[i]:,.2f}" in chart.legend_text() and f"C {s.c[i]:,.2f}" in chart.legend_text()
            assert (_pixels(legend.grab().toImage()) != _fresh(legend, from_markup=False)).sum() == 0, k
            chart.crosshair.hovered.emit(-1)
            assert f"C {s.c[-1]:,.2f}" in chart.legend_text()


def test_kept_texts_and_advances_cleared_when_full_leave_the_picture_as_a_fresh_one(legend, monkeypatch):
    monkeypatch.setattr(legend_module, "RUNS_KEPT", 5)  # fewer than one line's texts: cleared in the middle of one
    for k in range(12):
        legend.setText(_markup(f"51,2{k % 4}0.00", f"+0.0{k % 3}%", f"51,20{k}.20"))
        _assert_as_fresh(legend, k)

"""Order lines on the ChartWidget, driven by the mouse: drag to a snapped price, the x, edge markers, the order menu.

No session here (the widget never has one); tests/ui/chart/test_chart_trading.py drives the same gestures against
the sandbox exchange through the main window.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QMenu

from mouse import click, count_color, item_point, move, pixels, press, price_point, release
from terminal.ui.chart.orderlines import OrderLine
from terminal.ui.chart.theme import DARK

TICK = Decimal("0.5")


def snap_half(d: Decimal) -> Decimal:
    return (d / TICK).quantize(Decimal(1), ROUND_HALF_UP) * TICK


@pytest.fixture
def every_move():
    """pyqtgraph drops mouse moves closer than 10 ms apart; a test sends them faster than a hand."""
    old = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOptions(mouseRateLimit=-1)
    yield
    pg.setConfigOptions(mouseRateLimit=old)


@pytest.fixture
def lined(chart):
    chart.set_symbol("BTCUSDT", 2, snap=snap_half)
    chart.grab()
    (_, _), (y0, y1) = chart.price_plot.vb.viewRange()
    mid = round((y0 + y1) / 2)
    chart.set_order_lines([OrderLine("buy-1", mid - (y1 - y0) * 0.2, "buy", "BUY 0.50000"),
                           OrderLine("sell-1", mid + (y1 - y0) * 0.2, "sell", "SELL 0.20000")])
    chart.grab()
    return chart


def test_old_style_tuples_still_make_lines_that_move_and_go(chart):
    chart.grab()
    c = float(chart.series.c[-1])
    chart.set_order_lines([("a", c - 30, "buy", "0.5@x"), ("b", c + 30, "sell", "0.2@y")])
    assert set(chart.order_lines.lines) == {"a", "b"}
    assert chart.order_lines.lines["a"].price == pytest.approx(c - 30)
    chart.set_order_lines([("a", c - 40, "buy", "0.5@z")])
    assert set(chart.order_lines.lines) == {"a"} and chart.order_lines.lines["a"].price == pytest.approx(c - 40)
    assert [t.text for t in chart.order_lines.tags()] == [f"0.5@z  {c - 40:,.2f}"]
    chart.set_order_lines([])
    assert not chart.order_lines.lines and not chart.order_lines.tags()
    with pytest.raises(ValueError):
        chart.set_order_lines([("c", c, "long", "x")])


def test_order_lines_are_painted_in_their_side_colours(lined):
    arr = pixels(lined)
    lined.set_order_lines([])
    bare = pixels(lined)
    assert count_color(arr, DARK.buy, tol=12) > count_color(bare, DARK.buy, tol=12) + 300  # dashes + the tag
    assert count_color(arr, DARK.sell, tol=12) > count_color(bare, DARK.sell, tol=12) + 300


def test_dragging_a_line_shows_the_snapped_price_and_emits_it_on_release(lined, qtbot, every_move):
    chart, vp = lined, lined.view.viewport()
    line = chart.order_lines.lines["buy-1"]
    start = price_point(chart, line.price)
    target = line.price - 37.3
    end = price_point(chart, target)
    press(vp, start)
    move(vp, QPointF(start.x(), (start.y() + end.y()) / 2))
    move(vp, end)
    # mid-drag: the tag shows the price the order would take, snapped to the tick, with its distance
    dragged = chart.order_lines.drag
    assert dragged is not None and dragged[0] == "buy-1"
    per_px = chart.order_lines.price_at(1) - chart.order_lines.price_at(0)
    assert dragged[1] % TICK == 0 and abs(float(dragged[1]) - target) <= abs(per_px) + 0.5
    tag = next(t for t in chart.order_lines.tags() if t.key == "buy-1")
    assert tag.text.startswith(f"BUY 0.50000  {dragged[1]:,.2f}  (")
    assert tag.y == pytest.approx(chart.order_lines.y_of(float(dragged[1])))
    with qtbot.waitSignal(chart.order_moved, timeout=2000) as moved:
        release(vp, end)
    key, price = moved.args
    assert key == "buy-1" and price == dragged[1] and isinstance(price, Decimal)
    assert chart.order_lines.pending == {"buy-1": price}  # drawn at the new price until the owner settles it
    assert next(t for t in chart.order_lines.tags() if t.key == "buy-1").text.endswith(" …")
    chart.end_order_move("buy-1")
    assert not chart.order_lines.pending
    assert next(t for t in chart.order_lines.tags() if t.key == "buy-1").price == line.price


def test_a_right_click_during_a_drag_puts_the_line_back(lined, qtbot, every_move):
    chart, vp = lined, lined.view.viewport()
    line = chart.order_lines.lines["sell-1"]
    start = price_point(chart, line.price)
    end = price_point(chart, line.price + 20)
    moved = []
    chart.order_moved.connect(lambda *a: moved.append(a))
    press(vp, start)
    move(vp, end)
    assert chart.order_lines.drag is not None
    click(vp, end, Qt.MouseButton.RightButton)
    assert chart.order_lines.drag is None
    release(vp, end)
    assert not moved and not chart.order_lines.pending


def test_a_pending_new_order_cannot_be_dragged(chart, every_move):
    chart.grab()
    (_, _), (y0, y1) = chart.price_plot.vb.viewRange()
    price = (y0 + y1) / 2
    chart.set_order_lines([OrderLine("new", price, "buy", "BUY 1", movable=False)])
    vp = chart.view.viewport()
    moved = []
    chart.order_moved.connect(lambda *a: moved.append(a))
    start = price_point(chart, price)
    press(vp, start)
    move(vp, price_point(chart, price - (y1 - y0) * 0.2))
    release(vp, price_point(chart, price - (y1 - y0) * 0.2))
    assert not moved and chart.order_lines.drag is None and chart.order_lines.lines["new"].price == price


def test_clicking_the_x_asks_to_cancel_and_is_not_a_price_click(lined, qtbot):
    chart, vp = lined, lined.view.viewport()
    tag = next(t for t in chart.order_lines.tags() if t.key == "sell-1")
    prices = []
    chart.price_clicked.connect(prices.append)
    with qtbot.waitSignal(chart.order_cancel_requested, timeout=2000) as cancel:
        click(vp, item_point(chart, tag.x_rect.center()))
    assert cancel.args == ["sell-1"]
    assert not prices
    click(vp, item_point(chart, tag.rect.center()))  # the tag itself: neither a cancel nor a price
    assert not prices


def test_orders_outside_the_visible_range_show_as_edge_markers(chart, qtbot):
    chart.grab()
    (_, _), (y0, y1) = chart.price_plot.vb.viewRange()
    span = y1 - y0
    chart.set_order_lines([OrderLine("far-up", y1 + 5 * span, "sell", "SELL 0.10000"),
                           OrderLine("up", y1 + span, "sell", "SELL 0.20000"),
                           OrderLine("down", y0 - 2 * span, "buy", "BUY 0.30000"),
                           OrderLine("in", (y0 + y1) / 2, "buy", "BUY 0.40000")])
    tags = {t.key: t for t in chart.order_lines.tags()}
    h = chart.price_plot.vb.height()
    assert tags["far-up"].edge == "top" and tags["up"].edge == "top" and tags["down"].edge == "bottom"
    assert tags["in"].edge == "" and tags["in"].y is not None
    assert tags["far-up"].rect.top() < tags["up"].rect.top()  # stacked, the highest price at the very top
    assert tags["far-up"].rect.top() == chart.order_lines.top_inset  # from under the legend, not over it
    legend_bottom = chart.view.mapToScene(chart.readout.geometry().bottomLeft()).y()
    assert chart.order_lines.mapToScene(tags["far-up"].rect.topLeft()).y() > legend_bottom
    assert tags["up"].rect.bottom() <= chart.order_lines.top_inset + 2 * 18 + 4
    assert tags["down"].rect.bottom() >= h - 25
    assert tags["up"].text == f"▲ SELL 0.20000  {y1 + span:,.2f}"
    assert tags["down"].text == f"▼ BUY 0.30000  {y0 - 2 * span:,.2f}"
    arr = pixels(chart)
    top = chart.toolbar.height() + int(chart.view.mapFromScene(tags["far-up"].rect.topLeft() +
                                                                 chart.order_lines.scenePos()).y())
    top_band = arr[top: top + 40]
    assert count_color(top_band, DARK.sell, tol=12) > 200  # the marker is drawn at the top edge
    # the x of an edge marker cancels too
    with qtbot.waitSignal(chart.order_cancel_requested, timeout=2000) as cancel:
        click(chart.view.viewport(), item_point(chart, tags["down"].x_rect.center()))
    assert cancel.args == ["down"]


def test_a_stop_line_is_drawn_in_the_stop_colour_and_drags_like_a_limit(chart, qtbot, every_move):
    chart.grab()
    (_, _), (y0, y1) = chart.price_plot.vb.viewRange()
    stop = y0 + (y1 - y0) * 0.25
    chart.set_order_lines([OrderLine("sl", stop, "sell", "SL SELL 0.02000", "stop")])
    arr = pixels(chart)
    assert count_color(arr, DARK.stop, tol=12) > 300
    vp = chart.view.viewport()
    with qtbot.waitSignal(chart.order_moved, timeout=2000) as moved:
        press(vp, price_point(chart, stop))
        move(vp, price_point(chart, stop - 15))
        release(vp, price_point(chart, stop - 15))
    assert moved.args[0] == "sl" and float(moved.args[1]) == pytest.approx(stop - 15, abs=2)


MENU_WARNINGS = pytest.mark.qt_log_ignore("This plugin does not support")  # offscreen: no raise() or keyboard grab


def _menu_action(menu: QMenu, prefix: str):
    return next(a for a in menu.actions() if a.text().startswith(prefix))


@MENU_WARNINGS
def test_right_click_offers_buy_and_sell_limits_and_a_stop_at_the_snapped_price(chart, qtbot):
    chart.set_symbol("BTCUSDT", 2, snap=snap_half)
    chart.order_size_text = lambda: "0.01000 BTC"
    chart.grab()
    last = float(chart.series.c[-1])
    (_, _), (y0, y1) = chart.price_plot.vb.viewRange()
    below = last - (last - y0) * 0.5
    vp = chart.view.viewport()
    click(vp, price_point(chart, below), Qt.MouseButton.RightButton)
    menu = chart.order_menu
    assert menu is not None
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    snapped = snap_half(Decimal(repr(round(below, 2))))
    assert abs(float(snapped) - below) < (y1 - y0) / chart.price_plot.vb.height() * 2 + 0.5
    price = next(a.text() for a in menu.actions() if a.text().startswith("0.01000 BTC at "))
    price = Decimal(price.rsplit(" ", 1)[1].replace(",", ""))
    assert price % TICK == 0
    assert texts[1:] == [f"Buy limit here  ({price:,.2f})", f"Sell limit here  ({price:,.2f})",
                         f"Sell stop here  ({price:,.2f})",  # below the last price: a sell stop
                         f"Alert when the price crosses {price:,.2f}"]
    action = _menu_action(menu, "Buy limit here")
    with qtbot.waitSignal(chart.order_requested, timeout=2000) as requested:
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    assert requested.args == ["buy_limit", price]
    # above the last price the stop is a buy stop
    click(vp, price_point(chart, last + (y1 - last) * 0.5), Qt.MouseButton.RightButton)
    qtbot.waitUntil(lambda: chart.order_menu is not None and chart.order_menu.isVisible(), timeout=2000)
    assert any(a.text().startswith("Buy stop here") for a in chart.order_menu.actions())
    chart.order_menu.close()


@MENU_WARNINGS
def test_without_trading_the_menu_entries_are_disabled_and_say_why(chart, qtbot):
    chart.set_trading_enabled(False, "no API keys")
    chart.grab()
    (_, _), (y0, y1) = chart.price_plot.vb.viewRange()
    click(chart.view.viewport(), price_point(chart, (y0 + y1) / 2), Qt.MouseButton.RightButton)
    menu = chart.order_menu
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    assert not _menu_action(menu, "Buy limit here").isEnabled()
    assert any(a.text() == "Trading disabled: no API keys" for a in menu.actions())
    menu.close()
    QApplication.processEvents()

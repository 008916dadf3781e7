"""Trading from the chart against the sandbox exchange, through the main window: the user drags an order line, clicks
its x, or picks "Buy limit here" in the chart's menu, and the venue (its REST open orders) shows the result."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QMessageBox

from mouse import click, item_point, move, press, price_point, release
from terminal import model as m

pytestmark = [pytest.mark.gui, pytest.mark.slow,
              pytest.mark.qt_log_ignore("propagateSizeHints", "This plugin does not support")]  # offscreen plugin
SYMBOL = "BTCUSDT"
OK, CANCEL = QMessageBox.StandardButton.Ok, QMessageBox.StandardButton.Cancel


@pytest.fixture
def every_move():
    import pyqtgraph as pg

    old = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOptions(mouseRateLimit=-1)  # a test moves the mouse faster than pyqtgraph's 100 events/s
    yield
    pg.setConfigOptions(mouseRateLimit=old)


def _ready(qtbot, w) -> Decimal:
    """The chart shows BTCUSDT's history, scaled by hand to last +-2 % so live candles cannot move the lines."""
    qtbot.waitUntil(lambda: w.link.last_prices.get(SYMBOL) is not None, timeout=15000)
    qtbot.waitUntil(lambda: not w.chart.loading and len(w.chart.series) > 100, timeout=15000)
    last = w.link.last_prices[SYMBOL]
    w.chart.price_plot.vb.setYRange(float(last) * 0.98, float(last) * 1.02, padding=0)
    w.chart.grab()
    return last


def _venue_orders(qloop, w) -> dict[str, m.Order]:
    """Open orders as the exchange reports them (REST), by client id."""
    return {o.client_order_id: o for o in qloop.run(w.link.session.venue.rest.open_orders(SYMBOL))}


def _place(qloop, w, side, otype, qty, price=None, stop=None) -> m.Order:
    tif = m.TimeInForce.GTC if otype.has_tif and price is not None else None
    return qloop.run(w.link.session.place_order(m.OrderRequest(SYMBOL, side, otype, Decimal(qty), price,
                                                               stop_price=stop, time_in_force=tif)))


def _acked(w) -> list[m.Order]:
    """The session's open orders the venue has acknowledged (not still on their way)."""
    return [o for o in w.link.session.open_orders(SYMBOL) if o.status is not m.OrderStatus.PENDING_NEW]


def _drag_line(w, qtbot, key, to_price: float) -> Decimal:
    """Drag the order's line to ``to_price``; returns the snapped price the chart emitted."""
    chart, vp = w.chart, w.chart.view.viewport()
    start, end = price_point(chart, chart.order_lines.lines[key].price), price_point(chart, to_price)
    press(vp, start)
    move(vp, QPointF(start.x(), (start.y() + end.y()) / 2))
    move(vp, end)
    snapped = chart.order_lines.drag[1]
    tag = next(t for t in chart.order_lines.tags() if t.key == key)
    assert f"  {chart.order_lines.price_text(snapped)}  (" in tag.text  # the tag shows it while dragging
    with qtbot.waitSignal(chart.order_moved, timeout=3000) as moved:
        release(vp, end)
    assert moved.args[1] == snapped
    return snapped


def test_dragging_a_limit_line_replaces_the_order_at_the_venue(qtbot, qloop, window, every_move):
    w = window
    last = _ready(qtbot, w)
    ins = w.instruments[SYMBOL]
    order = _place(qloop, w, m.Side.BUY, m.OrderType.LIMIT, "0.01", ins.snap_price(last * Decimal("0.99")))
    cid = order.client_order_id
    qtbot.waitUntil(lambda: cid in w.chart.order_lines.lines and w.chart.order_lines.lines[cid].movable,
                    timeout=5000)
    new_price = _drag_line(w, qtbot, cid, float(last) * 0.985)
    assert new_price == ins.snap_price(new_price) and new_price != order.price
    qtbot.waitUntil(lambda: any(o.price == new_price for o in _acked(w)), timeout=10000)
    venue = _venue_orders(qloop, w)
    assert cid not in venue
    (new,) = [o for o in venue.values() if o.side is m.Side.BUY]
    assert new.price == new_price and new.quantity == Decimal("0.01") and new.type is m.OrderType.LIMIT
    old = qloop.run(w.link.session.venue.rest.query_order(SYMBOL, cid))
    assert old.status is m.OrderStatus.CANCELED
    # the chart follows: one line, at the new price, under the new order's id
    qtbot.waitUntil(lambda: set(w.chart.order_lines.lines) == {new.client_order_id}, timeout=5000)
    assert w.chart.order_lines.lines[new.client_order_id].price == float(new_price)
    assert not w.chart.order_lines.pending
    assert "Modified" in w.status.currentMessage()


def test_a_drag_asks_first_when_the_ticket_confirms_and_a_no_leaves_the_order(qtbot, qloop, window, answer_box,
                                                                               every_move):
    w = window
    last = _ready(qtbot, w)
    ins = w.instruments[SYMBOL]
    w.order_entry.confirm_box.setChecked(True)
    order = _place(qloop, w, m.Side.SELL, m.OrderType.LIMIT, "0.002", ins.snap_price(last * Decimal("1.01")))
    cid = order.client_order_id
    qtbot.waitUntil(lambda: cid in w.chart.order_lines.lines and w.chart.order_lines.lines[cid].movable,
                    timeout=5000)
    box = answer_box(CANCEL)
    new_price = _drag_line(w, qtbot, cid, float(last) * 1.015)
    qtbot.waitUntil(lambda: box.clicked, timeout=10000)
    assert box.title == "Modify order — SANDBOX"
    assert (f"move SELL LIMIT 0.00200 BTC from {ins.format_price(order.price)} to {ins.format_price(new_price)}"
            in box.text)
    qtbot.waitUntil(lambda: not w.chart.order_lines.pending, timeout=5000)  # back at the order's price
    assert w.chart.order_lines.lines[cid].price == float(order.price)
    assert _venue_orders(qloop, w)[cid].price == order.price  # nothing sent
    box = answer_box(OK)  # the same drag, confirmed this time
    _drag_line(w, qtbot, cid, float(last) * 1.015)
    qtbot.waitUntil(lambda: box.clicked, timeout=10000)
    qtbot.waitUntil(lambda: [o.price for o in _acked(w)] == [new_price], timeout=10000)
    assert [o.price for o in _venue_orders(qloop, w).values()] == [new_price]


def test_the_x_on_an_order_line_cancels_it_at_the_venue(qtbot, qloop, window):
    w = window
    last = _ready(qtbot, w)
    ins = w.instruments[SYMBOL]
    order = _place(qloop, w, m.Side.BUY, m.OrderType.LIMIT, "0.003", ins.snap_price(last * Decimal("0.992")))
    cid = order.client_order_id
    qtbot.waitUntil(lambda: cid in w.chart.order_lines.lines, timeout=5000)
    assert cid in _venue_orders(qloop, w)
    tag = next(t for t in w.chart.order_lines.tags() if t.key == cid)
    click(w.chart.view.viewport(), item_point(w.chart, tag.x_rect.center()))
    qtbot.waitUntil(lambda: cid not in w.chart.order_lines.lines, timeout=10000)
    assert cid not in _venue_orders(qloop, w)
    assert qloop.run(w.link.session.venue.rest.query_order(SYMBOL, cid)).status is m.OrderStatus.CANCELED


def test_buy_limit_here_places_the_tickets_amount_at_the_snapped_price(qtbot, qloop, window, answer_box):
    w = window
    last = _ready(qtbot, w)
    ins = w.instruments[SYMBOL]
    w.order_entry.qty_edit.setText("0.004")
    w.order_entry.confirm_box.setChecked(True)
    click(w.chart.view.viewport(), price_point(w.chart, float(last) * 0.9876), Qt.MouseButton.RightButton)
    menu = w.chart.order_menu
    qtbot.waitUntil(lambda: menu.isVisible(), timeout=3000)
    assert menu.actions()[0].text().startswith("0.004 BTC at ")
    action = next(a for a in menu.actions() if a.text().startswith("Buy limit here"))
    price = Decimal(action.text().rsplit("(", 1)[1].rstrip(")").replace(",", ""))
    assert price == ins.snap_price(price) and abs(price / last - Decimal("0.9876")) < Decimal("0.0005")
    box = answer_box(OK)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    qtbot.waitUntil(lambda: box.clicked, timeout=10000)
    assert box.title == "Confirm order — SANDBOX"
    assert f"BUY LIMIT 0.00400 BTC @ {ins.format_price(price)}" in box.text and "below the last price" in box.text
    qtbot.waitUntil(lambda: len(_acked(w)) == 1, timeout=10000)
    (placed,) = _venue_orders(qloop, w).values()
    assert (placed.side, placed.type, placed.price, placed.quantity) == (m.Side.BUY, m.OrderType.LIMIT, price,
                                                                         Decimal("0.004"))
    qtbot.waitUntil(lambda: placed.client_order_id in w.chart.order_lines.lines, timeout=5000)


def test_a_stop_line_is_drawn_at_its_trigger_and_dragging_it_moves_the_stop(qtbot, qloop, window, every_move):
    w = window
    last = _ready(qtbot, w)
    ins = w.instruments[SYMBOL]
    stop = ins.snap_price(last * Decimal("0.99"))
    order = _place(qloop, w, m.Side.SELL, m.OrderType.STOP_LOSS, "0.001", stop=stop)
    cid = order.client_order_id
    qtbot.waitUntil(lambda: cid in w.chart.order_lines.lines and w.chart.order_lines.lines[cid].movable,
                    timeout=5000)
    line = w.chart.order_lines.lines[cid]
    assert (line.price, line.kind, line.label) == (float(stop), "stop", "SL SELL 0.00100")
    new_stop = _drag_line(w, qtbot, cid, float(last) * 0.984)
    qtbot.waitUntil(lambda: [o.stop_price for o in _acked(w)] == [new_stop], timeout=10000)
    (moved,) = _venue_orders(qloop, w).values()
    assert (moved.type, moved.side, moved.stop_price, moved.quantity) == (m.OrderType.STOP_LOSS, m.Side.SELL,
                                                                          new_stop, Decimal("0.001"))


def test_an_order_far_from_the_visible_prices_shows_as_an_edge_marker(qtbot, qloop, window):
    w = window
    last = _ready(qtbot, w)
    ins = w.instruments[SYMBOL]
    far = ins.snap_price(last * Decimal("0.9"))  # the view shows last +-2 %
    order = _place(qloop, w, m.Side.BUY, m.OrderType.LIMIT, "0.001", far)
    qtbot.waitUntil(lambda: order.client_order_id in w.chart.order_lines.lines, timeout=5000)
    (tag,) = [t for t in w.chart.order_lines.tags() if t.key == order.client_order_id]
    assert tag.edge == "bottom" and tag.y is None
    assert tag.text == f"▼ BUY 0.00100  {far:,.{ins.price_decimals}f}"
    assert tag.rect.bottom() > w.chart.price_plot.vb.height() - 24


def test_a_stop_moved_to_an_impossible_price_is_refused_and_the_stop_stays(qtbot, qloop, window):
    """The replacement is checked before the original is cancelled: a position never loses its stop to a move the
    instrument's filters refuse (here above the symbol's maximum price)."""
    w = window
    last = _ready(qtbot, w)
    ins = w.instruments[SYMBOL]
    order = _place(qloop, w, m.Side.SELL, m.OrderType.STOP_LOSS, "0.001", stop=ins.snap_price(last * Decimal("0.99")))
    cid = order.client_order_id
    qtbot.waitUntil(lambda: cid in w.chart.order_lines.lines and w.chart.order_lines.lines[cid].movable,
                    timeout=5000)
    too_high = ins.max_price * 2
    assert qloop.run(w.link.chart_trading.move(cid, too_high)) is None
    assert "Modify order failed" in w.status.currentMessage()
    venue = _venue_orders(qloop, w)
    assert cid in venue and venue[cid].stop_price == order.stop_price  # still there, unchanged
    assert not w.chart.order_lines.pending and w.chart.order_lines.lines[cid].price == float(order.stop_price)

"""Protective groups on the chart, through the main window against the sandbox exchange: each open group of the
chart's symbol is drawn as lines linked to its entry (take-profit green, stop red, "exchange" or "app" in the tag, a
leg the app watches dashed); dragging an app-held stop moves it (a refused move snaps back with the reason in the
status bar); the x cancels the group, asked first when the ticket confirms; ProtectionChanged is redrawn once per
frame."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QMessageBox

from chart.mouse import click, move, press, price_point, release
from terminal import model as m
from terminal.oms.protective_group import GroupState, HeldBy, ProtectionChanged
from terminal.ui.chart.protection import SL_COLOR, TP_COLOR

pytestmark = [pytest.mark.gui, pytest.mark.slow,
              pytest.mark.qt_log_ignore("propagateSizeHints", "This plugin does not support")]
SYMBOL = "BTCUSDT"
OK, CANCEL = QMessageBox.StandardButton.Ok, QMessageBox.StandardButton.Cancel


@pytest.fixture
def every_move():
    import pyqtgraph as pg

    old = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOptions(mouseRateLimit=-1)
    yield
    pg.setConfigOptions(mouseRateLimit=old)


def _ready(qtbot, w) -> Decimal:
    qtbot.waitUntil(lambda: w.link.last_prices.get(SYMBOL) is not None, timeout=15000)
    qtbot.waitUntil(lambda: not w.chart.loading and len(w.chart.series) > 100, timeout=15000)
    last = w.link.last_prices[SYMBOL]
    w.chart.price_plot.vb.setYRange(float(last) * 0.95, float(last) * 1.05, padding=0)
    w.chart.grab()
    return last


def _bracket(qloop, w, last: Decimal, held_by: str, below: str = "0.99"):
    """A BUY LIMIT entry under the market with its take-profit +3% and stop -3% (of the entry)."""
    ins = w.instruments[SYMBOL]
    entry = ins.snap_price(last * Decimal(below))
    req = m.OrderRequest(SYMBOL, m.Side.BUY, m.OrderType.LIMIT, Decimal("0.002"), entry,
                         time_in_force=m.TimeInForce.GTC)
    return qloop.run(w.link.session.place_bracket(req, take_profit=ins.snap_price(entry * Decimal("1.03")),
                                                  stop_loss=ins.snap_price(entry * Decimal("0.97")), held_by=held_by))


def _lines(w, gid):
    return {k[1]: line for k, line in w.chart.protection_lines.lines.items() if k[0] == gid}


def _drag(w, qtbot, key, to_price: float) -> Decimal:
    chart, vp = w.chart, w.chart.view.viewport()
    start, end = price_point(chart, chart.protection_lines.lines[key].price), price_point(chart, to_price)
    press(vp, start)
    move(vp, QPointF(start.x(), (start.y() + end.y()) / 2))
    move(vp, end)
    snapped = chart.protection_lines.drag[1]
    with qtbot.waitSignal(chart.protection_moved, timeout=3000) as moved:
        release(vp, end)
    assert moved.args[1] == snapped
    return snapped


def test_brackets_are_drawn_linked_to_their_entry_and_say_who_holds_them(qtbot, qloop, window):
    w = window
    last = _ready(qtbot, w)
    native = _bracket(qloop, w, last, "auto")  # a LIMIT entry: Binance's own OTOCO list
    app = _bracket(qloop, w, last, "app", below="0.985")
    assert native.held_by is HeldBy.VENUE and app.held_by is HeldBy.APP
    qtbot.waitUntil(lambda: set(_lines(w, native.group_id)) == {"entry", "take_profit", "stop_loss"}
                    and set(_lines(w, app.group_id)) == {"entry", "take_profit", "stop_loss"}, timeout=10000)
    for group, where in ((native, "exchange"), (app, "app")):
        lines = _lines(w, group.group_id)
        assert lines["entry"].label == f"Entry BUY 0.00200 · {where}"
        assert lines["take_profit"].label == f"TP SELL 0.00200 · {where}" and lines["take_profit"].color == TP_COLOR
        assert lines["stop_loss"].label == f"SL SELL 0.00200 · {where}" and lines["stop_loss"].color == SL_COLOR
        assert lines["take_profit"].price == float(group.leg("take_profit").price)
        assert lines["stop_loss"].price == float(group.leg("stop_loss").stop_price)
        tag = next(t for t in w.chart.protection_lines.tags() if t.key == (group.group_id, "stop_loss"))
        shown = w.chart.protection_lines.price_text(group.leg("stop_loss").stop_price)
        assert tag.text == f"SL SELL 0.00200 · {where}  {shown}"  # role, side, quantity, who, then the price
    assert _lines(w, app.group_id)["stop_loss"].dashed is True  # the app watches it: dashed
    assert _lines(w, native.group_id)["stop_loss"].dashed is False  # at the exchange (pending there): solid
    assert _lines(w, app.group_id)["stop_loss"].movable and not _lines(w, native.group_id)["stop_loss"].movable
    # the legs resting at the exchange are drawn with their group, not again as plain order lines
    legs = {leg.client_order_id for g in (native, app) for leg in g.legs}
    assert not legs & set(w.chart.order_lines.lines)
    # the same groups in the blotters' Protection tab
    qtbot.waitUntil(lambda: w.blotters.protection_model.rowCount() == 2, timeout=5000)


def test_an_oco_attached_to_the_position_is_drawn_as_its_stop_and_take_profit(qtbot, qloop, window):
    w = window
    last = _ready(qtbot, w)
    ins = w.instruments[SYMBOL]
    s = w.link.session
    qloop.run(s.refresh_balances())
    stop, tp = ins.snap_price(last * Decimal("0.97")), ins.snap_price(last * Decimal("1.03"))
    group = qloop.run(s.attach_stop(SYMBOL, stop, tp, quantity="0.001"))  # Binance's own OCO order list
    assert group.kind.value == "oco" and group.held_by is HeldBy.VENUE
    qtbot.waitUntil(lambda: set(_lines(w, group.group_id)) == {"first", "second"}, timeout=10000)
    lines = _lines(w, group.group_id)
    assert lines["first"].label == "OCO TP SELL 0.00100 · exchange" and lines["first"].color == TP_COLOR
    assert lines["second"].label == "OCO SL SELL 0.00100 · exchange" and lines["second"].color == SL_COLOR
    assert lines["first"].price == float(tp) and lines["second"].price == float(stop)
    qloop.run(s.cancel_protection(group.group_id))
    qtbot.waitUntil(lambda: not _lines(w, group.group_id), timeout=10000)


def test_dragging_an_app_held_stop_moves_it_and_a_refused_move_snaps_back_with_the_reason(qtbot, qloop, window,
                                                                                            every_move):
    w = window
    last = _ready(qtbot, w)
    ins = w.instruments[SYMBOL]
    group = _bracket(qloop, w, last, "app")
    key = (group.group_id, "stop_loss")
    qtbot.waitUntil(lambda: key in w.chart.protection_lines.lines, timeout=10000)
    new = _drag(w, qtbot, key, float(group.leg("stop_loss").stop_price) * 0.99)
    s = w.link.session
    qtbot.waitUntil(lambda: s.protection.group(group.group_id).leg("stop_loss").stop_price == new, timeout=10000)
    qtbot.waitUntil(lambda: w.chart.protection_lines.lines[key].price == float(new)
                    and not w.chart.protection_lines.pending, timeout=5000)
    assert w.status.currentMessage() == f"Stop-loss moved to {ins.format_price(new)}"

    # above the entry's price: refused by the session; the line goes back and the status bar says why
    _drag(w, qtbot, key, float(last) * 1.02)
    qtbot.waitUntil(lambda: w.status.currentMessage().startswith("Not moved: "), timeout=10000)
    assert "is already reached" in w.status.currentMessage() and "it would fire at once" in w.status.currentMessage()
    qtbot.waitUntil(lambda: not w.chart.protection_lines.pending, timeout=5000)
    assert w.chart.protection_lines.lines[key].price == float(new)
    assert s.protection.group(group.group_id).leg("stop_loss").stop_price == new


def test_the_x_on_a_protection_line_cancels_the_group_asked_first_when_the_ticket_confirms(qtbot, qloop, window,
                                                                                            answer_box):
    w = window
    last = _ready(qtbot, w)
    group = _bracket(qloop, w, last, "auto")
    key = (group.group_id, "take_profit")
    qtbot.waitUntil(lambda: key in w.chart.protection_lines.lines, timeout=10000)
    w.order_entry.confirm_box.setChecked(True)
    s = w.link.session

    def click_x() -> None:
        tag = next(t for t in w.chart.protection_lines.tags() if t.key == key)
        scene = w.chart.protection_lines.mapToScene(tag.x_rect.center())
        click(w.chart.view.viewport(), QPointF(w.chart.view.mapFromScene(scene)))

    box = answer_box(CANCEL)
    click_x()
    qtbot.waitUntil(lambda: box.clicked, timeout=10000)
    assert box.title == "Cancel protection — SANDBOX"
    assert f"cancel the bracket on {SYMBOL} (held by the exchange)" in box.text
    qtbot.waitUntil(lambda: w.status.currentMessage() == "Protection kept.", timeout=5000)
    assert s.protection.group(group.group_id).state.is_open

    box = answer_box(OK)
    click_x()
    qtbot.waitUntil(lambda: box.clicked, timeout=10000)
    qtbot.waitUntil(lambda: s.protection.group(group.group_id).state is GroupState.CANCELED, timeout=10000)
    qtbot.waitUntil(lambda: not _lines(w, group.group_id), timeout=5000)
    venue = {o.client_order_id: o for o in qloop.run(s.venue.rest.all_orders(SYMBOL))}
    assert all(venue[leg.client_order_id].status is m.OrderStatus.CANCELED for leg in group.legs)


def test_protection_changes_are_redrawn_once_per_frame(qtbot, qloop, window):
    w = window
    last = _ready(qtbot, w)
    group = _bracket(qloop, w, last, "app")
    cp = w.link.chart_protection
    qtbot.waitUntil(lambda: (group.group_id, "stop_loss") in w.chart.protection_lines.lines, timeout=10000)
    frames = w.bridge.frames
    qtbot.waitUntil(lambda: w.bridge.frames >= frames + 3, timeout=5000)  # settled: nothing left to draw
    before = cp.redraws
    current = w.link.session.protection.group(group.group_id)
    for _ in range(50):  # a burst of changes between two frames
        w.link.session.bus.publish(ProtectionChanged(current, "trailed"))
    assert cp.redraws == before  # the bus only marks
    frames = w.bridge.frames
    qtbot.waitUntil(lambda: w.bridge.frames >= frames + 3, timeout=5000)
    assert cp.redraws == before + 1

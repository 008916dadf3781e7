"""Capture the chart with orders on it: a buy limit caught mid-drag (its tag shows the snapped price it would take),
a stop-loss line, a sell limit far above the visible prices (an edge marker) and an RSI pane.

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 .venv/bin/python resources/screenshots/chart_orders.py

Saves resources/screenshots/chart-orders.png (the window at 1600x1000, the chart dock given most of it).
"""
from __future__ import annotations

import asyncio
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import qasync
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from terminal import model as m  # noqa: E402
from terminal.ui.mainwindow import MainWindow  # noqa: E402

OUT = Path(__file__).resolve().parent
SYMBOL = "BTCUSDT"


def mouse(widget, kind: QEvent.Type, pos: QPointF, buttons=Qt.MouseButton.NoButton, button=None) -> None:
    button = buttons if button is None and kind != QEvent.Type.MouseMove else (button or Qt.MouseButton.NoButton)
    QApplication.sendEvent(widget, QMouseEvent(kind, pos, QPointF(widget.mapToGlobal(pos)), button, buttons,
                                               Qt.KeyboardModifier.NoModifier))


def at_price(chart, price: float, x_frac: float = 0.45) -> QPointF:
    (x0, x1), _ = chart.price_plot.vb.viewRange()
    scene = chart.price_plot.vb.mapViewToScene(QPointF(x0 + (x1 - x0) * x_frac, price))
    return QPointF(chart.view.mapFromScene(scene))


async def run() -> None:
    import pyqtgraph as pg

    from terminal import session as session_mod
    pg.setConfigOptions(mouseRateLimit=-1)
    window = MainWindow(Path(tempfile.mkdtemp()), m.Environment.SANDBOX)
    window.resize(1600, 1000)
    window.move(0, 0)
    window.show()
    window.order_entry.confirm_box.setChecked(False)
    await window.start_session(lambda: session_mod.connect("sandbox"))
    for name in ("health", "log"):
        window.docks[name].hide()
    d = window.docks
    window.resizeDocks([d["watchlist"], d["chart"], d["book"], d["order_entry"]], [250, 860, 240, 250],
                       Qt.Orientation.Horizontal)
    window.resizeDocks([d["chart"], d["blotters"]], [700, 230], Qt.Orientation.Vertical)
    s, chart = window.link.session, window.chart
    while window.link.last_prices.get(SYMBOL) is None or chart.loading:
        await asyncio.sleep(0.2)
    await asyncio.sleep(8)  # some live candles
    chart.set_overlay_visible("rsi", True)
    last = window.link.last_prices[SYMBOL]
    ins = s.instruments[SYMBOL]
    buy = await s.place_order(m.OrderRequest(SYMBOL, m.Side.BUY, m.OrderType.LIMIT, Decimal("0.05"),
                                             ins.snap_price(last * Decimal("0.999")),
                                             time_in_force=m.TimeInForce.GTC))
    await s.place_order(m.OrderRequest(SYMBOL, m.Side.SELL, m.OrderType.STOP_LOSS, Decimal("0.10"),
                                       stop_price=ins.snap_price(last * Decimal("0.9945"))))
    await s.place_order(m.OrderRequest(SYMBOL, m.Side.SELL, m.OrderType.LIMIT, Decimal("0.04"),
                                       ins.snap_price(last * Decimal("1.08")), time_in_force=m.TimeInForce.GTC))
    window.order_entry.qty_edit.setText("0.02500")
    while not all(o.status is not m.OrderStatus.PENDING_NEW for o in s.open_orders(SYMBOL)) or \
            len(chart.order_lines.lines) < 3:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.5)
    # the user grabs the buy line and pulls it down; the picture is taken before the button is let go
    vb = chart.price_plot.vb
    line = chart.order_lines.lines[buy.client_order_id]
    stop = next(ln for ln in chart.order_lines.lines.values() if ln.kind == "stop")
    (_, _), (y0, y1) = vb.viewRange()
    # the price scale as a user drags it to see the stop (it also holds still while the mouse is down)
    vb.setYRange(min(y0, stop.price - (y1 - y0) * 0.08), y1, padding=0)
    await asyncio.sleep(0.3)
    vp = chart.view.viewport()
    start = at_price(chart, line.price)
    end = at_price(chart, line.price - (line.price - stop.price) * 0.45)
    mouse(vp, QEvent.Type.MouseMove, start)
    mouse(vp, QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton)
    for k in range(1, 6):
        mouse(vp, QEvent.Type.MouseMove, start + (end - start) * k / 5, Qt.MouseButton.LeftButton)
    await asyncio.sleep(0.3)
    window.grab().save(str(OUT / "chart-orders.png"))
    chart.grab().save(str(Path(tempfile.gettempdir()) / "chart-orders-chart.png"))
    # a right click puts the line back; then let go
    mouse(vp, QEvent.Type.MouseButtonPress, end, Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton,
          Qt.MouseButton.RightButton)
    mouse(vp, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton)
    mouse(vp, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton)
    await window.shutdown()
    window.close()
    print("saved", OUT / "chart-orders.png")


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(run())


if __name__ == "__main__":
    main()

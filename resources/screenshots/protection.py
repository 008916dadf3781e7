"""Capture the window at 1280x720 with two brackets on the chart: one held by the exchange (Binance's own OTOCO order
list: a LIMIT entry), one held by this app (held_by="app", its stop dashed); then the blotters' Protection tab.

    xvfb-run -s "-screen 0 1280x720x24" .venv/bin/python resources/screenshots/protection.py
"""
from __future__ import annotations

import asyncio
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from terminal import model as m  # noqa: E402
from terminal.ui.mainwindow import MainWindow  # noqa: E402

OUT = Path(__file__).resolve().parent


async def run(app: QApplication) -> None:
    from terminal import session as session_mod
    window = MainWindow(Path(tempfile.mkdtemp()), m.Environment.SANDBOX)
    window.resize(1280, 720)
    window.show()
    window.move(0, 0)
    await window.start_session(lambda: session_mod.connect("sandbox"))
    s = window.link.session
    while window.link.last_prices.get("BTCUSDT") is None or window.chart.loading:
        await asyncio.sleep(0.1)
    last = window.link.last_prices["BTCUSDT"]
    ins = s.instruments["BTCUSDT"]

    def entry(below: str) -> m.OrderRequest:
        return m.OrderRequest("BTCUSDT", m.Side.BUY, m.OrderType.LIMIT, Decimal("0.002"),
                              ins.snap_price(last * Decimal(below)), time_in_force=m.TimeInForce.GTC)

    def at(fraction: str) -> Decimal:
        return ins.snap_price(last * Decimal(fraction))

    native = entry("0.996")  # its exits a tag apart from the other bracket's, so no tag hides another
    await s.place_bracket(native, take_profit=at("1.012"), stop_loss=at("0.978"))
    app_held = entry("0.988")
    await s.place_bracket(app_held, take_profit=at("1.004"), stop_loss=at("0.968"), held_by="app")
    window.chart.price_plot.vb.setYRange(float(last) * 0.96, float(last) * 1.026, padding=0)
    while window.blotters.protection_model.rowCount() < 2:
        await asyncio.sleep(0.1)
    window.chart.price_plot.vb.setYRange(float(last) * 0.96, float(last) * 1.026, padding=0)
    await asyncio.sleep(1.0)
    window.grab().save(str(OUT / "protection-chart.png"))
    dock = window.docks["blotters"]  # floated the window's width: room for who holds each group and its legs
    dock.raise_()
    window.blotters.setCurrentWidget(window.blotters.protection_view.parentWidget())
    dock.setFloating(True)
    dock.setGeometry(0, 420, 1280, 220)
    await asyncio.sleep(0.8)
    dock.grab().save(str(OUT / "protection-tab.png"))
    await window.shutdown()
    window.close()


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(run(app))


if __name__ == "__main__":
    main()

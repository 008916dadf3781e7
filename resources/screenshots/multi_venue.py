"""Capture one window holding two venues: the embedded sandbox (Binance) and the paper equity venue, 1600x1000.

    Xvfb :98 -screen 0 2560x1440x24 &
    DISPLAY=:98 .venv/bin/python resources/screenshots/multi_venue.py
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
    window.resize(1600, 1000)
    window.show()
    window.move(0, 0)
    window.order_entry.confirm_box.setChecked(False)
    await window.start_session(lambda: session_mod.connect("sandbox"))
    assert await window.add_venue("paper", always_open=True) == "paper"
    from PySide6.QtCore import Qt
    window.resizeDocks([window.docks["watchlist"]], [330], Qt.Orientation.Horizontal)  # room for SYMBOL@venue
    v = window.link.venues
    for key in ("AAPL@paper", "MSFT@paper", "NVDA@paper", "SPY@paper"):
        window.watchlist.add_symbol(key)
    await asyncio.sleep(2.5)
    s = window.link.session
    last = window.link.last_prices.get("BTCUSDT") or (await s.ticker("BTCUSDT")).last
    ins = s.instruments["BTCUSDT"]
    await v.place_order(m.OrderRequest("BTCUSDT", m.Side.BUY, m.OrderType.LIMIT, Decimal("0.05"),
                                       ins.snap_price(last * Decimal("0.998")), time_in_force=m.TimeInForce.GTC))
    await v.place_order(m.OrderRequest("BTCUSDT", m.Side.BUY, m.OrderType.MARKET, Decimal("0.1")))
    paper = window.link.workspace.session("paper")
    aapl = (await paper.quote("AAPL")).bid
    await v.place_order(m.OrderRequest("AAPL@paper", m.Side.BUY, m.OrderType.LIMIT, Decimal("10"),
                                       aapl - Decimal("1.50"), time_in_force=m.TimeInForce.GTC))
    await v.place_order(m.OrderRequest("NVDA@paper", m.Side.BUY, m.OrderType.MARKET, Decimal("20")))
    window.watchlist.select("AAPL@paper")
    await asyncio.sleep(3)
    window.blotters.setCurrentIndex(window.blotters.count() - 1)  # the Venues tab: equity per venue and total
    await asyncio.sleep(1.5)
    window.status.clearMessage()  # the "Added paper" note has served
    await asyncio.sleep(0.2)
    window.grab().save(str(OUT / "multi-venue.png"))
    window.blotters.setCurrentIndex(0)
    await asyncio.sleep(0.5)
    window.grab().save(str(Path(tempfile.gettempdir()) / "multi-venue-open-orders.png"))
    await window.shutdown()
    window.close()
    print("saved", OUT / "multi-venue.png")


def main() -> None:
    import logging
    logging.basicConfig(level=logging.INFO)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(run(app))


if __name__ == "__main__":
    main()

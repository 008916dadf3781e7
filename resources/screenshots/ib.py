"""Capture the window at 1280x720 connected to the Binance sandbox AND the built-in IB paper server at once: BTCUSDT
and AAPL@ib in one watchlist, AAPL@ib on the chart with a native IB bracket (entry, take-profit, stop) sent from the
ticket, the blotters on the Account tab (IB's net liquidation, buying power, margins).

    xvfb-run -a -s "-screen 0 1280x720x24" .venv/bin/python resources/screenshots/ib.py
"""
from __future__ import annotations

import asyncio
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from terminal import model as m  # noqa: E402
from terminal.ui.accounts import ACCOUNT_TAB  # noqa: E402
from terminal.ui.mainwindow import MainWindow  # noqa: E402

OUT = Path(__file__).resolve().parent
NAME = "ib.png"


async def until(condition, timeout_s: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout_s
    while not condition():
        if loop.time() > end:
            raise TimeoutError("the window did not get there")
        await asyncio.sleep(0.1)


def bracket_lines(window) -> int:
    """Order lines on the chart: plain ones and a protective group's (drawn with their group where the chart does)."""
    chart = window.chart
    extra = len(chart.protection_lines.lines) if hasattr(chart, "protection_lines") else 0
    return len(chart.order_lines.lines) + extra


async def run(app: QApplication) -> None:
    from terminal import session as session_mod
    window = MainWindow(Path(tempfile.mkdtemp()), m.Environment.SANDBOX)
    window.resize(1280, 720)
    window.show()
    window.move(0, 0)
    window.order_entry.confirm_box.setChecked(False)
    await window.start_session(lambda: session_mod.connect("sandbox"))
    assert await window.add_venue("ib", always_open=True) == "ib"  # as File > Connect to Interactive Brokers… does
    link = window.link
    for name in ("log", "health", "alerts"):  # the ticket's column is taller than 720 px with the log under it
        window.docks[name].hide()
    docks = [window.docks[n] for n in ("watchlist", "book", "order_entry")]
    window.resizeDocks(docks, [200, 120, 380], Qt.Orientation.Horizontal)  # SYMBOL@venue, the whole ticket
    for key in ("AAPL@ib", "MSFT@ib", "ESZ6@ib", "EUR.USD@ib"):
        window.watchlist.add_symbol(key)
    window.watchlist.select("AAPL@ib")
    await until(lambda: link.symbol == "AAPL@ib" and link.last_prices.get("AAPL@ib") is not None)
    await until(lambda: len(window.chart.series) > 0)
    # the bracket from the ticket: a limit buy below the market, take-profit +4%, stop-loss -2%
    oe = window.order_entry
    ins = window.instruments["AAPL@ib"]
    last = link.last_prices["AAPL@ib"]
    oe.type_combo.setCurrentIndex(oe.type_combo.findData(m.OrderType.LIMIT))
    oe.price_edit.setText(ins.format_price(ins.snap_price(last * Decimal("0.995"))))
    oe.qty_edit.setText("10")
    opts = oe.options_panel
    opts.tp_box.setChecked(True)
    opts.tp_edit.setText("4")
    opts.tp_unit.setCurrentIndex(opts.tp_unit.findData("pct"))
    opts.sl_box.setChecked(True)
    opts.sl_edit.setText("2")
    opts.sl_unit.setCurrentIndex(opts.sl_unit.findData("pct"))
    await oe.place()
    print("ticket:", oe.status.text())
    await until(lambda: bracket_lines(window) == 3)  # entry, take-profit and stop on the chart
    accounts = link.accounts
    await until(lambda: accounts.tab_index(ACCOUNT_TAB) >= 0
                and accounts.account_model.value("ib", "Net liquidation") is not None)
    window.blotters.setCurrentIndex(accounts.tab_index(ACCOUNT_TAB))
    window.docks["blotters"].raise_()
    await asyncio.sleep(2.0)
    window.status.clearMessage()
    await asyncio.sleep(0.2)
    print("window", window.size().width(), "x", window.size().height())
    window.grab().save(str(OUT / NAME))
    window.blotters.setCurrentIndex(0)
    await asyncio.sleep(0.5)
    window.grab().save(str(Path(tempfile.gettempdir()) / "ib-open-orders.png"))
    window.close()
    await window.shutdown()
    print("saved", OUT / NAME)


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)  # the window closes before its session shuts down
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(run(app))


if __name__ == "__main__":
    main()

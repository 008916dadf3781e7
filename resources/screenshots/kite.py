"""Capture the window at 1280x720 on the built-in Kite paper server (its test app logged in): the NIFTY future on the
chart in INR, the ticket in lots ("2 lots = 130 units", NRML / regular), the blotters on Kite's positions after a
buy, the Holdings and Account (margins) tabs beside them.

    xvfb-run -a -s "-screen 0 1280x720x24" .venv/bin/python resources/screenshots/kite.py
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
from terminal.ui.accounts import POSITIONS_TAB  # noqa: E402
from terminal.ui.mainwindow import MainWindow  # noqa: E402

OUT = Path(__file__).resolve().parent
NAME = "kite.png"
FUT = "NIFTY26DECFUT"


async def until(condition, timeout_s: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout_s
    while not condition():
        if loop.time() > end:
            raise TimeoutError("the window did not get there")
        await asyncio.sleep(0.1)


async def run(app: QApplication) -> None:
    from terminal import session as session_mod
    window = MainWindow(Path(tempfile.mkdtemp()), m.Environment.SANDBOX)
    window.settings.reference_currency = "INR"
    window.resize(1280, 720)
    window.show()
    window.move(0, 0)
    window.order_entry.confirm_box.setChecked(False)
    await window.start_session(lambda: session_mod.connect("kite", always_open=True))
    link = window.link
    for name in ("log", "health", "alerts"):  # the ticket's column is taller than 720 px with the log under it
        window.docks[name].hide()
    docks = [window.docks[n] for n in ("watchlist", "book", "order_entry")]
    window.resizeDocks(docks, [215, 110, 360], Qt.Orientation.Horizontal)  # the whole ticket
    # a buy first (SBIN, MIS): Kite's positions and margins in the blotters
    await link.venues.place_order(m.OrderRequest("SBIN", m.Side.BUY, m.OrderType.MARKET, Decimal("25"),
                                                 options=m.OrderOptions.make(params={"product": "MIS"})))
    window.watchlist.add_symbol(FUT)
    window.watchlist.view.setColumnWidth(0, 118)  # the future's whole symbol
    window.watchlist.select(FUT)
    await until(lambda: link.symbol == FUT and link.last_prices.get(FUT) is not None)
    await until(lambda: len(window.chart.series) > 0)
    oe = window.order_entry
    oe.type_combo.setCurrentIndex(oe.type_combo.findData(m.OrderType.LIMIT))
    ins = window.instruments[FUT]
    oe.price_edit.setText(ins.format_price(ins.snap_price(link.last_prices[FUT] * Decimal("0.998"))))
    oe.options_panel.param_combos["product"].setCurrentIndex(
        oe.options_panel.param_combos["product"].findData("NRML"))
    oe.qty_edit.setText("2")
    accounts = link.accounts
    await until(lambda: accounts.tab_index(POSITIONS_TAB) >= 0
                and any(r.key == "SBIN" for r in accounts.positions_model.all_rows()))
    window.blotters.setCurrentIndex(accounts.tab_index(POSITIONS_TAB))
    window.docks["blotters"].raise_()
    await asyncio.sleep(2.0)
    window.status.clearMessage()
    await asyncio.sleep(0.2)
    print("window", window.size().width(), "x", window.size().height(), "ticket:", oe.lots_label.text())
    window.grab().save(str(OUT / NAME))
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

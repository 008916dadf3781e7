"""Capture the window at 1280x720 with AAPL on the chart taking Finnhub's data (orders still to the paper venue), the
News dock and the Fundamentals panel in front, and Finnhub's request budget in the status bar.

    xvfb-run -a -s "-screen 0 1280x720x24" .venv/bin/python resources/screenshots/finnhub.py
"""
from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from terminal import model as m  # noqa: E402
from terminal.ui.mainwindow import MainWindow  # noqa: E402

OUT = Path(__file__).resolve().parent


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
    window.resize(1280, 720)
    window.show()
    window.move(0, 0)
    await window.start_session(lambda: session_mod.connect("paper", always_open=True))
    await window.add_venue("finnhub", always_open=True)  # as File > Connect to Finnhub (market data)… does
    link = window.link
    window.watchlist.select("AAPL")
    await until(lambda: link.symbol == "AAPL")
    await link.route("AAPL", "finnhub")  # the watchlist's right-click "Market data from" > finnhub
    for name in ("log", "health", "alerts"):  # the ticket's column is taller than 720 px with the log under it
        window.docks[name].hide()
    window.layout().invalidate()
    window.layout().activate()
    window.resize(1280, 720)
    window.docks["news"].raise_()
    window.docks["fundamentals"].raise_()
    await until(lambda: window.news.models[0].rowCount() > 0 and window.news.models[2].rowCount() > 0)
    await until(lambda: window.fundamentals.record is not None and len(window.chart.series) > 0)
    await until(lambda: "of the range" in window.fundamentals.text("range"))
    await until(lambda: "req/min" in window.status.budget_label.text())
    await asyncio.sleep(1.0)
    window.status.clearMessage()
    await asyncio.sleep(0.2)
    print("window", window.size().width(), "x", window.size().height())
    window.grab().save(str(OUT / "finnhub.png"))
    window.close()
    await window.shutdown()


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)  # the window closes before its session shuts down
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(run(app))


if __name__ == "__main__":
    main()

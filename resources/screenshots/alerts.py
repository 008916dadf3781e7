"""Capture the window at 1280x720 with an alert fired: the Alerts dock in front, the status bar's notice.

    xvfb-run -s "-screen 0 1280x720x24" .venv/bin/python resources/screenshots/alerts.py
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
    while window.link.last_prices.get("BTCUSDT") is None:
        await asyncio.sleep(0.1)
    last = window.link.last_prices["BTCUSDT"]
    ins = s.instruments["BTCUSDT"]
    s.alerts.add("crosses_above", "BTCUSDT", ins.snap_price(last * Decimal("1.05")), note="breakout")
    s.alerts.add("fill", repeat=True)
    s.alerts.add("move_pct", "BTCUSDT", "0.001", window_s=60)
    window.alerts.refresh()
    window.docks["alerts"].raise_()
    while window.alerts.recent.count() == 0:
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    window.grab().save(str(OUT / "alerts.png"))
    window.alerts.tabs.setCurrentIndex(1)
    await asyncio.sleep(0.3)
    window.grab().save(str(OUT / "alerts-fired.png"))
    window.close()
    await window.shutdown()


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(run(app))


if __name__ == "__main__":
    main()

"""Capture the window with the kill switch engaged (orders cancelled, positions closed, trading locked), 1600x1000.

    Xvfb :113 -screen 0 1600x1000x24 &
    DISPLAY=:113 .venv/bin/python resources/screenshots/kill_switch.py
"""
from __future__ import annotations

import asyncio
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from terminal import model as m  # noqa: E402
from terminal.risk.limits import LossLimits, RiskLimits  # noqa: E402
from terminal.ui.mainwindow import MainWindow  # noqa: E402

OUT = Path(__file__).resolve().parent


def answer_yes() -> None:
    """Click Yes in the kill switch's question once it shows (as the user would)."""
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox) and w.isVisible():
            w.button(QMessageBox.StandardButton.Yes).click()
            return
    QTimer.singleShot(100, answer_yes)


async def run(app: QApplication) -> None:
    from terminal import session as session_mod
    window = MainWindow(Path(tempfile.mkdtemp()), m.Environment.SANDBOX)
    window.resize(1600, 1000)
    window.show()
    window.move(0, 0)
    window.order_entry.confirm_box.setChecked(False)
    await window.start_session(lambda: session_mod.connect("sandbox"))
    s = window.link.session
    s.risk.engine.set_limits(RiskLimits(loss=LossLimits(max_daily_loss=Decimal("800"))), actor="user")
    await asyncio.sleep(2.5)
    last = window.link.last_prices.get("BTCUSDT") or (await s.ticker("BTCUSDT")).last
    ins = s.instruments["BTCUSDT"]
    for k in (Decimal("0.995"), Decimal("0.99"), Decimal("0.985")):
        await s.buy("BTCUSDT", "0.02", price=ins.snap_price(last * k))
    await s.buy("BTCUSDT", "0.1")
    await asyncio.sleep(2)
    QTimer.singleShot(300, answer_yes)
    await window.protection.engage()
    await asyncio.sleep(2.5)
    window.grab().save(str(OUT / "kill-switch.png"))
    window.close()
    await window.shutdown()


def main() -> None:
    app = QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)  # run() closes the window, then shuts the session down
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(run(app))


if __name__ == "__main__":
    main()

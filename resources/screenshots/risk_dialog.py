"""Capture the Risk dialog (limits for the sandbox session) over the window, at 1280x720.

    xvfb-run -a -s "-screen 0 1280x720x24" .venv/bin/python resources/screenshots/risk_dialog.py
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
from terminal.risk.limits import LossLimits, PriceBand, RiskLimits  # noqa: E402
from terminal.ui.dialogs.risk import RiskDialog  # noqa: E402
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
    engine = s.risk.engine
    engine.set_limits(RiskLimits(max_order_notional=Decimal("5000"),
                                 band=PriceBand(max_pct=Decimal("5"), max_spread_pct=Decimal("0.5")),
                                 loss=LossLimits(max_daily_loss=Decimal("800"))), actor="user")
    dialog = RiskDialog(engine.limits, f"{s.provider} {s.env}", sorted(s.instruments), engine, window)
    dialog.open()
    await asyncio.sleep(1.0)
    dialog.grab().save(str(OUT / "risk-dialog.png"))
    dialog.reject()
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

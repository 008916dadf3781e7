"""Capture the main window on the embedded sandbox: dark at 1600x1000, light at 1280x720 (a laptop screen, laid
out as the window lays itself out at that size), and the API keys dialog.

    Xvfb :98 -screen 0 2560x1440x24 &
    DISPLAY=:98 .venv/bin/python resources/screenshots/capture.py
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
    window.order_entry.confirm_box.setChecked(False)  # no confirmation box in these pictures
    await window.start_session(lambda: session_mod.connect("sandbox"))
    s = window.link.session
    await asyncio.sleep(2.5)
    last = window.link.last_prices.get("BTCUSDT") or (await s.ticker("BTCUSDT")).last
    ins = s.instruments["BTCUSDT"]
    for k in (1, 2):
        await s.place_order(m.OrderRequest("BTCUSDT", m.Side.BUY, m.OrderType.LIMIT, Decimal("0.05") * k,
                                           ins.snap_price(last * (1 - Decimal("0.002") * k)), time_in_force=m.TimeInForce.GTC))
    await s.place_order(m.OrderRequest("BTCUSDT", m.Side.SELL, m.OrderType.LIMIT, Decimal("0.04"),
                                       ins.snap_price(last * Decimal("1.003")), time_in_force=m.TimeInForce.GTC))
    await s.place_order(m.OrderRequest("BTCUSDT", m.Side.BUY, m.OrderType.MARKET, Decimal("0.1")))
    await s.place_order(m.OrderRequest("ETHUSDT", m.Side.BUY, m.OrderType.MARKET, Decimal("1.5")))
    window.order_entry.qty_edit.setText("0.02500")
    await asyncio.sleep(4)
    window.grab().save(str(OUT / "main-dark.png"))
    window.set_theme("light")
    window.resize(1280, 720)
    await asyncio.sleep(0.5)
    window.reset_layout()  # the proportions a window started at 1280x720 gets
    await asyncio.sleep(1.5)
    assert (window.width(), window.height()) == (1280, 720), window.size()
    window.grab().save(str(OUT / "main-light.png"))
    window.set_theme("dark")
    from terminal.ui.dialogs.keys import KeysDialog
    dlg = KeysDialog(window, m.Environment.TESTNET)
    dlg.show()
    await dlg.load()
    page = dlg.pages[m.Environment.TESTNET]
    page.api_key.setText("an-api-key-that-is-not-shown")
    page.secret.setText("a-secret-that-is-not-shown")
    await asyncio.sleep(0.5)
    dlg.grab().save(str(OUT / "keys-dialog.png"))
    dlg.close()
    await window.shutdown()
    window.close()
    print("saved", OUT / "main-dark.png", OUT / "main-light.png")


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

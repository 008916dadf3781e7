"""Place an order through the real confirmation box, then show the window 30 s later: book and trades still move.

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 .venv/bin/python resources/screenshots/confirm_then_30s.py

Saves confirm-then-30s.png and prints how many book redraws, new trades and bus events the window received in the
30 s after OK was clicked (all three stopped for good when the box was run with exec() from a coroutine: issue 9).
"""
from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import qasync
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from terminal import model as m  # noqa: E402
from terminal.ui.mainwindow import MainWindow  # noqa: E402

OUT = Path(__file__).resolve().parent / "confirm-then-30s.png"
AFTER_S = 30.0


async def until(condition, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("gave up waiting")
        await asyncio.sleep(0.05)


def modal_box() -> QMessageBox | None:
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible() and w.isModal()]
    return boxes[-1] if boxes else None


async def run() -> int:
    from terminal import session as session_mod
    window = MainWindow(Path(tempfile.mkdtemp()), m.Environment.SANDBOX)
    window.resize(1600, 960)
    window.show()
    window.move(0, 0)
    await window.start_session(lambda: session_mod.connect("sandbox"))
    await until(lambda: window.link.last_prices.get("BTCUSDT") is not None
                and bool(window.book_trades.book_model.ladder.bids))
    counts = {"book redraws": 0, "new trades": 0}
    window.book_trades.book_model.dataChanged.connect(lambda *_: counts.__setitem__(
        "book redraws", counts["book redraws"] + 1))
    window.book_trades.trades_model.rowsInserted.connect(lambda _p, first, last: counts.__setitem__(
        "new trades", counts["new trades"] + last - first + 1))
    oe = window.order_entry
    oe.confirm_box.setChecked(True)
    ins = window.instruments["BTCUSDT"]
    oe.type_combo.setCurrentIndex(0)
    oe.price_edit.setText(ins.format_price(ins.snap_price(window.link.last_prices["BTCUSDT"] * Decimal("0.995"))))
    oe.qty_edit.setText("0.05")
    await until(oe.submit.isEnabled)
    QTest.mouseClick(oe.submit, Qt.MouseButton.LeftButton)
    await until(lambda: modal_box() is not None)
    box = modal_box()
    print("asked:", box.windowTitle(), "|", box.text())
    await asyncio.sleep(1.0)  # the box stays open a moment: the market keeps moving behind it
    QTest.mouseClick(box.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    clicked = time.monotonic()
    before = dict(counts, events=window.bridge.events)
    await until(lambda: window.blotters.open_model.rowCount() == 1)
    print("order entry:", oe.status.text())
    await asyncio.sleep(AFTER_S - (time.monotonic() - clicked))
    after = dict(counts, events=window.bridge.events)
    window.grab().save(str(OUT))
    moved = {k: after[k] - before[k] for k in after}
    print(f"in the {time.monotonic() - clicked:.0f} s after OK:", ", ".join(f"{v} {k}" for k, v in moved.items()))
    newest = window.book_trades.trades_model.row_at(0)
    print("newest trade on screen:", time.strftime("%H:%M:%S", time.localtime(newest.ts_event / 1000)),
          "clicked OK at", time.strftime("%H:%M:%S", time.localtime(time.time() - (time.monotonic() - clicked))))
    await window.shutdown()
    window.close()
    print("saved", OUT)
    return 0 if all(v > 0 for v in moved.values()) else 1


def main() -> int:
    import logging
    logging.basicConfig(level=logging.WARNING)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(run())


if __name__ == "__main__":
    raise SystemExit(main())

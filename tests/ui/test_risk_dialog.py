"""The Risk dialog: prefilled from the limits, every field checked by the core's reader (an error names the field,
Save disabled), a preview of the changes, per-symbol limits kept across symbol switches; opened non-modal for a
real session on the sandbox, Save applies the limits (the next order past them is refused before sending), stores
them for the venue and environment, saves the settings and audits the change."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from terminal.risk import config
from terminal.risk.errors import PriceBandExceeded
from terminal.risk.limits import LossLimits, PriceBand, RiskLimits, SymbolLimits, Throttle
from terminal.storage import settings as st
from terminal.ui.dialogs.risk import RiskDialog, edit_limits

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin says this on every show()
D = Decimal
LIMITS = RiskLimits(max_order_notional=D("1000"), band=PriceBand(max_pct=D("5")),
                    throttle=Throttle(orders_per_second=5), loss=LossLimits(max_daily_loss=D("800")),
                    symbols={"BTCUSDT": SymbolLimits(max_order_qty=D("0.5"))})


def edit(dialog: RiskDialog, name: str) -> QLineEdit:
    found = dialog.findChild(QLineEdit, name)
    assert found is not None, name
    return found


def retype(qtbot, line: QLineEdit, text: str) -> None:
    line.selectAll()
    line.del_()
    if text:
        qtbot.keyClicks(line, text)


def test_fields_are_prefilled_checked_and_previewed(qtbot):
    dialog = RiskDialog(LIMITS, "binance testnet", ["BTCUSDT", "ETHUSDT"])
    qtbot.addWidget(dialog)
    dialog.show()
    assert edit(dialog, "max_order_notional").text() == "1000" and edit(dialog, "band.max_pct").text() == "5"
    ticks = edit(dialog, "band.max_ticks")
    assert ticks.text() == "" and ticks.placeholderText() == "no limit"
    assert edit(dialog, "symbol.max_order_qty").text() == "0.5"  # BTCUSDT shown first
    assert dialog.preview.text() == "no change" and not dialog.save.isEnabled()

    retype(qtbot, edit(dialog, "band.max_pct"), "3,5x")
    assert dialog.error.text().startswith("Limit price from the market (%): '3,5x' is not a plain decimal number")
    assert not dialog.save.isEnabled() and dialog.limits() is None
    retype(qtbot, edit(dialog, "band.max_pct"), "3")
    retype(qtbot, edit(dialog, "max_order_notional"), "1,000")  # thousands separated: 1000
    retype(qtbot, edit(dialog, "throttle.orders_per_minute"), "1.5")
    assert dialog.error.text() == "Orders (per minute): expected a whole number, got '1.5'"
    retype(qtbot, edit(dialog, "throttle.orders_per_minute"), "60")
    retype(qtbot, edit(dialog, "loss.max_daily_loss"), "")
    assert dialog.error.text() == ""
    assert dialog.preview.text() == ("3 changes: band.max_pct 5 → 3, loss.max_daily_loss 800 → none, "
                                     "throttle.orders_per_minute none → 60")
    assert dialog.save.isEnabled()
    assert dialog.limits() == LIMITS.replace(band=PriceBand(max_pct=D("3")),
                                             throttle=Throttle(orders_per_second=5, orders_per_minute=60),
                                             loss=LossLimits())


def test_per_symbol_limits_survive_switching_symbols(qtbot):
    dialog = RiskDialog(LIMITS, "binance testnet", ["BTCUSDT", "ETHUSDT"])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.symbol.setCurrentText("ETHUSDT")
    assert edit(dialog, "symbol.max_order_qty").text() == ""
    retype(qtbot, edit(dialog, "symbol.max_position_qty"), "-2")
    assert dialog.error.text().startswith("ETHUSDT, max position: '-2' is negative")
    retype(qtbot, edit(dialog, "symbol.max_position_qty"), "20")
    dialog.symbol.setCurrentText("BTCUSDT")
    retype(qtbot, edit(dialog, "symbol.max_order_qty"), "")
    assert dialog.limits() == LIMITS.replace(symbols={"ETHUSDT": SymbolLimits(max_position_qty=D("20"))})
    dialog.symbol.setCurrentText("ETHUSDT")
    assert edit(dialog, "symbol.max_position_qty").text() == "20"


def test_saved_from_the_dialog_for_a_real_session(qtbot, qloop, sandbox, tmp_path):
    import terminal
    from terminal.storage.audit import AuditLog

    session = qloop.run(terminal.connect("sandbox", sandbox_url=sandbox.url, data_dir=tmp_path), 30)
    settings = st.Settings()
    try:
        task = qloop.loop.create_task(edit_limits(session, settings, None, settings_dir=tmp_path))
        qtbot.waitUntil(lambda: any(isinstance(w, RiskDialog) and w.isVisible()
                                    for w in QApplication.topLevelWidgets()), timeout=5000)
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, RiskDialog) and w.isVisible())
        assert not dialog.isModal()  # the terminal stays usable while the limits are edited
        assert dialog.status.text() == "risk: no loss limit"
        retype(qtbot, edit(dialog, "band.max_pct"), "5")
        qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(task.done, timeout=5000)
        assert task.result() == RiskLimits(band=PriceBand(max_pct=D("5")))
        assert session.risk.engine.limits == task.result()
        assert config.limits_for(st.load(tmp_path), session.provider, session.env) == task.result()
        ask = qloop.run(session.quote("BTCUSDT")).ask
        with pytest.raises(PriceBandExceeded):
            qloop.run(session.buy("BTCUSDT", "0.001", price=ask * 2))
    finally:
        qloop.run(session.close(), 20)
    assert session.audit.flush()
    records = [r for r in AuditLog(tmp_path / "audit-sandbox.jsonl", read_only=True).records()
               if r.action != "keys.checked"]  # the key check on connect
    assert [(r.action, r.actor, r.details.get("changes")) for r in records][0] == (
        "risk.limits", "user", [["band.max_pct", None, "5"]])


def test_a_halt_is_shown_in_red_with_a_resume_button(qtbot):
    from terminal.risk.engine import RiskEngine

    engine = RiskEngine(RiskLimits(loss=LossLimits(max_daily_loss=D("100"))))
    engine.day.sample(engine.now_ms(), D("1000"))
    engine.day.sample(engine.now_ms(), D("880"))
    engine.refresh()  # no account: equity not sampled again; the loss of 120 halts
    assert engine.day.halt
    dialog = RiskDialog(engine.limits, "binance live", ["BTCUSDT"], engine)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.status.text().startswith("risk: HALTED (the day's loss 120.00 USDT reached your limit of 100 USDT")
    assert dialog.status.objectName() == "fieldError" and dialog.resume.isVisible()
    qtbot.mouseClick(dialog.resume, Qt.MouseButton.LeftButton)
    assert not engine.day.halt and not dialog.resume.isVisible() and dialog.status.objectName() == "muted"

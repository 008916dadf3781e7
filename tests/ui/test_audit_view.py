"""The Audit view: the records in a table (checked by qtmodeltester), the chain's state in words (red naming the
first bad record once the file is edited), Refresh, and Export CSV through the real save dialog."""
from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLineEdit

from terminal.model import Side
from terminal.storage.audit import AuditLog
from terminal.ui.dialogs.audit import AuditDialog

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise",
                                       "does not support grabbing the keyboard")


@pytest.fixture
def trail(tmp_path):
    log = AuditLog(tmp_path / "audit-testnet.jsonl", "testnet")
    log.record("order.sent", "strategy:SmaCross", symbol="BTCUSDT", side=Side.BUY, quantity=Decimal("0.001"),
               price=Decimal("64000.00"), stop_price=None)
    log.record("risk.limits", "user", changes=[["band.max_pct", None, "5"]])
    log.record("kill_switch", "user", on=True)
    return log


def test_records_are_listed_and_an_edited_file_is_named_in_red(qtbot, qtmodeltester, trail):
    dialog = AuditDialog(trail)
    qtbot.addWidget(dialog)
    dialog.show()
    qtmodeltester.check(dialog.model)
    m = dialog.model
    assert m.rowCount() == 3
    assert [m.index(0, c).data() for c in range(m.columnCount())][2:] == [
        "strategy:SmaCross", "order.sent", "symbol BTCUSDT · side BUY · quantity 0.001 · price 64000.00"]
    assert m.index(2, 3).data() == "kill_switch" and m.index(2, 4).data() == "on True"
    assert dialog.chain.text() == "chain intact: 3 records" and dialog.chain.objectName() == "muted"

    path = trail.path
    data = path.read_bytes().replace(b'"band.max_pct",null,"5"', b'"band.max_pct",null,"9"')
    path.write_bytes(data)
    qtbot.mouseClick(dialog.refresh_button, Qt.MouseButton.LeftButton)
    assert dialog.chain.text() == ("the audit trail was altered: record 2: its content does not match its hash: the "
                                   "record was changed")
    assert dialog.chain.objectName() == "fieldError"


def test_export_csv_through_the_save_dialog(qtbot, qloop, trail, tmp_path):
    dialog = AuditDialog(trail)
    qtbot.addWidget(dialog)
    dialog.show()
    done: list[str] = []
    dialog.exported.connect(done.append)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(x, QFileDialog) and x.isVisible() for x in QApplication.topLevelWidgets()),
                    timeout=5000)
    box = next(x for x in QApplication.topLevelWidgets() if isinstance(x, QFileDialog) and x.isVisible())
    edit = box.findChild(QLineEdit, "fileNameEdit")
    edit.clear()
    qtbot.keyClicks(edit, str(tmp_path / "trail"))
    buttons = box.findChild(QDialogButtonBox)
    ok = next(b for b in buttons.buttons() if buttons.buttonRole(b) is QDialogButtonBox.ButtonRole.AcceptRole)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert done == [str(tmp_path / "trail.csv")]
    with open(done[0], newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["seq"], r["actor"], r["action"]) for r in rows] == [
        ("1", "strategy:SmaCross", "order.sent"), ("2", "user", "risk.limits"), ("3", "user", "kill_switch")]

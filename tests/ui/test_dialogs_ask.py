"""terminal.ui.dialogs: ask(), run_dialog() and the pickers answer through the event loop (other tasks keep
running while a dialog is open), resolve when the dialog goes away, and close it when the asker is cancelled."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QApplication, QDialog, QDialogButtonBox, QFileDialog, QLineEdit, QMessageBox,
                               QPushButton, QWidget)

from terminal.ui.dialogs.ask import CANCEL, NO, YES, YES_NO, Icon, ask
from terminal.ui.dialogs.pick import pick_file, pick_folder
from terminal.ui.dialogs.run import run_dialog

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin says this on every show()
# typing a path pops up the dialog's completer, which the offscreen plugin cannot raise nor give the keyboard
TYPES_A_PATH = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise",
                                         "does not support grabbing the keyboard")
Accepted, Rejected = QDialog.DialogCode.Accepted.value, QDialog.DialogCode.Rejected.value


@pytest.fixture
def parent(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    w.show()
    return w


def shown(kind: type) -> list:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


async def answer_is(value: int) -> int:
    return value


def test_ask_returns_the_clicked_button_while_other_tasks_keep_running(qtbot, qloop, parent):
    task = qloop.loop.create_task(ask(parent, "LIVE trading", "Start?", YES_NO, default=NO, icon=Icon.Warning))
    qtbot.waitUntil(lambda: len(shown(QMessageBox)) == 1, timeout=5000)
    (box,) = shown(QMessageBox)
    assert box.windowModality() is Qt.WindowModality.WindowModal and box.parent() is parent
    assert box.defaultButton() is box.button(NO) and box.icon() is Icon.Warning
    assert qloop.run(answer_is(7), 5) == 7  # the loop is not stuck in the box
    assert not task.done()
    qtbot.mouseClick(box.button(YES), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.result() is YES
    qtbot.waitUntil(lambda: not shown(QMessageBox), timeout=5000)


def test_escape_answers_with_the_escape_button(qtbot, qloop, parent):
    task = qloop.loop.create_task(ask(parent, "Cancel all orders", "Cancel 2?", YES_NO))
    qtbot.waitUntil(lambda: len(shown(QMessageBox)) == 1, timeout=5000)
    qtbot.keyClick(shown(QMessageBox)[0], Qt.Key.Key_Escape)
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.result() is NO


def test_a_box_destroyed_with_its_parent_answers_cancel(qtbot, qloop):
    owner = QWidget()
    owner.show()
    task = qloop.loop.create_task(ask(owner, "Confirm order — SANDBOX", "BUY?"))
    qtbot.waitUntil(lambda: len(shown(QMessageBox)) == 1, timeout=5000)
    owner.deleteLater()
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.result() is CANCEL


def test_cancelling_the_asking_task_closes_the_box(qtbot, qloop, parent):
    task = qloop.loop.create_task(ask(parent, "Confirm order — SANDBOX", "BUY?"))
    qtbot.waitUntil(lambda: len(shown(QMessageBox)) == 1, timeout=5000)
    task.cancel()
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.cancelled() and shown(QMessageBox) == []


def test_run_dialog_resolves_with_the_result_of_a_custom_dialog(qtbot, qloop, parent):
    dialog = QDialog(parent)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    task = qloop.loop.create_task(run_dialog(dialog))
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    assert dialog.windowModality() is Qt.WindowModality.WindowModal
    qtbot.mouseClick(buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.result() == Accepted
    again = qloop.loop.create_task(run_dialog(dialog))  # the same dialog can be run again
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    qtbot.mouseClick(buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(again.done, timeout=5000)
    assert again.result() == Rejected


def _file_dialog(qtbot) -> QFileDialog:
    qtbot.waitUntil(lambda: len(shown(QFileDialog)) == 1, timeout=5000)
    return shown(QFileDialog)[0]


def _type_name(qtbot, dialog: QFileDialog, path: str) -> None:
    """Type the path into the dialog's file name field, as a user does."""
    edit = dialog.findChild(QLineEdit, "fileNameEdit")
    edit.clear()
    qtbot.keyClicks(edit, path)


def _accept_button(dialog: QFileDialog) -> QPushButton:
    box = dialog.findChild(QDialogButtonBox)
    return next(b for b in box.buttons() if box.buttonRole(b) is QDialogButtonBox.ButtonRole.AcceptRole)


@TYPES_A_PATH
def test_pick_folder_returns_the_chosen_folder_and_none_on_cancel(qtbot, qloop, parent, tmp_path):
    folder = tmp_path / "strategies"
    folder.mkdir()
    task = qloop.loop.create_task(pick_folder(parent, "Folder of strategy files", str(tmp_path)))
    dialog = _file_dialog(qtbot)
    assert dialog.fileMode() is QFileDialog.FileMode.Directory and dialog.windowTitle() == "Folder of strategy files"
    _type_name(qtbot, dialog, str(folder))
    qtbot.mouseClick(_accept_button(dialog), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.result() == str(folder)
    task = qloop.loop.create_task(pick_folder(parent, "Folder of strategy files", str(tmp_path)))
    qtbot.keyClick(_file_dialog(qtbot), Qt.Key.Key_Escape)
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.result() is None


@TYPES_A_PATH
def test_pick_file_returns_an_existing_file(qtbot, qloop, parent, tmp_path):
    pem = tmp_path / "key.pem"
    pem.write_text("-----BEGIN PRIVATE KEY-----\n")
    task = qloop.loop.create_task(pick_file(parent, "Ed25519 private key", str(tmp_path), "PEM (*.pem);;All files (*)"))
    dialog = _file_dialog(qtbot)
    assert dialog.fileMode() is QFileDialog.FileMode.ExistingFile and dialog.nameFilters()[0] == "PEM (*.pem)"
    _type_name(qtbot, dialog, str(pem))
    qtbot.mouseClick(_accept_button(dialog), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.result() == str(pem)


@TYPES_A_PATH
def test_the_keys_dialog_loads_a_pem_chosen_in_the_file_dialog(qtbot, qloop, parent, tmp_path):
    from terminal.model import Environment
    from terminal.storage.secrets import KeyType
    from terminal.ui.dialogs.keys import EnvironmentKeys

    pem = tmp_path / "ed25519.pem"
    pem.write_text("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n")
    page = EnvironmentKeys(Environment.TESTNET, True, "", parent)
    page.show()
    qtbot.mouseClick(page.pem_button, Qt.MouseButton.LeftButton)
    dialog = _file_dialog(qtbot)
    assert dialog.windowTitle() == "Ed25519 private key"
    _type_name(qtbot, dialog, str(pem))
    qtbot.mouseClick(_accept_button(dialog), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.message.text() == "Private key loaded (not shown).", timeout=5000)
    assert page.kind.currentData() is KeyType.ED25519 and not page.secret.isEnabled()


@TYPES_A_PATH
def test_the_strategies_folder_button_loads_the_folder_chosen(qtbot, qloop, tmp_path):
    from terminal.ui.automation.strategies_dock import StrategiesDock

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "hold.py").write_text("from terminal.strategy.base import Strategy\n\n\nclass Hold(Strategy):\n"
                                    "    name = \"hold\"\n\n    def on_bar(self, bar):\n        pass\n")
    dock = StrategiesDock(lambda: None)
    qtbot.addWidget(dock)
    dock.show()
    qtbot.mouseClick(dock.folder_button, Qt.MouseButton.LeftButton)
    dialog = _file_dialog(qtbot)
    _type_name(qtbot, dialog, str(folder))
    qtbot.mouseClick(_accept_button(dialog), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "hold" in dock.catalog.classes, timeout=5000)
    assert dock.strategy_combo.currentData() == "hold" and dock.message.text().startswith("loaded 1 from")

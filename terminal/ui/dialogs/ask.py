"""Ask the user a question and await the answer, without blocking the event loop.

    if await ask(self, "Cancel all orders", "Cancel all 3 open orders?", YES_NO, default=NO) == YES: ...

The one way the terminal asks (order confirmations, LIVE prompts, cancel-all): a QMessageBox opened window-modal
with ``open()`` (see ``run.py``), never ``exec()`` or the static ``QMessageBox.question``.
"""
from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget
from shiboken6 import isValid

from .run import run_dialog

Button = QMessageBox.StandardButton
Icon = QMessageBox.Icon
OK, CANCEL, YES, NO = Button.Ok, Button.Cancel, Button.Yes, Button.No
OK_CANCEL = Button.Ok | Button.Cancel
YES_NO = Button.Yes | Button.No


async def ask(parent: QWidget | None, title: str, text: str, buttons: Button = OK_CANCEL,
              default: Button | None = None, icon: Icon = Icon.Question,
              labels: dict[Button, str] | None = None) -> Button:
    """Show a message box with ``buttons`` and return the button the user chose (Esc chooses the box's escape
    button: Cancel or No). ``CANCEL`` when the box goes without an answer (its parent was destroyed). Cancelling
    the awaiting task closes the box, and the task ends cancelled. ``labels`` renames buttons in words of the
    question (``{YES: "Close position", NO: "Keep position"}``); the answer is still the standard button."""
    box = QMessageBox(icon, title, text, buttons, parent)
    for button, label in (labels or {}).items():
        if box.button(button) is not None:
            box.button(button).setText(label)
    if default is not None:
        box.setDefaultButton(default)
    answer = [CANCEL]

    def on_clicked(button: QAbstractButton) -> None:  # before ``finished``, while the box surely exists
        answer[0] = box.standardButton(button)

    box.buttonClicked.connect(on_clicked)
    try:
        await run_dialog(box)
    finally:
        if isValid(box):
            box.deleteLater()
    return answer[0]

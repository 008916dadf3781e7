"""Run a dialog without a nested event loop: ``await run_dialog(dialog)``.

``QDialog.exec()`` (and the static ``QMessageBox.question``, ``QFileDialog.getOpenFileName``… built on it) spins a
second event loop inside the caller. Called from a coroutine, that loop runs other tasks' steps while the calling
task is still executing: asyncio refuses them ("Cannot enter into task … while another task … is being executed")
and those tasks never wake again: the market streams, the book and the reconnect stop for good. Every dialog of the
terminal is therefore opened with ``open()`` and awaited here; ``tests/ui/test_no_nested_loops.py`` keeps it so.
"""
from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QDialog
from shiboken6 import isValid

REJECTED = QDialog.DialogCode.Rejected.value


async def run_dialog(dialog: QDialog, *, modal: bool = True) -> int:
    """Open ``dialog`` (window-modal, with ``open()``) and return its result code once it finishes: ``Accepted``
    or ``Rejected`` as ints, or the code given to ``done()``. The event loop keeps running meanwhile.
    ``modal=False`` shows it without blocking the other windows (``show()``): the user can go on working meanwhile.

    A dialog destroyed before it finishes (its parent closed) returns ``Rejected``. Cancelling the awaiting task
    closes the dialog (rejected): nobody is left to act on the answer."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def on_finished(code: int) -> None:
        if not future.done():
            future.set_result(int(code))

    def on_destroyed(*_: object) -> None:
        if not future.done():
            future.set_result(REJECTED)

    dialog.finished.connect(on_finished)
    dialog.destroyed.connect(on_destroyed)
    if modal:
        dialog.open()
    else:
        dialog.setModal(False)
        dialog.show()
    try:
        return await future
    finally:
        if isValid(dialog):
            dialog.finished.disconnect(on_finished)
            dialog.destroyed.disconnect(on_destroyed)
            if dialog.isVisible():  # the task was cancelled while the dialog was open
                dialog.reject()

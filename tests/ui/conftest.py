"""UI fixtures: a qasync loop driven by pytest-qt, and the main window connected to an embedded sandbox."""
from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any, Coroutine

import pytest


class QLoop:
    """Runs coroutines on a qasync loop that shares the Qt event loop pytest-qt spins."""

    def __init__(self, loop: asyncio.AbstractEventLoop, qtbot: Any) -> None:
        self.loop = loop
        self.qtbot = qtbot

    def run(self, coro: Coroutine[Any, Any, Any], timeout_s: float = 15.0) -> Any:
        task = self.loop.create_task(coro)
        self.qtbot.waitUntil(task.done, timeout=int(timeout_s * 1000))
        return task.result()


@pytest.fixture
def qloop(qapp, qtbot):
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=True)
    executor = concurrent.futures.ThreadPoolExecutor(4)
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    try:
        yield QLoop(loop, qtbot)
    finally:
        tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for t in tasks:
            t.cancel()
        if tasks:
            qtbot.waitUntil(lambda: all(t.done() for t in tasks), timeout=10000)
        executor.shutdown(wait=True)
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)


@pytest.fixture
def window(qtbot, qloop, tmp_path):
    """The main window attached to a session on its own embedded sandbox exchange."""
    from terminal import session as session_mod
    from terminal.ui.mainwindow import MainWindow

    w = MainWindow(tmp_path)  # closed here, not by qtbot: the session must shut down before the window goes
    w.resize(1400, 900)
    w.show()
    w.order_entry.confirm_box.setChecked(False)  # orders go straight out; tests/ui/test_confirm_dialogs.py asks
    assert qloop.run(w.start_session(lambda: session_mod.connect("sandbox")), 30)
    try:
        yield w
    finally:
        qloop.run(w.shutdown(), 20)
        w.close()
        w.deleteLater()


class BoxAnswer:
    """Answers the next modal QMessageBox the way a user does: a mouse click on one of its buttons.

    A QTimer looks for the box, so the click happens inside whichever event loop is spinning: the test's
    ``qtbot.waitUntil``, or the nested loop of a ``QMessageBox.exec()`` (where a test that waited for the box itself
    would hang instead of failing). ``when`` holds the click until it is true (e.g. "quotes kept arriving while the
    box was open"), for at most ``timeout_ms``; ``condition_held`` says whether it became true."""

    def __init__(self, qtbot: Any, button: Any, when: Any = None, timeout_ms: int = 10000) -> None:
        import time

        from PySide6.QtCore import QTimer

        self.qtbot, self.button, self.when = qtbot, button, when or (lambda: True)
        self.deadline = time.monotonic() + timeout_ms / 1000
        self.clicked = False
        self.condition_held: bool | None = None
        self.title = self.text = ""
        self.modality: Any = None
        self.buttons: Any = None
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def close(self) -> None:
        """Stop and delete the timer now, on the GUI thread. Left to Python, the timer went with this object: by
        the garbage collector, on whichever thread it ran, when the answer was in a cycle (a ``when`` closure that
        refers to it, a failed test's kept traceback); Qt cannot stop a timer from another thread."""
        from shiboken6 import delete, isValid

        if isValid(self.timer):
            self.timer.stop()
            delete(self.timer)

    @staticmethod
    def shown() -> Any:
        """The visible modal message box, or None. Asked of the modal stack, not by wrapping every top-level widget
        every 20 ms (tooltips, popups, menus made and deleted by Qt: a CI run crashed inside that list's loop)."""
        from PySide6.QtWidgets import QApplication, QMessageBox

        w = QApplication.activeModalWidget()
        return w if isinstance(w, QMessageBox) and w.isVisible() else None

    def _poll(self) -> None:
        import time

        from PySide6.QtCore import Qt

        box = self.shown()
        if box is None:
            return
        held = bool(self.when())
        if not held and time.monotonic() < self.deadline:
            return
        self.timer.stop()
        self.condition_held = held
        self.title, self.text = box.windowTitle(), box.text()
        self.modality, self.buttons = box.windowModality(), box.standardButtons()
        button = box.button(self.button)
        assert button is not None, f"no {self.button} in the box {self.title!r}"
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        self.clicked = True


@pytest.fixture
def answer_box(qtbot):
    """``answer_box(QMessageBox.StandardButton.Ok, when=...)``: click that button of the next modal box shown."""
    made: list[BoxAnswer] = []

    def make(button: Any, when: Any = None, timeout_ms: int = 10000) -> BoxAnswer:
        made.append(BoxAnswer(qtbot, button, when, timeout_ms))
        return made[-1]
    yield make
    for a in made:
        a.close()

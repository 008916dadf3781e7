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
    w.order_entry.confirm = lambda text: True
    assert qloop.run(w.start_session(lambda: session_mod.connect("sandbox")), 30)
    try:
        yield w
    finally:
        qloop.run(w.shutdown(), 20)
        w.close()
        w.deleteLater()

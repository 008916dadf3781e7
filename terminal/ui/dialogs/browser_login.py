"""A provider's browser login (Kite's daily login) without blocking the window: a small non-modal dialog "Waiting for
the login in your browser…" with the login page's address (to open by hand) and Cancel, while the adapter's login
helper opens the browser and waits for its one-shot redirect listener.

``browser_login(parent, title, login)`` runs ``login(open_browser)`` (a coroutine function: the adapter's helper with
its keys bound) next to the dialog and returns its result, or None when the user cancelled or closed the dialog (the
login task is cancelled: its listener closes). The helper calls ``open_browser(url)`` on a worker thread; the
dialog learns the address through the loop, never from that thread.
"""
from __future__ import annotations

import asyncio
import logging
import webbrowser
from typing import Any, Awaitable, Callable, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from .. import theme
from .run import run_dialog

log = logging.getLogger(__name__)
T = TypeVar("T")
Opener = Callable[[str], Any]


class BrowserLoginDialog(QDialog):
    def __init__(self, parent: QWidget | None, title: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Log in to {title}")
        self.setMinimumWidth(420)
        self.text = QLabel("Waiting for the login in your browser…", self)
        self.text.setStyleSheet("font-weight: 600;")
        self.address = QLabel("", self)
        self.address.setWordWrap(True)
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.address.setOpenExternalLinks(True)
        theme.style(self.address, "muted")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text)
        lay.addWidget(self.address)
        lay.addWidget(self.buttons)

    def set_url(self, url: str) -> None:
        """The login page's address, as a link (when no browser opened, the user opens it by hand)."""
        shown = url.split("?", 1)[0]
        self.address.setText(f"If no browser opened, open <a href=\"{url}\">{shown}</a> and log in there.")


async def browser_login(parent: QWidget | None, title: str, login: Callable[[Opener], Awaitable[T]],
                        open_browser: Opener = webbrowser.open) -> T | None:
    """Run ``login(opener)`` while the dialog waits; its result, or None when cancelled. Errors of the login (a
    refused exchange, a timeout) propagate after the dialog closed."""
    loop = asyncio.get_running_loop()
    dlg = BrowserLoginDialog(parent, title)
    if parent is not None:
        setattr(parent, "login_dialog", dlg)  # for the tests and the window's close

    def opener(url: str) -> Any:  # on the helper's worker thread
        loop.call_soon_threadsafe(lambda: dlg.set_url(url) if not dlg.isHidden() else None)
        return open_browser(url)

    task: asyncio.Task[T] = loop.create_task(login(opener))  # type: ignore[arg-type]
    waiting = loop.create_task(run_dialog(dlg, modal=False))
    try:
        done, _ = await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        task.cancel()  # cancelled by the user: the redirect listener closes with the task
        await asyncio.gather(task, return_exceptions=True)
        log.info("%s login cancelled", title)
        return None
    finally:
        if not waiting.done():
            dlg.accept()  # the login ended: the waiting dialog goes
        await asyncio.gather(waiting, return_exceptions=True)
        dlg.deleteLater()

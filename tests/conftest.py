"""Shared fixtures: a real sandbox exchange on 127.0.0.1 (random port)."""
from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The documentation's example key pair; the sandbox's default account accepts it.
API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
API_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


@pytest.fixture(scope="session")
def sandbox():
    """One sandbox server for the whole run (background thread, own event loop). Faults are reset per test.

    Every test reaches it from 127.0.0.1, so the whole run shares one request-weight minute and one account's order
    counts: with Binance's 6000 weight/min and 50 orders/10 s, a test could land in a minute the others had spent and
    wait out the rest of it (seen: 31 s) or be refused. Its limits are ten times Binance's; the limits themselves are
    tested on private sandboxes (``fresh_sandbox``)."""
    from terminal.venues.sandbox import SandboxServer
    from terminal.venues.sandbox.ratelimit import Limits

    server = SandboxServer(host="127.0.0.1", port=0, seed=7, limits=Limits(weight_per_minute=60_000, orders_per_10s=500))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fresh_sandbox():
    """A private sandbox for tests that break things (drops, faults) or need exact balances."""
    from terminal.venues.sandbox import SandboxServer

    server = SandboxServer(host="127.0.0.1", port=0, seed=11)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _delete_what_the_test_left():
    """Widgets a test closed (pytest-qt's ``qtbot.addWidget``, the window fixture) are deleted when it ends.

    ``deleteLater`` only posts a deletion, and ``processEvents`` never runs it: the closed windows, charts and
    dialogs of every earlier test stayed alive (timers, scenes, models) until some later test happened to spin a
    nested event loop (``waitUntil``), and were then deleted there, all at once, in the middle of another test."""
    yield
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is None or widgets.QApplication.instance() is None:
        return
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(autouse=True)
def _reset_faults(request):
    yield
    if "sandbox" in request.fixturenames:
        request.getfixturevalue("sandbox").faults.clear()

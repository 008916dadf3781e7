"""Shared fixtures: a real sandbox exchange on 127.0.0.1 (random port)."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The documentation's example key pair; the sandbox's default account accepts it.
API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
API_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


@pytest.fixture(scope="session")
def sandbox():
    """One sandbox server for the whole run (background thread, own event loop). Faults are reset per test."""
    from terminal.venues.sandbox import SandboxServer

    server = SandboxServer(host="127.0.0.1", port=0, seed=7)
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
def _reset_faults(request):
    yield
    if "sandbox" in request.fixturenames:
        request.getfixturevalue("sandbox").faults.clear()

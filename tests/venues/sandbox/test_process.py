"""The sandbox exchange in a child process (the window's embedded sandbox): listens when start() returns, keeps
its log, stops with stop(), dies with its parent even when the parent is SIGKILLed (PR_SET_PDEATHSIG), and a
session connected with ``sandbox_process=True`` trades on it and ends it when it closes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import psutil
import pytest
import requests

import terminal
from terminal.venues.sandbox.process import SandboxProcess, SandboxStartError

from tests.children import python_code

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")


def gone(pid: int, timeout_s: float = 20.0) -> bool:
    """True once process ``pid`` has exited (reaped or a zombie of a dead parent), False after ``timeout_s``."""
    try:
        proc = psutil.Process(pid)
        proc.wait(timeout_s)
    except psutil.NoSuchProcess:
        return True
    except psutil.TimeoutExpired:
        return proc.status() == psutil.STATUS_ZOMBIE
    return True


def test_sandbox_process_listens_after_start_logs_and_is_gone_after_stop(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "sandbox.log"
    child = SandboxProcess(log)
    child.start()
    try:
        pid = child.pid
        assert pid is not None and pid != os.getpid()
        assert child.url.startswith("http://127.0.0.1:")
        assert requests.get(f"{child.url}/api/v3/ping", timeout=10).json() == {}
        symbols = {s["symbol"] for s in requests.get(f"{child.url}/api/v3/exchangeInfo", timeout=10).json()["symbols"]}
        assert "BTCUSDT" in symbols
    finally:
        child.stop()
    assert gone(pid)
    text = log.read_text()
    assert "Sandbox exchange running" in text and "sandbox listening on" in text and "sandbox stopped" in text
    child.stop()  # twice is harmless


def test_sandbox_process_dies_with_its_parent_killed_by_sigkill(tmp_path: Path) -> None:
    code = ("import sys\nfrom terminal.venues.sandbox.process import SandboxProcess\n"
            "c = SandboxProcess(sys.argv[1])\nc.start()\nprint(c.pid, c.url, flush=True)\nsys.stdin.read()\n")
    parent = subprocess.Popen(python_code(code, str(tmp_path / "sandbox.log")), stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        line = parent.stdout.readline().split()
        pid, url = int(line[0]), line[1]
        assert requests.get(f"{url}/api/v3/ping", timeout=10).status_code == 200
        assert psutil.Process(pid).ppid() == parent.pid
        parent.send_signal(signal.SIGKILL)  # no teardown runs in the parent
        parent.wait(20)
        assert gone(pid)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(20)
    assert (tmp_path / "sandbox.log").exists()


async def test_session_on_a_sandbox_process_trades_and_ends_it_on_close(tmp_path: Path) -> None:
    log = tmp_path / "sandbox.log"
    session = await terminal.connect("sandbox", sandbox_process=True, sandbox_log=log)
    try:
        pid = session.server.pid
        assert pid is not None and psutil.Process(pid).ppid() == os.getpid()
        order = await session.buy("BTCUSDT", "0.001")
        assert order.status is terminal.OrderStatus.FILLED and order.filled_qty == Decimal("0.001")
    finally:
        await session.close()
    assert gone(pid)
    assert "sandbox stopped" in log.read_text()


def test_sandbox_process_that_cannot_listen_raises_with_the_end_of_its_log(tmp_path: Path) -> None:
    child = SandboxProcess(tmp_path / "sandbox.log", host="192.0.2.1")  # not an address of this machine
    with pytest.raises(SandboxStartError) as info:
        child.start()
    assert "the sandbox exited (status 2)" in str(info.value) and "192.0.2.1" in str(info.value)
    assert child.pid is None  # stopped

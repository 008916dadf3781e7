"""The sandbox child spawned gated (the window's: spawned before the window is built, released after its first
paint): it waits in its stdin pipe without the exchange loaded until release() or start(); it then listens and
serves at this process's priority until background(); stop() ends a child never released."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Callable

import psutil
import pytest
import requests

from terminal.venues.sandbox.process import SandboxProcess

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def wait_until(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """Poll ``condition`` until it holds (a condition wait, like qtbot.waitUntil); fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def blocked_in_a_pipe_read(pid: int) -> bool:
    return "pipe" in Path(f"/proc/{pid}/wchan").read_text()


def loaded(pid: int, library: str) -> bool:
    return library in Path(f"/proc/{pid}/maps").read_text()


def gone(pid: int, timeout_s: float = 20.0) -> bool:
    try:
        psutil.Process(pid).wait(timeout_s)
    except psutil.NoSuchProcess:
        pass
    except psutil.TimeoutExpired:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    return True


def test_gated_child_waits_without_the_exchange_until_start_then_serves_and_goes_to_the_background(tmp_path: Path) -> None:
    log = tmp_path / "sandbox.log"
    child = SandboxProcess(log)
    child.spawn(gated=True)
    try:
        pid = child.pid
        assert pid is not None
        wait_until(lambda: blocked_in_a_pipe_read(pid))  # held in its stdin, before the exchange's imports
        assert not loaded(pid, "aiohttp") and not loaded(pid, "numpy")
        assert child.url == "" and "listening" not in log.read_text()
        child.start()  # releases it and waits until it listens
        assert requests.get(f"{child.url}/api/v3/ping", timeout=10).json() == {}
        assert loaded(pid, "aiohttp")
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert psutil.Process(pid).nice() == ours  # up and answering at our priority
        child.background()  # (the registry: once the venue on it has started)
        assert psutil.Process(pid).nice() == min(19, ours + child.nice)
    finally:
        child.stop()
    assert gone(pid)
    assert "sandbox listening on" in log.read_text() and "sandbox stopped" in log.read_text()


def test_release_lets_a_gated_child_start_before_anyone_waits_for_it(tmp_path: Path) -> None:
    child = SandboxProcess(tmp_path / "sandbox.log")
    child.spawn(gated=True)
    try:
        pid = child.pid
        assert pid is not None
        wait_until(lambda: blocked_in_a_pipe_read(pid))
        child.release()
        wait_until(lambda: loaded(pid, "aiohttp"))  # it starts the exchange with nobody in start()
        child.start()
        assert requests.get(f"{child.url}/api/v3/ping", timeout=10).json() == {}
    finally:
        child.stop()


def test_gated_child_never_released_ends_with_stop(tmp_path: Path) -> None:
    log = tmp_path / "sandbox.log"
    child = SandboxProcess(log)
    child.spawn(gated=True)
    pid = child.pid
    assert pid is not None
    wait_until(lambda: blocked_in_a_pipe_read(pid))
    child.stop()
    assert gone(pid)
    assert "listening" not in log.read_text()
    child.stop()  # twice is harmless


async def test_session_on_a_sandbox_process_puts_it_in_the_background_once_connected(tmp_path: Path) -> None:
    import terminal

    session = await terminal.connect("sandbox", sandbox_process=True, sandbox_log=tmp_path / "sandbox.log")
    try:
        pid = session.server.pid
        assert pid is not None
        assert psutil.Process(pid).nice() == min(19, os.getpriority(os.PRIO_PROCESS, 0) + session.server.nice)
    finally:
        await session.close()
    assert gone(pid)

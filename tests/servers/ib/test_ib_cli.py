"""``trading-terminal sandbox --venue ib``: prints where it listens, serves ib_async, stops cleanly on SIGTERM and
Ctrl-C ("ib paper server stopped", exit 0); a bad port or a port in use is one line and exit status 2.

Each server runs in its own process group under tests/children.py's guard (it dies with the test run) and is
stopped in teardown by SIGTERM, then SIGKILL."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
from pathlib import Path
from typing import Iterator

import pytest
from ib_async import IB

from tests.children import python_code

ROOT = Path(__file__).resolve().parents[3]
LAUNCH = """
import signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN if sys.argv[1] == "ignore" else signal.default_int_handler)
from terminal.__main__ import main
raise SystemExit(main(["sandbox", "--venue", "ib", *sys.argv[2:]]))
"""


class Procs:
    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []

    def start(self, *args: str, sigint: str = "default") -> subprocess.Popen[str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(python_code(LAUNCH, sigint, *args), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.started.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.communicate(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.communicate()


@pytest.fixture
def procs() -> Iterator[Procs]:
    p = Procs()
    try:
        yield p
    finally:
        p.stop_all()


def _port(proc: subprocess.Popen[str]) -> int:
    assert proc.stdout is not None
    text = ""
    for line in proc.stdout:
        text += line
        if line.startswith("Ctrl-C"):
            break
    found = re.search(r"on 127\.0\.0\.1:(\d+)", text)
    assert found, text
    return int(found.group(1))


def _serves(port: int) -> None:
    ib = IB()
    try:
        ib.connect("127.0.0.1", port, clientId=3, timeout=10)
        assert ib.managedAccounts() == ["DU1234567"]
    finally:
        ib.disconnect()


@pytest.mark.parametrize("sig, sigint", [(signal.SIGTERM, "ignore"), (signal.SIGINT, "default")])
def test_cli_serves_ib_async_and_stops_cleanly_on_a_signal(procs: Procs, sig: signal.Signals, sigint: str) -> None:
    proc = procs.start("--port", "0", "--always-open", "--seed", "3", sigint=sigint)
    port = _port(proc)
    _serves(port)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out.strip().endswith("ib paper server stopped") and "Traceback" not in err
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


@pytest.mark.parametrize("port", ["99999", "http"])
def test_cli_rejects_a_bad_port_in_one_line(procs: Procs, port: str) -> None:
    proc = procs.start("--port", port)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and err.count("\n") == 1 and "argument --port" in err and not out, err


def test_cli_says_in_one_line_that_the_port_is_in_use(procs: Procs) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = procs.start("--port", str(port))
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert err.count("\n") == 1 and f"port {port} on 127.0.0.1 is already in use" in err, err
    assert "Traceback" not in err and "IB paper server" not in out

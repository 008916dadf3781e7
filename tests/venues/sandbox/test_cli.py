"""``trading-terminal sandbox``: prints its URLs and key, serves, stops cleanly on SIGTERM and Ctrl-C; every error
(bad replay file, port out of range, port in use) is one line and exit status 2.

Each server runs in its own process group and is stopped in teardown by SIGTERM, then SIGKILL if it is still there:
never by SIGINT alone, which a process started with SIGINT ignored (a background job, ``trap '' INT``) keeps ignoring.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
import requests

ROOT = Path(__file__).resolve().parents[3]
API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
# The command as a user runs it, with the SIGINT disposition set explicitly rather than inherited from pytest:
# "default" is an interactive terminal (Ctrl-C raises KeyboardInterrupt), "ignore" a background job of a script.
# On Linux the child also gets SIGTERM when pytest itself dies (even by SIGKILL, when no teardown runs).
LAUNCH = """
import ctypes, os, signal, sys
parent, sigint, *args = sys.argv[1:]
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
except (OSError, AttributeError):  # not Linux
    pass
if os.getppid() != int(parent):  # pytest died before the line above
    raise SystemExit(3)
signal.signal(signal.SIGINT, signal.SIG_IGN if sigint == "ignore" else signal.default_int_handler)
from terminal.__main__ import main
raise SystemExit(main(["sandbox", *args]))
"""


class Procs:
    """Starts sandbox CLI processes and makes sure none outlives the test."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []

    def start(self, *args: str, sigint: str = "default") -> subprocess.Popen[str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen([sys.executable, "-c", LAUNCH, str(os.getpid()), sigint, *args], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.started.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                _signal_group(proc, signal.SIGTERM)
                try:
                    proc.communicate(timeout=15)
                except subprocess.TimeoutExpired:
                    _signal_group(proc, signal.SIGKILL)
                    proc.communicate()
            _signal_group(proc, signal.SIGKILL)  # anything the server itself started


def _signal_group(proc: subprocess.Popen[str], sig: signal.Signals) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


@pytest.fixture
def procs() -> Iterator[Procs]:
    p = Procs()
    try:
        yield p
    finally:
        p.stop_all()


def _banner(proc: subprocess.Popen[str]) -> str:
    """The start-up text, up to the "Ctrl-C to stop." line."""
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Ctrl-C"):
            break
    return "".join(lines)


def _serves(text: str) -> str:
    url = re.search(r"REST:\s+(http://127\.0\.0\.1:\d+)", text)
    assert url, text
    assert requests.get(url.group(1) + "/sandbox/health", timeout=5).json()["status"] == "ok"
    return url.group(1)


def test_cli_prints_urls_serves_and_stops_on_sigterm_even_with_ctrl_c_ignored(tmp_path: Path, procs: Procs) -> None:
    csv = tmp_path / "btc.csv"
    rows = ["open_time,open,high,low,close,volume"]
    for i in range(120):
        p = 60000 + i
        rows.append(f"{1700000000000 + i * 60000},{p},{p + 5},{p - 5},{p + 1},3")
    csv.write_text("\n".join(rows) + "\n")
    proc = procs.start("--port", "0", "--seed", "3", "--replay", f"BTCUSDT={csv}", sigint="ignore")
    text = _banner(proc)
    assert API_KEY in text
    url = _serves(text)
    last = requests.get(url + "/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1m"}, timeout=5).json()
    assert last and len(last[-1]) == 12
    proc.terminate()
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert out.strip().endswith("sandbox stopped") and "Traceback" not in err
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/sandbox/health", timeout=5)


def test_cli_stops_on_ctrl_c(procs: Procs) -> None:
    proc = procs.start("--port", "0", sigint="default")
    url = _serves(_banner(proc))
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert out.strip().endswith("sandbox stopped") and "Traceback" not in err
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/sandbox/health", timeout=5)


def test_cli_rejects_a_bad_replay_file(tmp_path: Path, procs: Procs) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("when,price\n1,2\n")
    proc = procs.start("--port", "0", "--replay", f"BTCUSDT={bad}")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "missing column" in err


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_cli_rejects_a_port_out_of_range_in_one_line(port: str, procs: Procs) -> None:
    proc = procs.start("--port", port)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert err.count("\n") == 1 and err.startswith("trading-terminal sandbox: error: argument --port:"), err
    assert "0 to 65535" in err and not out


def test_cli_says_in_one_line_that_the_port_is_in_use(procs: Procs) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = procs.start("--port", str(port))
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert err.count("\n") == 1 and f"port {port} on 127.0.0.1 is already in use" in err, err
    assert "Sandbox exchange running" not in out


def test_sandbox_with_an_unknown_venue_says_which_venues_exist_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    from terminal.__main__ import main

    assert main(["sandbox", "--venue", "nyse"]) == 2
    err = capsys.readouterr().err
    assert "--venue must be one of binance, ib, kite, finnhub, truedata" in err and "'nyse'" in err

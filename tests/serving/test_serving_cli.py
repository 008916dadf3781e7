"""The command line every paper server shares (``trading-terminal sandbox --venue NAME``): each prints where it
listens, stops cleanly on SIGHUP (and SIGTERM, SIGINT: tested per server) with its stop line and exit 0, and says in
one line, exit 2, that its port is in use. The message helpers: a port out of range, in use, not permitted, an
address not this machine's."""
from __future__ import annotations

import argparse
import errno
import signal
import socket
import subprocess
from typing import Iterator

import pytest

from terminal.serving import cli
from tests.children import python_module

#: venue: the line it prints once stopped
STOPPED = {"binance": "sandbox stopped", "ib": "ib paper server stopped", "kite": "sandbox stopped",
           "finnhub": "finnhub paper server stopped", "truedata": "TrueData paper server stopped"}


class Children:
    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []

    def start(self, venue: str, *args: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(python_module("terminal", "sandbox", "--venue", venue, *args), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.started.append(proc)
        return proc

    def kill_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()


@pytest.fixture
def children() -> Iterator[Children]:
    c = Children()
    try:
        yield c
    finally:
        c.kill_all()


@pytest.mark.parametrize("venue", list(STOPPED))
def test_each_server_stops_cleanly_on_sighup(children: Children, venue: str) -> None:
    proc = children.start(venue, "--port", "0")
    assert proc.stdout is not None
    banner = []
    while not banner or not banner[-1].startswith("Ctrl-C"):  # the banner's last line: it listens
        line = proc.stdout.readline()
        assert line, (banner, proc.stderr.read() if proc.stderr else "")
        banner.append(line)
    assert "127.0.0.1:" in "".join(banner)
    proc.send_signal(signal.SIGHUP)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.strip().endswith(STOPPED[venue]) and "Traceback" not in err


@pytest.mark.parametrize("venue", list(STOPPED))
def test_each_server_says_in_one_line_that_its_port_is_in_use(children: Children, venue: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = children.start(venue, "--port", str(port))
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert err.count("\n") == 1 and f"port {port} on 127.0.0.1 is already in use" in err, err
    assert err.startswith("trading-terminal sandbox") and ": error: " in err and not out


@pytest.mark.parametrize("text", ["70000", "-1", "http"])
def test_a_port_out_of_range_or_not_a_number_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="is not a port number"):
        cli.port_number(text)
    assert cli.port_number("0") == 0 and cli.port_number("65535") == 65535


def test_the_error_line_says_what_to_do() -> None:
    in_use = OSError(errno.EADDRINUSE, "Address already in use")
    assert cli.error_text("127.0.0.1", 80, in_use) == (
        "port 80 on 127.0.0.1 is already in use (choose another --port; 0 picks a free one)")
    assert "is TWS running?" in cli.error_text("127.0.0.1", 80, in_use, "is TWS running?")
    assert "ports below 1024 need privileges" in cli.error_text("h", 80, OSError(errno.EACCES, "denied"))
    assert cli.error_text("10.9.9.9", 1, OSError(errno.EADDRNOTAVAIL, "x")) == (
        "cannot listen on 10.9.9.9 (not an address of this machine)")
    assert cli.error_text("nowhere.invalid", 1, socket.gaierror(-2, "Name or service not known")) == (
        "cannot listen on nowhere.invalid (not an address of this machine)")
    assert cli.error_text("h", 1, ValueError("bad replay file: missing column\nmore")) == (
        "bad replay file: missing column")


def test_an_ignored_signal_stays_ignored() -> None:
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        assert signal.SIGHUP not in cli.stop_signals() and signal.SIGTERM in cli.stop_signals()
    finally:
        signal.signal(signal.SIGHUP, before)

"""``trading-terminal sandbox --venue kite``: prints where to connect, serves the official client, stops cleanly on
SIGTERM; errors are one line and exit 2."""
from __future__ import annotations

import signal
import socket
import subprocess

from kiteconnect import KiteConnect

from tests.children import python_module


def _run(*args: str) -> subprocess.Popen:
    return subprocess.Popen(python_module("terminal", "sandbox", "--venue", "kite", *args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_the_cli_prints_the_urls_and_keys_serves_the_client_and_stops_on_sigterm():
    child = _run("--port", "0", "--always-open", "--seed", "5")
    try:
        lines = []
        while not lines or not lines[-1].startswith("Ctrl-C"):
            line = child.stdout.readline()
            assert line, child.stderr.read()
            lines.append(line.strip())
        info = dict(line.split(":", 1) for line in lines[1:-1])
        root = info["REST root"].split()[0]
        assert info["ticker"].split()[0].startswith("ws://127.0.0.1:") and "/connect/login" in info["login page"]
        kite = KiteConnect(info["api_key"].strip(), root=root)
        import requests
        from urllib.parse import parse_qs, urlsplit
        answer = requests.get(info["login page"].strip() + "&autologin=1", allow_redirects=False, timeout=10)
        token = parse_qs(urlsplit(answer.headers["Location"]).query)["request_token"][0]
        kite.generate_session(token, info["api_secret"].strip())
        assert kite.profile()["user_id"] == "PA0001"
        child.send_signal(signal.SIGTERM)
        out, _ = child.communicate(timeout=30)
        assert child.returncode == 0 and "sandbox stopped" in out
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_a_bad_port_or_a_port_in_use_is_one_line_and_exit_2():
    bad = _run("--port", "70000")
    try:
        _, err = bad.communicate(timeout=60)
    finally:
        if bad.poll() is None:
            bad.kill()
    assert bad.returncode == 2 and len(err.strip().splitlines()) == 1 and "port" in err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = _run("--port", str(taken.getsockname()[1]))
        try:
            _, err = busy.communicate(timeout=60)
        finally:
            if busy.poll() is None:
                busy.kill()
        assert busy.returncode == 2 and len(err.strip().splitlines()) == 1 and "already in use" in err

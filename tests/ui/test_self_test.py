"""``trading-terminal --self-test`` (the installer smoke test): the window connects to the embedded sandbox, buys
0.001 BTCUSDT at market through the library API, checks the fill and exits 0; any failure exits non-zero saying
why. It never places an order anywhere but the sandbox. Subprocesses: the app owns its QApplication and loop."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from children import python_module

ROOT = Path(__file__).resolve().parents[2]


def run_app(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    return subprocess.run(python_module("terminal", "--settings-dir", str(tmp_path), *args),
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)


@pytest.mark.slow
def test_self_test_buys_on_the_embedded_sandbox_and_exits_0_even_when_settings_say_testnet(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps({"environment": "testnet"}))
    proc = run_app(tmp_path, "--self-test")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert re.search(r"self-test ok: bought 0\.0010* BTCUSDT at \d+\.\d+ \(1 fill\(s\), order tt-", proc.stdout)
    assert "connected to sandbox" in proc.stderr and "testnet" not in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_self_test_exits_1_saying_why_when_the_sandbox_is_unreachable(tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = run_app(tmp_path, "--self-test", "--sandbox-url", f"http://127.0.0.1:{port}")
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "self-test FAILED: not connected to sandbox" in proc.stderr
    assert "self-test ok" not in proc.stdout


def test_self_test_refuses_any_environment_but_the_sandbox(tmp_path):
    for env in ("testnet", "live"):
        proc = run_app(tmp_path, "--self-test", "--env", env)
        assert proc.returncode == 2, proc.stderr[-3000:]
        assert f"runs only on the sandbox, not {env}" in proc.stderr
        assert "connecting" not in proc.stderr and "connected" not in proc.stderr


@pytest.mark.slow
def test_self_test_fails_on_any_logged_warning_even_when_the_order_fills(tmp_path):
    (tmp_path / "settings.json").write_text("{not json")  # the app carries on with defaults, but says so
    proc = run_app(tmp_path, "--self-test")
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "self-test FAILED: 1 warning(s) logged, the first from terminal.storage.settings" in proc.stderr

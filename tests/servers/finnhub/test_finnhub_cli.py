"""``trading-terminal sandbox --venue finnhub``: runs the paper server on its own, says where, stops on SIGTERM."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import finnhub

ROOT = Path(__file__).resolve().parents[3]


def test_sandbox_venue_finnhub_serves_the_official_client_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    proc = subprocess.Popen([sys.executable, "-m", "terminal", "sandbox", "--venue", "finnhub", "--port", "0",
                             "--seed", "3"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:  # blocks until the server prints where it listens
            lines.append(line)
            if line.startswith("  token:"):
                break
        text = "".join(lines)
        rest = re.search(r"REST:\s+(\S+)", text)
        token = re.search(r"token:\s+(\S+)", text)
        assert rest and token, text
        client = finnhub.Client(api_key=token.group(1))
        client.API_URL = rest.group(1)
        assert client.company_profile2(symbol="AAPL")["ticker"] == "AAPL"
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0 and "finnhub paper server stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_a_bad_port_is_one_line_and_status_2(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "terminal", "sandbox", "--venue", "finnhub", "--port", "70000"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "70000" in r.stderr

"""``trading-terminal sandbox``: prints its URLs and key, serves, stops on Ctrl-C; bad replay files fail clearly."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[3]


def _start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "terminal", "sandbox", "--port", "0", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_cli_prints_urls_serves_and_stops_on_interrupt(tmp_path: Path) -> None:
    csv = tmp_path / "btc.csv"
    rows = ["open_time,open,high,low,close,volume"]
    for i in range(120):
        p = 60000 + i
        rows.append(f"{1700000000000 + i * 60000},{p},{p + 5},{p - 5},{p + 1},3")
    csv.write_text("\n".join(rows) + "\n")
    proc = _start("--seed", "3", "--replay", f"BTCUSDT={csv}")
    try:
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C"):
                break
        text = "".join(lines)
        url = re.search(r"REST:\s+(http://127\.0\.0\.1:\d+)", text)
        assert url, text
        assert "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A" in text
        assert requests.get(url.group(1) + "/sandbox/health", timeout=5).json()["status"] == "ok"
        last = requests.get(url.group(1) + "/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1m"},
                            timeout=5).json()
        assert last and len(last[-1]) == 12
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err


def test_cli_rejects_a_bad_replay_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("when,price\n1,2\n")
    proc = _start("--replay", f"BTCUSDT={bad}")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "missing column" in err

"""``trading-terminal`` starts, shows the window at once, connects to the embedded sandbox in the background,
and exits cleanly (a subprocess: the app owns its QApplication and event loop)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_app_starts_connects_and_exits_cleanly(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), XDG_DATA_HOME=str(tmp_path / "data"))
    proc = subprocess.run([sys.executable, "-m", "terminal", "--settings-dir", str(tmp_path), "--exit-after", "5"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "connected to sandbox" in proc.stderr
    assert "Traceback" not in proc.stderr
    saved = json.loads((tmp_path / "settings.json").read_text())
    assert saved["ui"]["window_state"] and "BTCUSDT" in saved["watchlist"]

"""``trading-terminal`` starts, shows the window at once, connects to the embedded sandbox in the background,
and exits cleanly (a subprocess: the app owns its QApplication and event loop)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from children import python_module

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_app_starts_connects_and_exits_cleanly_on_sigterm(tmp_path):
    """Stopped once it has connected (a condition, not a time: --exit-after N raced a slow start), by SIGTERM,
    which closes the window like a user would: settings saved, exit 0."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), XDG_DATA_HOME=str(tmp_path / "data"))
    proc = subprocess.Popen(python_module("terminal", "--settings-dir", str(tmp_path)), cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        seen = []
        assert proc.stderr is not None
        for line in proc.stderr:
            seen.append(line)
            if "connected to sandbox" in line or "Traceback" in line:
                break
        assert any("connected to sandbox" in line for line in seen), "".join(seen)[-2000:]
        proc.terminate()
        _, rest = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    stderr = "".join(seen) + rest
    assert proc.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr
    saved = json.loads((tmp_path / "settings.json").read_text())
    assert saved["ui"]["window_state"] and "BTCUSDT" in saved["watchlist"]

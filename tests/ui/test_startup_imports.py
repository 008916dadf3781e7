"""Start-up (issue 16 item 3): what the window's process has imported when it paints for the first time. The
embedded sandbox runs in a child process, so starting that child must not import the sandbox server (aiohttp, the
simulator, numpy's backfill) nor the Binance adapter (requests, websockets) into the window's process: the session
imports the adapter after the first paint, and the server never runs there."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.children import python_code

pytestmark = pytest.mark.gui

#: the real app's main() on a QApplication made first, with an event filter that notes sys.modules at the first
#: paint event and then sends SIGTERM (the app closes its window as the user would, and stops its sandbox child)
FIRST_PAINT_MODULES = """
import json, os, signal, sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
seen = []
class Watch(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not seen:
            seen.append(sorted(sys.modules))
            os.kill(os.getpid(), signal.SIGTERM)
        return False
watch = Watch()
app.installEventFilter(watch)
from terminal.ui.app import main
rc = main(["--settings-dir", sys.argv[1], "--data-dir", sys.argv[2]])
print(json.dumps({"rc": rc, "modules": seen[0] if seen else None}))
"""


def test_window_process_has_imported_neither_the_sandbox_server_nor_the_adapter_at_first_paint(tmp_path: Path
                                                                                                ) -> None:
    data = tmp_path / "data"
    out = subprocess.run(python_code(FIRST_PAINT_MODULES, str(tmp_path / "settings"), str(data)),
                         capture_output=True, text=True, timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["rc"] == 0 and result["modules"] is not None
    modules = set(result["modules"])
    assert "terminal.ui.chart.widget" in modules and "terminal.venues.sandbox.process" in modules  # built; spawned
    assert (data / "sandbox.log").exists()  # the child was started (its log is kept)
    unexpected = {"aiohttp", "terminal.venues.sandbox.server", "terminal.sim.market", "terminal.venues.binance.venue",
                  "requests", "websockets", "terminal.session", "pandas"} & modules
    assert not unexpected, f"imported before the first paint: {sorted(unexpected)}"

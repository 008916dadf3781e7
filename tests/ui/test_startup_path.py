"""Start-up (issue 16 item 3): what the window's process does before it paints for the first time, observed in the
real app's main() (its embedded sandbox in a child process, as a user starts it).

- Starting the sandbox child imports neither the sandbox server (aiohttp, the simulator, numpy's backfill) nor the
  Binance adapter (requests, websockets) into the window's process: the session imports the adapter after the
  first paint, and the server never runs there.
- The sandbox child is held (in its stdin pipe, its exchange not loaded) until the window has painted: its
  start-up does not compete with the first frame for the cores; it is released then and the app connects to it.
- The cyclic garbage collector does not run while the window is built (it would scan the many objects made then
  over and over) and runs again after the first paint."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.children import python_code

pytestmark = pytest.mark.gui

#: the real app's main() on a QApplication made first, with an event filter that notes sys.modules at the first
#: paint event and gc callbacks that note each collection (before or after that paint); the window closes itself
#: after a few seconds (--exit-after), meanwhile connected to its sandbox child
FIRST_PAINT = """
import gc, json, os, sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
seen = {"modules": None, "collections_before": 0, "collections_after": 0, "children": None}
def child_state(pid):
    with open(f"/proc/{pid}/maps") as maps:
        return {"exchange_loaded": "aiohttp" in maps.read(), "cmdline": open(f"/proc/{pid}/cmdline").read()}
def on_gc(phase, info):
    if phase == "start":
        seen["collections_before" if seen["modules"] is None else "collections_after"] += 1
class Watch(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and seen["modules"] is None:
            seen["modules"] = sorted(sys.modules)
            seen["children"] = [child_state(int(pid)) for pid in open(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read().split()]
        return False
watch = Watch()
app.installEventFilter(watch)
from terminal.ui.app import main
gc.callbacks.append(on_gc)
seen["rc"] = main(["--settings-dir", sys.argv[1], "--data-dir", sys.argv[2], "--exit-after", "4"])
seen["modules_at_exit"] = sorted(sys.modules)
gc.callbacks.remove(on_gc)
print(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def first_paint(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("startup")
    out = subprocess.run(python_code(FIRST_PAINT, str(tmp / "settings"), str(tmp / "data")), capture_output=True,
                         text=True, timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    seen: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["rc"] == 0 and seen["modules"] is not None, out.stderr
    seen["data"] = tmp / "data"
    return seen


def test_window_process_has_imported_neither_the_sandbox_server_nor_the_adapter_at_first_paint(first_paint) -> None:
    modules = set(first_paint["modules"])
    assert "terminal.ui.chart.widget" in modules and "terminal.venues.sandbox.process" in modules  # built; spawned
    assert (Path(first_paint["data"]) / "sandbox.log").exists()  # the child was started (its log is kept)
    unexpected = {"aiohttp", "terminal.venues.sandbox.server", "terminal.sim.market", "terminal.venues.binance.venue",
                  "requests", "websockets", "terminal.session", "pandas"} & modules
    assert not unexpected, f"imported before the first paint: {sorted(unexpected)}"


def test_docks_behind_other_tabs_are_not_built_at_first_paint(first_paint) -> None:
    modules = set(first_paint["modules"])
    assert "terminal.ui.widgets.blotters" in modules  # the docks in front were built
    deferred = {"terminal.ui.widgets.news", "terminal.ui.widgets.fundamentals", "terminal.ui.widgets.health"}
    assert not deferred & modules, f"imported before the first paint: {sorted(deferred & modules)}"
    assert deferred <= set(first_paint["modules_at_exit"])  # built after the paint, while connecting


def test_sandbox_child_is_held_until_the_first_paint_then_the_app_connects_to_it(first_paint) -> None:
    sandboxes = [c for c in first_paint["children"] if "terminal.venues.sandbox" in c["cmdline"]]
    assert len(sandboxes) == 1, first_paint["children"]
    assert not sandboxes[0]["exchange_loaded"]  # still held in its pipe when the window painted
    log = (Path(first_paint["data"]) / "sandbox.log").read_text()
    assert "sandbox listening on" in log and "sandbox stopped" in log  # released, connected to, stopped at exit


def test_garbage_collector_is_off_until_the_first_paint_and_on_after_it(first_paint) -> None:
    assert first_paint["collections_before"] == 0
    assert first_paint["collections_after"] > 0  # the session's imports and connection after the paint

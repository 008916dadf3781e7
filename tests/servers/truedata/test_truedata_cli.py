"""``trading-terminal sandbox --venue truedata``: the paper server on its own says where it listens, serves a login on
that address and stops on SIGTERM."""
from __future__ import annotations

import json
import re
import signal
import subprocess

from websockets.sync.client import connect

from terminal.servers.truedata import PASSWORD, USERNAME

from tests.children import python_module


def test_sandbox_venue_truedata_runs_the_paper_server_until_sigterm() -> None:
    proc = subprocess.Popen(python_module("terminal", "sandbox", "--venue", "truedata", "--port", "0",
                                          "--always-open"), stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        found = re.search(r"(ws://127\.0\.0\.1:\d+)\?user=" + USERNAME, "".join(lines))
        assert found, lines
        with connect(f"{found.group(1)}/?user={USERNAME}&password={PASSWORD}", open_timeout=10) as ws:
            assert json.loads(ws.recv(timeout=10))["message"] == "TrueData Real Time Data Service"
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0 and "stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

"""The guard in tests/children.py: a child started through it dies when the test run that started it is killed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

# A stand-in for a pytest run: starts a guarded sleeper, prints its pid, then waits to be killed.
RUN = f"""
import subprocess, sys
sys.path.insert(0, {str(TESTS)!r})
from children import python_code
child = subprocess.Popen(python_code("import time\\nprint('up', flush=True)\\ntime.sleep(3600)"), stdout=subprocess.PIPE,
                         text=True)
child.stdout.readline()
print(child.pid, flush=True)
sys.stdin.read()
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in state  # a zombie has died and waits only to be reaped


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_a_guarded_child_dies_when_the_run_that_started_it_is_killed_without_teardown():
    run = subprocess.Popen([sys.executable, "-c", RUN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert run.stdout is not None
        pid = int(run.stdout.readline())
        assert _alive(pid)
        run.send_signal(signal.SIGKILL)  # no teardown, no finally: only the kernel can stop the sleeper now
        run.wait(timeout=30)
        deadline = time.monotonic() + 30  # a bound on a condition, not a pause: the check runs until it holds
        while _alive(pid) and time.monotonic() < deadline:
            os.sched_yield()
        assert not _alive(pid), f"the guarded child {pid} outlived the run that started it"
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()

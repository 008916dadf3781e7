"""Python child processes that die with the test run, even when pytest itself is killed (a hard timeout, SIGKILL)
and no teardown runs: Linux's PR_SET_PDEATHSIG, set first thing in the child (never with preexec_fn, which is unsafe
in a process with threads). Elsewhere the guard is a no-op and teardown alone stops the child."""
from __future__ import annotations

import os
import sys

_GUARD = """\
import ctypes, os, signal, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
except (OSError, AttributeError):
    pass
if os.getppid() != int(sys.argv.pop(1)):  # the test run died before the line above
    raise SystemExit(3)
"""


def python_code(code: str, *args: str) -> list[str]:
    """argv running ``code`` with ``args`` in sys.argv[1:], like ``python -c code args...``."""
    return [sys.executable, "-c", _GUARD + code, str(os.getpid()), *args]


def python_module(module: str, *args: str) -> list[str]:
    """argv running ``python -m module args...``."""
    run = f"import runpy\nrunpy.run_module({module!r}, run_name='__main__', alter_sys=True)\n"
    return python_code(run, *args)

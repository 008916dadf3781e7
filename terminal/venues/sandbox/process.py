"""The sandbox exchange in a child process: the window's embedded sandbox without sharing its GIL.

``SandboxProcess`` has the blocking ``start()``/``stop()`` and the ``url``/``ws_url``/``default_api_key``/
``default_api_secret`` of ``SandboxServer``, so the registry uses either the same way. The child runs
``trading-terminal sandbox --port 0``; ``start()`` returns once it listens (it prints its URLs); its output goes to
``log_path`` (kept: the exchange's log of the run). On Linux the child dies with its parent even when the parent is
killed (SIGKILL, a crash: PR_SET_PDEATHSIG, set first thing in the child); ``stop()`` ends it with SIGTERM (the
server closes its sockets), then SIGKILL after ``grace_s``.

``spawn(gated=True)`` starts the interpreter but holds the exchange's own start (its imports, its market) until
``release()`` (or ``start()``): the window spawns it before it is built and releases it once it has painted, so
the child's ~0.5 s of start-up CPU does not compete with the window's first frame for the machine's cores.
"""
from __future__ import annotations

import os
import selectors
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from .accounts import DEFAULT_API_KEY, DEFAULT_API_SECRET

#: run first in the child: die with the parent (Linux), and give up if the parent is already gone
_GUARD = """\
import ctypes, os, signal, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
except (OSError, AttributeError):
    pass
if os.getppid() != int(sys.argv.pop(1)):  # the parent died before the line above
    raise SystemExit(3)
if sys.argv.pop(1) == "gated" and sys.stdin.readline() != "go\\n":  # held until release(); EOF: the parent is gone
    raise SystemExit(3)
import gc
gc.disable()  # the imports make many objects and free few: no collections that scan them again and again
from terminal.venues.sandbox.cli import main
gc.enable()
gc.freeze()  # what the imports made lives as long as the process: later collections need not scan it
raise SystemExit(main(sys.argv[1:]))
"""


class SandboxStartError(RuntimeError):
    """The sandbox process exited or stayed silent before listening; the message ends with its log's last lines."""


class SandboxProcess:
    def __init__(self, log_path: str | Path, *, host: str = "127.0.0.1", seed: int = 7,
                 start_timeout_s: float = 30.0, grace_s: float = 5.0, nice: int = 10) -> None:
        self.log_path = Path(log_path)
        self.host = host
        self.seed = seed
        self.start_timeout_s = start_timeout_s
        self.grace_s = grace_s
        #: the child's scheduling priority below this process after ``background()`` (a background service: the
        #: window wins the cores when both want them); it starts at this process's priority, so that it is up quickly
        self.nice = nice
        self.default_api_key = DEFAULT_API_KEY
        self.default_api_secret = DEFAULT_API_SECRET
        self.url = ""  # http://127.0.0.1:PORT once started
        self.ws_url = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._copier: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def spawn(self, *, gated: bool = False) -> None:
        """Start the child: it boots while the caller goes on or, ``gated``, once ``release()`` (or ``start()``) is
        called; ``start()`` then waits until it listens."""
        if self.proc is not None:
            return
        self.url = self.ws_url = ""  # (started again after a stop: a new port)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        argv = [sys.executable, "-c", _GUARD, str(os.getpid()), "gated" if gated else "-", "--host", self.host,
                "--port", "0", "--seed", str(self.seed)]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # unbuffered (bufsize=0): readline() takes no more than one line, so select() sees what is left
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE if gated else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self._log, env=env, close_fds=True, bufsize=0)

    def release(self) -> None:
        """Let a child spawned ``gated`` start the exchange (once; harmless otherwise)."""
        proc = self.proc
        if proc is None or proc.stdin is None:
            return
        try:
            proc.stdin.write(b"go\n")
            proc.stdin.close()
        except (OSError, ValueError):  # it exited meanwhile: start() says so with its log
            pass

    def start(self) -> None:
        """Spawn (if not yet), release it if it was held, and block until the child listens; SandboxStartError if it
        does not."""
        self.spawn()
        self.release()
        proc, log = self.proc, self._log
        assert proc is not None and proc.stdout is not None and log is not None
        stdout = proc.stdout
        deadline = time.monotonic() + self.start_timeout_s
        with selectors.DefaultSelector() as sel:
            sel.register(stdout, selectors.EVENT_READ)
            while not self.url:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    self.stop()
                    raise SandboxStartError(f"the sandbox did not listen within {self.start_timeout_s:g} s"
                                            f"{self._tail()}")
                try:
                    line = stdout.readline()
                except (OSError, ValueError):  # stop() closed the pipe meanwhile (the app closing)
                    line = b""
                if not line:
                    self.stop()
                    raise SandboxStartError(f"the sandbox exited (status {proc.poll()}){self._tail()}")
                log.write(line)
                text = line.decode(errors="replace").strip()
                if text.startswith("REST:"):
                    self.url = text.split()[1].rsplit("/api/", 1)[0]
                    self.ws_url = "ws" + self.url[len("http"):]
        log.flush()
        # the rest of its output (a line at exit) goes to the log without blocking the child on a full pipe
        self._copier = threading.Thread(target=self._copy, args=(stdout, log), name="sandbox-log", daemon=True)
        self._copier.start()

    def background(self) -> None:
        """Lower the child's priority by ``nice`` below this process's (once its client has connected: it starts
        and answers the first requests at this process's priority, then runs as a background service)."""
        proc = self.proc
        if proc is None or self.nice <= 0:
            return
        try:
            os.setpriority(os.PRIO_PROCESS, proc.pid, os.getpriority(os.PRIO_PROCESS, 0) + self.nice)
        except (OSError, AttributeError):  # not on this platform, gone, or not allowed: it keeps this priority
            pass

    @staticmethod
    def _copy(source: IO[bytes], sink: IO[bytes]) -> None:
        try:
            for line in source:
                sink.write(line)
                sink.flush()
        except (OSError, ValueError):  # the pipe or the log closed by stop()
            pass

    def stop(self) -> None:
        """End the child (SIGTERM, then SIGKILL after ``grace_s``) and close the log. Safe to call twice."""
        proc, self.proc = self.proc, None
        if proc is not None:
            if proc.stdin is not None:  # a child still held ends at once (EOF instead of "go")
                try:
                    proc.stdin.close()
                except OSError:
                    pass
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(self.grace_s)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if self._copier is not None:
                self._copier.join(self.grace_s)
            if proc.stdout is not None:
                proc.stdout.close()
        self._copier = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _tail(self, lines: int = 5) -> str:
        if self._log is not None:
            self._log.flush()
        try:
            tail = self.log_path.read_text(errors="replace").strip().splitlines()[-lines:]
        except OSError:
            return ""
        return (":\n" + "\n".join(tail)) if tail else ""

"""The command line every paper server shares: ``trading-terminal sandbox [--venue NAME] [--host H] [--port N]
[--seed S] ...``.

A server's ``cli.py`` builds its parser with ``parser(prog, description)`` and ``add_endpoint(...)``, adds its own
options, and hands its server to ``serve(...)``. Every error is one line on stderr and exit status 2 (a bad option,
a port out of range, in use or not permitted, a host that is not this machine's). The server stops cleanly (sockets
closed, the stop line printed, exit 0) on SIGTERM, SIGHUP and Ctrl-C. A signal that was ignored when the command
started stays ignored (a background job of a script ignores Ctrl-C), so a supervisor stops it with SIGTERM, which
always works.
"""
from __future__ import annotations

import argparse
import asyncio
import errno
import signal
import socket
import sys
from typing import Callable, Protocol

#: what the port-in-use message suggests unless a server knows better
CHOOSE_ANOTHER_PORT = "choose another --port; 0 picks a free one"


class Served(Protocol):
    host: str
    port: int

    async def start_async(self) -> None: ...

    async def stop_async(self) -> None: ...


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """A usage error in one line (argparse would print the whole usage first)."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parser(prog: str, description: str) -> Parser:
    return Parser(prog=prog, description=description)


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535; 0 picks a free one)")
    return port


def add_endpoint(p: argparse.ArgumentParser, default_port: int, *, port_help: str | None = None,
                 seed_help: str = "random seed of the simulated market") -> None:
    """``--host`` (127.0.0.1), ``--port`` (checked: 0 to 65535) and ``--seed`` (7)."""
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1 only)")
    p.add_argument("--port", type=port_number, default=default_port,
                   help=port_help or f"port (0 picks a free one; default {default_port})")
    p.add_argument("--seed", type=int, default=7, help=seed_help)


def stop_signals() -> list[signal.Signals]:
    """The signals that stop the server: those not ignored at start (SIGHUP does not exist on Windows)."""
    sigs = [getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)]
    return [s for s in sigs if signal.getsignal(s) is not signal.SIG_IGN]


def error_text(host: str, port: int, exc: BaseException, in_use_hint: str = CHOOSE_ANOTHER_PORT) -> str:
    """What went wrong in one line, and what to do about it."""
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use ({in_use_hint})"
    if isinstance(exc, OSError) and exc.errno == errno.EACCES:
        return f"no permission to listen on port {port} (ports below 1024 need privileges; choose another --port)"
    if isinstance(exc, socket.gaierror) or (isinstance(exc, OSError) and exc.errno == errno.EADDRNOTAVAIL):
        return f"cannot listen on {host} (not an address of this machine)"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def serve(server: Served, prog: str, banner: Callable[[], str], stopped: str, *,
          in_use_hint: str = CHOOSE_ANOTHER_PORT) -> int:
    """Run ``server`` on this thread's loop until a stop signal: print ``banner()`` once it listens, ``stopped``
    once it has closed. Returns the exit status (0; 2 when it could not start, said in one line on stderr)."""
    host, port = server.host, server.port

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in stop_signals():
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C arrives as KeyboardInterrupt
                pass
        await server.start_async()
        try:
            print(banner(), flush=True)
            await stop.wait()
        finally:
            await server.stop_async()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    except (ValueError, OSError) as exc:  # a port in use, a bad replay file
        print(f"{prog}: error: {error_text(host, port, exc, in_use_hint)}", file=sys.stderr)
        return 2
    print(stopped, flush=True)
    return 0

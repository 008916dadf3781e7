"""The five paper servers on the shared runtime (terminal/serving): a start on a port already taken raises and
leaves the server stopped (``stop()`` is a no-op, switches run directly); a switch called from the server's own loop
runs at once instead of waiting for itself; ``stop()`` closes the port and ends the server's thread."""
from __future__ import annotations

import errno
import socket
import threading
from typing import Any, Callable, Iterator

import pytest

from terminal.servers.finnhub.server import PaperServer as FinnhubServer
from terminal.servers.ib.server import PaperServer as IbServer
from terminal.servers.kite.server import PaperServer as KiteServer
from terminal.servers.truedata.server import PaperServer as TrueDataServer
from terminal.venues.sandbox.server import SandboxServer

SEED = 5
#: venue: (the server on a port, the name of its thread)
SERVERS: dict[str, tuple[Callable[[int], Any], str]] = {
    "binance": (lambda port: SandboxServer("127.0.0.1", port, seed=SEED), f"sandbox-{SEED}"),
    "ib": (lambda port: IbServer("127.0.0.1", port, seed=SEED), f"ib-paper-{SEED}"),
    "kite": (lambda port: KiteServer("127.0.0.1", port, seed=SEED), f"kite-paper-{SEED}"),
    "finnhub": (lambda port: FinnhubServer("127.0.0.1", port, seed=SEED), f"finnhub-paper-{SEED}"),
    "truedata": (lambda port: TrueDataServer("127.0.0.1", port, seed=SEED), f"truedata-paper-{SEED}"),
}


@pytest.fixture(params=list(SERVERS))
def make(request: pytest.FixtureRequest) -> Iterator[Callable[[int], Any]]:
    made: list[Any] = []

    def build(port: int) -> Any:
        factory, thread_name = SERVERS[request.param]
        made.append(factory(port))
        made[-1].test_thread_name = thread_name
        return made[-1]
    try:
        yield build
    finally:
        for server in made:
            server.stop()


def _server_threads(server: Any) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == server.test_thread_name]


def test_a_start_on_a_taken_port_raises_and_leaves_the_server_stopped(make: Callable[[int], Any]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = make(taken.getsockname()[1])
        with pytest.raises(OSError) as raised:
            server.start()
    assert raised.value.errno == errno.EADDRINUSE
    for thread in _server_threads(server):  # (none: start() has joined it) whatever it left behind is done
        thread.join(10)
    server.stop()  # no closed loop left behind to stop ("Event loop is closed")
    assert server.call(lambda: threading.current_thread()) is threading.current_thread()


def test_a_switch_called_on_the_server_loop_runs_at_once(make: Callable[[int], Any]) -> None:
    server = make(0)
    server.start()

    async def handler_calling_a_switch() -> str:
        return server.call(lambda: threading.current_thread().name)
    assert server.call_async(handler_calling_a_switch()) == server.test_thread_name


def test_stop_closes_the_port_and_ends_the_thread(make: Callable[[int], Any]) -> None:
    server = make(0)
    server.start()
    assert len(_server_threads(server)) == 1
    with socket.create_connection(("127.0.0.1", server.port), timeout=10):
        pass
    server.stop()
    assert _server_threads(server) == []
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=2):
        pass

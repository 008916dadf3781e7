"""``ThreadedServer``, the runtime every paper server stands on, with a small echo server on 127.0.0.1: it starts on
its own thread and loop and returns once listening; switches reach its loop from any thread (and from the loop
itself, at once); a failing periodic step is logged and the steps go on; stopping closes the port, cancels whatever
is still pending on the loop and joins the thread; a failed start leaves it stopped."""
from __future__ import annotations

import asyncio
import errno
import logging
import socket
import threading
from typing import Iterator

import pytest

from terminal.serving.runtime import Background, ThreadedServer

WAIT_S = 10


class EchoServer(ThreadedServer):
    name = "echo server"
    thread_name = "echo"

    def __init__(self, port: int = 0) -> None:
        super().__init__("127.0.0.1", port, 1)
        self.steps = 0
        self.stepped_after_failure = threading.Event()
        self.handler_cancelled = threading.Event()
        self.handler_started = threading.Event()
        self._server: asyncio.base_events.Server | None = None

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._echo, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def _background(self) -> list[Background]:
        return [self._every(0.01, self._step)]

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()  # the open connection stays: its handler is left pending

    def _step(self) -> None:
        self.steps += 1
        if self.steps == 1:
            raise RuntimeError("the first step fails")
        self.stepped_after_failure.set()

    async def _echo(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.handler_started.set()
        try:
            while line := await reader.readline():
                writer.write(line)
                await writer.drain()
        except asyncio.CancelledError:
            self.handler_cancelled.set()
            raise


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _threads_named(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == name]


def test_start_returns_listening_and_stop_closes_the_port_and_joins_the_thread() -> None:
    server = EchoServer()
    server.start()
    try:
        assert server.port != 0 and len(_threads_named("echo-1")) == 1
        with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT_S) as conn:
            conn.sendall(b"ping\n")
            assert conn.makefile("rb").readline() == b"ping\n"
    finally:
        server.stop()
    assert _threads_named("echo-1") == []
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=2):
        pass


def test_call_runs_on_the_server_thread_and_at_once_from_the_server_loop(echo: EchoServer) -> None:
    assert echo.call(lambda: threading.current_thread().name) == "echo-1"
    assert echo.call(lambda a, b: a + b, 2, 3) == 5

    async def switch_from_the_loop() -> str:  # a handler on the loop calling a switch: must not wait for itself
        return echo.call(lambda: threading.current_thread().name)
    assert echo.call_async(switch_from_the_loop()) == "echo-1"


def test_call_raises_what_the_function_raised(echo: EchoServer) -> None:
    def fail() -> None:
        raise KeyError("no such symbol")
    with pytest.raises(KeyError, match="no such symbol"):
        echo.call(fail)


def test_before_start_call_runs_directly_and_call_async_closes_the_coroutine() -> None:
    server = EchoServer()
    assert server.call(lambda: threading.current_thread()) is threading.current_thread()
    ran = []

    async def never() -> None:
        ran.append(True)
    coro = never()
    assert server.call_async(coro) is None
    assert coro.cr_frame is None and ran == []  # closed, not left to warn "never awaited"


def test_a_failing_step_is_logged_and_the_steps_go_on(echo: EchoServer, caplog: pytest.LogCaptureFixture) -> None:
    assert echo.stepped_after_failure.wait(WAIT_S)
    failed = [r for r in caplog.records if r.levelno == logging.ERROR and "_step failed" in r.getMessage()]
    assert len(failed) == 1 and failed[0].exc_info is not None and failed[0].name == __name__


def test_stop_cancels_a_connection_handler_still_pending() -> None:
    server = EchoServer()
    server.start()
    try:
        conn = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT_S)
        assert server.handler_started.wait(WAIT_S)
    finally:
        server.stop()
    conn.close()
    assert server.handler_cancelled.is_set()


def test_start_on_a_taken_port_raises_and_leaves_the_server_stopped() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = EchoServer(taken.getsockname()[1])
        with pytest.raises(OSError) as raised:
            server.start()
    assert raised.value.errno == errno.EADDRINUSE
    assert _threads_named("echo-1") == []
    server.stop()  # nothing to stop
    assert server.call(lambda: threading.current_thread()) is threading.current_thread()


class FailingClose(EchoServer):
    async def _close(self) -> None:
        await super()._close()
        raise RuntimeError("closing failed")


def test_a_failing_close_still_closes_the_loop_and_ends_the_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    failures: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", failures.append)  # the thread ends with the failure
    server = FailingClose()
    server.start()
    loop = server._loop
    assert loop is not None
    server.stop()
    assert loop.is_closed() and _threads_named("echo-1") == []
    assert [str(f.exc_value) for f in failures] == ["closing failed"]

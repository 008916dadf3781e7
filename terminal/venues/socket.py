"""One reconnecting connection for every adapter's streams, over any transport.

``ReconnectingConnection`` runs the loop every streaming adapter needs, once:

    dial -> handshake -> up (ConnectionChanged) -> resubscribe -> connect listeners(is_reconnect) -> serve
         -> down (ConnectionChanged) -> backoff with jitter (none after a rotation) -> dial ...

with a watchdog that pings a silent connection and drops it when the peer does not answer (or when subscribed data
stops, or when the connection reaches its maximum lifetime), per-connection health (``StreamHealth``), background
work owned by a ``TaskOwner`` and a ``close()`` that ends it all, also in the middle of a backoff wait.

The base knows nothing of the wire. A subclass is the protocol: ``_dial`` opens a ``Transport``, ``_handshake`` logs
in or subscribes before the connection counts as up, ``_resubscribe`` sends the wanted subscriptions again, and
``_serve`` reads frames until the connection ends (the hot path: it reads the transport directly). Errors a subclass
declares fatal (``_is_fatal``, e.g. refused keys) stop the loop instead of retrying. ``WebSocketConnection`` is the
websocket flavour (``WebSocketTransport``); a TCP socket API plugs in with its own transport and ``_dial``.
"""
from __future__ import annotations

import asyncio
import enum
import logging
import random
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncContextManager, AsyncIterator, Awaitable, Callable, Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from ..model import ConnectionChanged
from ..tasks import TaskOwner
from .ports import StreamHealth

__all__ = ["Backoff", "ConnectListener", "LinkState", "ReconnectingConnection", "Transport", "WebSocketConnection",
           "WebSocketTransport", "ROTATION", "SILENT"]
log = logging.getLogger(__name__)
ConnectListener = Callable[[bool], Awaitable[None] | None]
ROTATION = "rotation"  # a planned reconnect before the connection's lifetime ends: no backoff
SILENT = "silent"


class LinkState(enum.Enum):
    IDLE = "idle"              # not started
    CONNECTING = "connecting"  # dialling or in the handshake
    CONNECTED = "connected"
    WAITING = "waiting"        # lost; waiting out the backoff before the next attempt
    FAILED = "failed"          # stopped by a fatal error (``failure``)
    CLOSED = "closed"


class Backoff:
    """Exponential backoff with jitter: the n-th consecutive failure waits ``min(max_s, initial_s * 2**n)`` times a
    random factor in [0.5, 1). A connection that stayed up for ``healthy_after_s`` starts the sequence again; one that
    drops sooner (a server that accepts and hangs up) keeps it growing."""

    def __init__(self, initial_s: float = 0.25, max_s: float = 30.0, *, healthy_after_s: float = 2.0,
                 rng: Callable[[], float] = random.random, clock: Callable[[], float] = time.monotonic) -> None:
        self.initial_s = initial_s
        self.max_s = max_s
        self.healthy_after_s = healthy_after_s
        self.attempt = 0
        self._rng = rng
        self._clock = clock
        self._up_since: float | None = None

    def connected(self) -> None:
        self._up_since = self._clock()

    def disconnected(self) -> None:
        if self._up_since is not None and self._clock() - self._up_since >= self.healthy_after_s:
            self.attempt = 0
        self._up_since = None

    def reset(self) -> None:
        self.attempt = 0

    def next_delay(self) -> float:
        """The wait before the next attempt (seconds); counts the attempt."""
        ceiling = min(self.max_s, self.initial_s * 2 ** self.attempt)
        self.attempt = min(self.attempt + 1, 32)
        return ceiling * (0.5 + 0.5 * self._rng())


class Transport(Protocol):
    """One open connection, as the loop and the watchdog use it (a protocol reads ``frames()`` itself)."""

    def frames(self) -> AsyncIterator[Any]: ...  # every message until the peer closes cleanly
    async def recv(self) -> Any: ...
    async def send(self, message: Any) -> None: ...
    async def ping(self) -> None: ...  # returns once the peer answered
    async def close(self, reason: str) -> None: ...  # orderly close
    def abort(self) -> None: ...  # drop it now (the peer is not answering)


class ReconnectingConnection:
    """A self-healing connection (see the module). ``on_event`` receives ConnectionChanged and whatever the
    subclass publishes; ``add_connect_listener(fn)`` calls ``fn(is_reconnect)`` after every (re)connect, once the
    subscriptions were sent again (an awaitable it returns runs as a task owned by the connection)."""

    #: errors that only mean "the connection is gone": reconnect quietly (anything else is logged with a traceback)
    lost_errors: tuple[type[BaseException], ...] = (OSError, EOFError, asyncio.TimeoutError)

    def __init__(self, on_event: Callable[[object], None], *, name: str, backoff: Backoff | None = None,
                 silence_timeout_s: float = 10.0, data_timeout_s: float | None = None,
                 max_lifetime_s: float | None = None, logger: logging.Logger | None = None) -> None:
        self.on_event = on_event
        self.name = name
        self.backoff = backoff or Backoff()
        self.silence_timeout_s = silence_timeout_s
        self.data_timeout_s = data_timeout_s
        self.max_lifetime_s = max_lifetime_s
        self.health = StreamHealth(name)
        self.state = LinkState.IDLE
        self.failure: BaseException | None = None
        self.connects = 0
        self.reconnects = 0
        self._log = logger or log
        self.tasks = TaskOwner(name, self._log)  # the loop and the listeners' work: all of it ends with close()
        self._connection_tasks: TaskOwner | None = None  # the current connection's helpers (watchdog, sender)
        self._transport: Transport | None = None
        self._close_reason = ""
        self._closing = False
        self._listeners: list[ConnectListener] = []
        self._waiters: list[asyncio.Future[None]] = []

    # ------------------------------------------------------------------ protocol hooks (the subclass)

    def _dial(self) -> AsyncContextManager[Transport]:
        raise NotImplementedError

    async def _handshake(self, transport: Any) -> None:
        """Before the connection counts as up (log in, subscribe to an account stream). May raise."""

    async def _resubscribe(self, transport: Any, is_reconnect: bool) -> None:
        """Right after the connection is up: send the wanted subscriptions again (queue them; do not wait here for
        answers the reader has not started reading)."""

    async def _serve(self, transport: Any) -> str:
        """Read until the connection ends; return why (a clean close)."""
        raise NotImplementedError

    def _on_disconnect(self) -> None:
        """The connection is gone (release whatever waited on it)."""

    def _is_fatal(self, exc: BaseException) -> bool:
        """True for an error that retrying cannot fix (refused keys): the loop stops."""
        return False

    def _failure_reason(self, exc: BaseException) -> str:
        return f"{type(exc).__name__}: {exc}"

    def _describe_loss(self, exc: BaseException) -> str:
        return type(exc).__name__

    def _last_data_mono(self) -> float:
        """When the last data (not control) message arrived (monotonic s, 0 if none)."""
        return self.health.last_message_mono

    def _expects_data(self) -> bool:
        """True when silence on the data streams means the connection is dead (``data_timeout_s``)."""
        return False

    # ------------------------------------------------------------------ public API

    @property
    def connected(self) -> bool:
        return self.state is LinkState.CONNECTED

    @property
    def backoff_initial_s(self) -> float:
        return self.backoff.initial_s

    @backoff_initial_s.setter
    def backoff_initial_s(self, value: float) -> None:
        self.backoff.initial_s = value

    @property
    def backoff_max_s(self) -> float:
        return self.backoff.max_s

    @backoff_max_s.setter
    def backoff_max_s(self, value: float) -> None:
        self.backoff.max_s = value

    def add_connect_listener(self, listener: ConnectListener) -> None:
        """``listener(is_reconnect)`` runs after every (re)connect, once the subscriptions were sent again."""
        self._listeners.append(listener)

    async def start(self) -> None:
        """Start the connection loop and return (no-op while it runs). It retries on its own until ``close()``."""
        if self.state not in (LinkState.IDLE, LinkState.FAILED, LinkState.CLOSED):
            return
        if self.tasks.closed:
            self.tasks = TaskOwner(self.name, self._log)
        self._closing = False
        self.failure = None
        self._set_state(LinkState.CONNECTING)
        self.tasks.spawn(self._run(), name=f"{self.name} connection")

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Return once connected; raise the fatal error if the loop stopped on one, asyncio.TimeoutError after
        ``timeout``, ConnectionError if the connection is closed."""
        await asyncio.wait_for(self._until_connected(), timeout)

    async def reconnect(self, reason: str = "requested") -> None:
        """Close the current connection in order; the loop connects again and resubscribes."""
        transport = self._transport
        if transport is not None:
            self._log.info("%s: closing connection (%s)", self.name, reason)
            self._close_reason = reason
            await transport.close(reason)

    async def close(self) -> None:
        """Stop the loop (also mid-wait), close the connection and end every task it owns."""
        self._closing = True
        await self.tasks.close()
        self._set_state(LinkState.CLOSED)

    def spawn_for_connection(self, coro: Any, *, name: str | None = None) -> "asyncio.Task[Any]":
        """Run ``coro`` for the current connection only: it is cancelled when the connection ends."""
        owner = self._connection_tasks
        if owner is None:
            coro.close()
            raise RuntimeError(f"{self.name}: not connected")
        return owner.spawn(coro, name=name)

    def connection_health(self) -> StreamHealth:
        """The connection's health figures, with ``extra['connected']``."""
        snap = self.health.snapshot()
        snap.extra["connected"] = self.connected
        return snap

    # ------------------------------------------------------------------ the loop

    async def _run(self) -> None:
        while not self._closing:
            reason = "closed"
            fatal: BaseException | None = None
            self._close_reason = ""
            self._set_state(LinkState.CONNECTING)
            try:
                async with self._dial() as transport:
                    self._transport = transport
                    await self._handshake(transport)
                    reason = await self._up(transport)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the loop must survive anything but a fatal error
                if self._is_fatal(exc):
                    fatal, reason = exc, self._failure_reason(exc)
                else:
                    reason = self._close_reason or self._describe_loss(exc)
                    if not isinstance(exc, self.lost_errors):
                        self._log.exception("%s: connection loop error", self.name)
            finally:
                told = self._down(reason)
            if fatal is not None:
                self.failure = fatal
                self._log.error("%s: %s; not reconnecting", self.name, reason)
                if not told:
                    self._emit(ConnectionChanged(self.name, False, reason, self.reconnects, _now_ms()))
                self._set_state(LinkState.FAILED)
                return
            if self._closing:
                return
            if reason == ROTATION:
                self.backoff.reset()
                continue
            delay = self.backoff.next_delay()
            self._log.info("%s: disconnected (%s); reconnecting in %.2fs", self.name, reason, delay)
            self._set_state(LinkState.WAITING)
            await asyncio.sleep(delay)

    async def _up(self, transport: Transport) -> str:
        """The connection is established: announce it, resubscribe, tell the listeners, then serve it."""
        is_reconnect = self.connects > 0
        self.connects += 1
        if is_reconnect:
            self.reconnects += 1
            self.health.reconnects = self.reconnects
        self.backoff.connected()
        helpers = self._connection_tasks = TaskOwner(f"{self.name} connection", self._log)
        self._set_state(LinkState.CONNECTED)
        self._emit(ConnectionChanged(self.name, True, "reconnected" if is_reconnect else "connected",
                                     self.reconnects, _now_ms()))
        try:
            helpers.spawn(self._watchdog(transport), name=f"{self.name} watchdog")
            await self._resubscribe(transport, is_reconnect)
            self._notify(is_reconnect)
            reason = await self._serve(transport)
            return self._close_reason or reason
        finally:
            await helpers.close()

    def _down(self, reason: str) -> bool:
        """Bookkeeping once a connection (attempt) ended; True if a ConnectionChanged(False) went out."""
        self._transport = None
        self._connection_tasks = None
        was_up = self.state is LinkState.CONNECTED
        self.backoff.disconnected()
        if was_up:
            self._set_state(LinkState.WAITING)
            self._emit(ConnectionChanged(self.name, False, reason, self.reconnects, _now_ms()))
        self._on_disconnect()
        return was_up

    def _notify(self, is_reconnect: bool) -> None:
        for listener in list(self._listeners):
            try:
                result = listener(is_reconnect)
            except Exception:  # noqa: BLE001 - one listener never stops the others or the connection
                self._log.exception("%s: connect listener failed", self.name)
                continue
            if result is not None:
                self.tasks.spawn(_awaited(result), name=f"{self.name} connect listener")

    async def _watchdog(self, transport: Transport) -> None:
        """Drop the connection when it is silent (no frame and no answer to our ping) for ``silence_timeout_s``, or
        when the data it expects stops for ``data_timeout_s``; rotate it at ``max_lifetime_s``."""
        mono = time.monotonic
        opened = alive = mono()
        silence, data = self.silence_timeout_s, self.data_timeout_s
        step = max(0.05, min(silence, data or silence) / 4)
        no_answer: tuple[type[BaseException], ...] = (asyncio.TimeoutError, *self.lost_errors)
        while True:
            await asyncio.sleep(step)
            now = mono()
            if self.max_lifetime_s is not None and now - opened > self.max_lifetime_s:
                await self.reconnect(ROTATION)
                return
            last_data = max(opened, self._last_data_mono())
            if data and self._expects_data() and now - last_data > data:
                self._log.warning("%s: no data for %.1fs; treating the connection as dead", self.name,
                                  now - last_data)
                await self.reconnect(SILENT)
                return
            if now - max(alive, last_data, self.health.last_message_mono) < silence / 2:
                continue
            try:
                await asyncio.wait_for(transport.ping(), silence / 2)
                alive = mono()
            except no_answer:
                self._log.warning("%s: no answer to a ping; dropping the connection", self.name)
                self._close_reason = SILENT
                transport.abort()  # an orderly close would wait for a peer that does not answer
                return

    # ------------------------------------------------------------------ state

    def _set_state(self, state: LinkState) -> None:
        self.state = state
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def _until_connected(self) -> None:
        while self.state is not LinkState.CONNECTED:
            if self.state is LinkState.FAILED and self.failure is not None:
                raise self.failure
            if self.state is LinkState.CLOSED:
                raise ConnectionError(f"{self.name}: closed")
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            await fut

    def _emit(self, event: object) -> None:
        try:
            self.on_event(event)
        except Exception:  # noqa: BLE001
            self._log.exception("%s: on_event failed for %s", self.name, type(event).__name__)


class WebSocketTransport:
    """``Transport`` over a ``websockets`` client connection (``ws`` is the connection itself)."""

    __slots__ = ("ws",)

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    def frames(self) -> AsyncIterator[Any]:
        return self.ws.__aiter__()  # the connection's own iterator: no extra step per frame

    async def recv(self) -> Any:
        return await self.ws.recv()

    async def send(self, message: Any) -> None:
        await self.ws.send(message)

    async def ping(self) -> None:
        await (await self.ws.ping())

    async def close(self, reason: str) -> None:
        await self.ws.close(code=1000, reason=reason[:100])

    def abort(self) -> None:
        self.ws.transport.abort()


class WebSocketConnection(ReconnectingConnection):
    """A ``ReconnectingConnection`` to the websocket at ``url`` (read at every dial, so it can be changed)."""

    #: a dropped connection, or a handshake that failed (a proxy's 503, a connection cut during the upgrade)
    lost_errors = ReconnectingConnection.lost_errors + (ConnectionClosed, InvalidHandshake)

    def __init__(self, url: str, on_event: Callable[[object], None], *, max_size: int | None = 2 ** 24,
                 open_timeout_s: float = 10.0, close_timeout_s: float = 2.0, **kw: Any) -> None:
        super().__init__(on_event, **kw)
        self.url = url
        self._ws_options: dict[str, Any] = dict(ping_interval=None, compression=None, max_size=max_size,
                                                open_timeout=open_timeout_s, close_timeout=close_timeout_s)

    def _dial(self) -> AsyncContextManager[WebSocketTransport]:
        return _dial_websocket(self.url, self._ws_options)

    def _describe_loss(self, exc: BaseException) -> str:
        if isinstance(exc, ConnectionClosed):
            return f"connection lost ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
        if isinstance(exc, InvalidHandshake):
            return f"{type(exc).__name__}: {exc}"[:200]  # e.g. "InvalidStatus: ... HTTP 404": says what to fix
        return type(exc).__name__


@asynccontextmanager
async def _dial_websocket(url: str, options: dict[str, Any]) -> AsyncIterator[WebSocketTransport]:
    async with connect(url, **options) as ws:
        yield WebSocketTransport(ws)


async def _awaited(awaitable: Awaitable[Any]) -> None:
    await awaitable


def _now_ms() -> int:
    return int(time.time() * 1000)

"""One API client's connection: the handshake (``API\\0``, version range, server version and connection time), then
startApi (client id; a client id already connected gets error 326 and the socket is closed), then one request per
frame, each handled under a catch so a malformed request is answered with error 320 and never ends the server.

What the client subscribed to lives here; the server's step publishes it (``marketdata``, ``history``, ``account``).
"""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable
from zoneinfo import ZoneInfo

from .wire import GREETING, Fields, Malformed, frame, read_frame, split

if TYPE_CHECKING:
    from .server import PaperServer

log = logging.getLogger(__name__)
SERVER_VERSION = 157
MIN_CLIENT_VERSION = 157
_RANGE = re.compile(r"^v(\d+)(?:\.\.(\d+))?(?: .*)?$")
NY = ZoneInfo("America/New_York")

Handler = Callable[["PaperServer", "Connection", Fields], Any]
#: message id -> handler; filled by the request modules
HANDLERS: dict[int, Handler] = {}


def handles(*ids: int) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for i in ids:
            HANDLERS[i] = fn
        return fn
    return register


@dataclass(slots=True)
class Subscriptions:
    mkt: dict[int, Any] = field(default_factory=dict)
    depth: dict[int, Any] = field(default_factory=dict)
    tbt: dict[int, Any] = field(default_factory=dict)
    bars: dict[int, Any] = field(default_factory=dict)
    rt_bars: dict[int, Any] = field(default_factory=dict)
    positions: bool = False
    account_updates: bool = False
    summary: set[int] = field(default_factory=set)
    pnl: set[int] = field(default_factory=set)
    pnl_single: dict[int, int] = field(default_factory=dict)
    #: what the account streams last sent, to send only changes
    cache: dict[object, object] = field(default_factory=dict)


class Connection:
    def __init__(self, server: "PaperServer", reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.client_id: int | None = None
        self.md_type = 1
        self.subs = Subscriptions()
        self.closed = False
        #: frames not yet written: what one request or one market step produces goes out in one write
        self._out: list[bytes] = []
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)

    # ------------------------------------------------------------------ output
    def send(self, *fields: object) -> None:
        if self.closed:
            return
        self._out.append(frame(fields))

    def flush(self) -> None:
        if self._out and not self.closed:
            self.writer.write(b"".join(self._out))
        self._out.clear()

    def error(self, req_id: int, code: int, message: str) -> None:
        self.send(4, 2, req_id, code, message)

    def close(self) -> None:
        if not self.closed:
            self.flush()
            self.closed = True
            try:
                self.writer.close()
            except Exception:  # noqa: BLE001 - already gone
                pass

    # ------------------------------------------------------------------ input
    async def run(self) -> None:
        try:
            if not await self._handshake():
                return
            while not self.closed:
                payload = await read_frame(self.reader)
                while self.server.faults.hold_requests and not self.closed:
                    await asyncio.sleep(0.02)  # the hold_requests fault: polled, released by the test
                self.handle(split(payload))
                self.server.flush()  # a request may send to other clients too (fills, positions)
                await self.writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, Malformed):
            pass  # the client left (maybe mid-message) or sent garbage framing: drop it
        except asyncio.CancelledError:
            raise
        finally:
            self.close()
            self.server.disconnected(self)

    async def _handshake(self) -> bool:
        greeting = await self.reader.readexactly(4)
        if greeting != GREETING:
            return False
        text = (await read_frame(self.reader)).decode("ascii", errors="replace").rstrip("\0")
        match = _RANGE.match(text)
        if not match or int(match.group(2) or match.group(1)) < MIN_CLIENT_VERSION:
            return False
        now = datetime.now(NY)
        self.send(SERVER_VERSION, f"{now:%Y%m%d %H:%M:%S} {now.tzname()}")
        self.flush()
        await self.writer.drain()
        return True

    def handle(self, values: list[str]) -> None:
        if not values:
            return
        f = Fields(values)
        self.server.request_log.append(values[0])
        try:
            msg_id = f.int()
            if self.client_id is None and msg_id != 71:
                self.error(-1, 321, "Error validating request:-'' : cause - The API interface is currently in "
                                    "Read-Only mode or startApi was not sent")
                return
            handler = HANDLERS.get(msg_id)
            if handler is None:
                self.error(-1, 321, f"Error validating request:-'{msg_id}' : cause - Unsupported request")
                return
            handler(self.server, self, f)
        except Malformed as exc:
            self.error(-1, 320, f"Error reading request:-'{values[0]}' : cause - {exc}")
        except Exception as exc:  # noqa: BLE001 - one bad request never ends the connection or the server
            log.exception("IB paper server: request %s failed", values[0])
            self.error(-1, 320, f"Error reading request:-'{values[0]}' : cause - {type(exc).__name__}")

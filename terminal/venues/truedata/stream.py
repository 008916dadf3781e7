"""TrueData's real-time WebSocket for the adapter, on the shared reconnecting base (``venues/socket.py``).

Login is in the URL's query; the first frame says whether it was accepted (refused credentials stop the loop with
AuthError; "User Already Connected" — the previous session not yet gone — is retried with backoff). After every
(re)connect the wanted symbols are added again and the id -> name map is rebuilt from the ``symbollist`` answers
(ids are not promised to be stable across sessions). Heartbeats are watched: a socket that still answers pings but
sends neither heartbeats nor data for ``heartbeat_timeout_s`` is closed and dialled again. Parsed records go to
``on_record(record, name)`` (``name`` is the symbol for data frames); malformed frames are counted and dropped.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Callable
from urllib.parse import quote

from ..ports import AuthError, TemporaryError
from ..socket import WebSocketConnection
from . import parse

log = logging.getLogger(__name__)
LOGIN_TIMEOUT_S = 15.0
CHUNK = 1500  # symbols per addsymbol message (the official Node client's chunk)
BUSY = "User Already Connected"


class TrueDataStream(WebSocketConnection):
    def __init__(self, ws_url: str, username: str, password: str, on_event: Callable[[object], None],
                 on_record: Callable[[parse.Record, str | None], None], *, heartbeat_timeout_s: float = 15.0,
                 **kw: Any) -> None:
        url = f"{ws_url.rstrip('/')}/?user={quote(username, safe='')}&password={quote(password, safe='')}"
        kw.setdefault("silence_timeout_s", heartbeat_timeout_s)
        super().__init__(url, on_event, name="market", data_timeout_s=heartbeat_timeout_s, logger=log, **kw)
        self.on_record = on_record
        self.parse = parse.FrameParser("truedata stream")
        self.wanted: set[str] = set()
        self.ids: dict[str, str] = {}  # symbol id -> name, for this session
        self.login: parse.Login | None = None
        self.market_status = ""
        self.heartbeats = 0
        self._last_alive = 0.0  # monotonic time of the last heartbeat or data frame

    # ------------------------------------------------------------------ subscriptions
    async def add(self, names: list[str]) -> None:
        new = [n for n in names if n not in self.wanted]
        self.wanted.update(names)
        if new and self.connected:
            await self._send_add(new)

    async def remove(self, names: list[str]) -> None:
        gone = [n for n in names if n in self.wanted]
        self.wanted.difference_update(gone)
        if gone and self.connected and self._transport is not None:
            await self._transport.send(json.dumps({"method": "removesymbol", "symbols": gone}))

    async def _send_add(self, names: list[str]) -> None:
        transport = self._transport
        if transport is None:
            return
        for i in range(0, len(names), CHUNK):
            await transport.send(json.dumps({"method": "addsymbol", "symbols": names[i:i + CHUNK]}))

    # ------------------------------------------------------------------ protocol hooks
    async def _handshake(self, transport: Any) -> None:
        self.ids.clear()
        while True:
            frame = await asyncio.wait_for(transport.recv(), LOGIN_TIMEOUT_S)
            record = self.parse(frame)
            if isinstance(record, parse.Failure):
                if record.message.strip().lower() == BUSY.lower():
                    raise TemporaryError(f"TrueData: {record.message}")
                raise AuthError(f"TrueData refused the login: {record.message}")
            if isinstance(record, parse.Login):
                self.login = record
                self._last_alive = time.monotonic()
                return
            # anything before the login answer is not expected; read on (the timeout bounds it)

    def _is_fatal(self, exc: BaseException) -> bool:
        return isinstance(exc, AuthError)

    async def _resubscribe(self, transport: Any, is_reconnect: bool) -> None:
        if self.wanted:
            await self._send_add(sorted(self.wanted))

    async def _serve(self, transport: Any) -> str:
        health, parse_frame, deliver = self.health, self.parse, self._deliver
        async for frame in transport.frames():
            health.messages += 1
            health.last_message_mono = time.monotonic()
            record = parse_frame(frame)
            if record is None:
                health.dropped += 1
                health.errors += 1
                continue
            try:
                deliver(record)
            except Exception:  # noqa: BLE001 - one bad record never stops the stream
                health.errors += 1
                log.exception("truedata: handling %s failed", type(record).__name__)
        return "closed by TrueData"

    def _deliver(self, record: parse.Record) -> None:
        if isinstance(record, parse.Heartbeat):
            self.heartbeats += 1
            self._last_alive = time.monotonic()
            return
        if isinstance(record, parse.Added):
            for row in record.rows:
                self.ids[row.symbol_id] = row.name
        elif isinstance(record, parse.Removed):
            for _, removed_id in record.items:
                self.ids.pop(removed_id, None)
        elif isinstance(record, parse.MarketStatus):
            self.market_status = record.text
        elif isinstance(record, parse.Failure):
            log.warning("truedata: request refused: %s", record.message)
        symbol_id = getattr(record, "symbol_id", None)
        if symbol_id is not None:
            self._last_alive = time.monotonic()
            symbol = self.ids.get(symbol_id)
            if symbol is not None:  # else a symbol no longer subscribed (or not yet mapped): nothing to publish
                self.on_record(record, symbol)
            return
        self.on_record(record, None)

    def _last_data_mono(self) -> float:
        return self._last_alive

    def _expects_data(self) -> bool:
        return True  # heartbeats come every few seconds, market open or not

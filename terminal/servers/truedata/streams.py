"""The real-time WebSocket of the TrueData paper server: login from the URL's query, ``addsymbol``/``removesymbol``
answered with their ``symbollist``, then per subscribed symbol every trade (19-element ``trade``), the touch when it
changes (``bidask`` L1 and 5-level ``bidaskL2`` in the per-level interleaved layout; not for indices), completed
``bar1min``/``bar5min``; a heartbeat every ``heartbeat_s`` and the market status on each open/close transition and on
``getmarketstatus``. One session per login, at most ``MAX_SYMBOLS`` symbols per session.
"""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from aiohttp import WSMsgType, web

from . import wire
from .exchange import Day, Exchange, Tick
from .listing import Listed

log = logging.getLogger(__name__)
MAX_SYMBOLS = 50
SUBSCRIPTION = "tick+1min+5min"
SEGMENTS = ("EQ", "FO", "IND")
VALIDITY = "2099-12-31T00:00:00"
Touch = tuple[Decimal, Decimal, Decimal, Decimal]


@dataclass(eq=False)
class Client:
    user: str
    ws: web.WebSocketResponse
    symbols: dict[str, Listed] = field(default_factory=dict)  # name -> listed
    l1: dict[str, Touch] = field(default_factory=dict)
    l2: dict[str, object] = field(default_factory=dict)
    muted: bool = False


class Streams:
    """Every open session and what it is subscribed to; ``publish(now_ms)`` sends what the last step produced."""

    def __init__(self, exchange: Exchange, check_login: Callable[[str, str], str | None], now_ms: Callable[[], int],
                 record: Callable[[str], None]) -> None:
        self.exchange = exchange
        self.check_login = check_login  # None when accepted, else the refusal text
        self.now_ms = now_ms
        self.record = record
        self.clients: dict[str, Client] = {}
        self.malformed_next = 0
        self._open: bool | None = None

    # ------------------------------------------------------------------ sessions
    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, heartbeat=None)
        await ws.prepare(request)
        user, password = request.query.get("user", ""), request.query.get("password", "")
        self.record(f"WS login user={user}")
        refusal = self.check_login(user, password)
        if refusal is None and user in self.clients:
            refusal = "User Already Connected"
        if refusal is not None:
            await ws.send_str(wire.failure(refusal))
            await ws.close()
            return ws
        client = self.clients[user] = Client(user, ws)
        try:
            await ws.send_str(wire.login_ok(SEGMENTS, MAX_SYMBOLS, SUBSCRIPTION, VALIDITY))
            await ws.send_str(wire.market_status(self.exchange.status(self.now_ms())))
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_request(client, msg.data)
                elif msg.type is WSMsgType.ERROR:
                    break
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if self.clients.get(user) is client:
                del self.clients[user]
        return ws

    async def _on_request(self, client: Client, text: str) -> None:
        self.record(f"WS {text[:200]}")
        try:
            request = json.loads(text)
            method = request["method"]
        except (ValueError, KeyError, TypeError):
            await client.ws.send_str(wire.failure("Invalid request"))
            return
        if method == "addsymbol":
            await self._add(client, [str(s).strip().upper() for s in request.get("symbols") or []])
        elif method == "removesymbol":
            await self._remove(client, [str(s).strip().upper() for s in request.get("symbols") or []])
        elif method in ("getmarketstatus", "touchline"):
            if method == "touchline":
                rows = [self._touchline(item) for item in client.symbols.values()]
                await client.ws.send_str(wire.symbols_added(rows, 0, len(client.symbols), "touchline"))
            else:
                await client.ws.send_str(wire.market_status(self.exchange.status(self.now_ms())))
        else:
            await client.ws.send_str(wire.failure(f"Invalid method {method}"))

    async def _add(self, client: Client, names: list[str]) -> None:
        rows, added = [], 0
        for name in dict.fromkeys(names):
            item = self.exchange.by_name.get(name)
            if item is None:
                continue
            if name not in client.symbols:
                if len(client.symbols) >= MAX_SYMBOLS:
                    await client.ws.send_str(wire.failure(f"Symbol limit exceeded ({MAX_SYMBOLS})"))
                    break
                client.symbols[name] = item
                added += 1
            client.l1.pop(name, None)
            client.l2.pop(name, None)
            rows.append(self._touchline(item))
        await client.ws.send_str(wire.symbols_added(rows, added, len(client.symbols)))

    async def _remove(self, client: Client, names: list[str]) -> None:
        gone = [client.symbols.pop(n) for n in dict.fromkeys(names) if n in client.symbols]
        for item in gone:
            client.l1.pop(item.name, None)
            client.l2.pop(item.name, None)
        await client.ws.send_str(wire.symbols_removed([f"{i.name}:{i.symbol_id}" for i in gone], len(gone),
                                                      len(client.symbols)))

    def _touchline(self, item: Listed) -> list[str]:
        d = self.exchange.days[item.name]
        bid, bid_qty, ask, ask_qty = self._touch(item)
        return [item.name, item.symbol_id, wire.ist(d.last_ms), wire.num(d.last), wire.qty(d.last_qty),
                wire.num(d.average), wire.qty(d.volume), wire.num(d.open), wire.num(d.high), wire.num(d.low),
                wire.num(d.prev_close), str(d.oi), str(d.prev_oi), wire.num(d.turnover), wire.num(bid),
                wire.qty(bid_qty), wire.num(ask), wire.qty(ask_qty)]

    def _touch(self, item: Listed) -> Touch:
        if item.segment == "in":
            return Decimal(0), Decimal(0), Decimal(0), Decimal(0)
        bid, ask = self.exchange.engine.best(item.name)
        zero = (Decimal(0), Decimal(0))
        return (*(bid or zero), *(ask or zero))

    # ------------------------------------------------------------------ publishing (on the server loop)
    async def heartbeat(self) -> None:
        frame = wire.heartbeat(self.now_ms())
        await self._each(lambda c: [frame])

    async def publish(self, ticks: dict[str, list[Tick]], bars: list[tuple[str, str, Any]]) -> None:
        now = self.now_ms()
        is_open = self.exchange.is_open(now)
        changed = self._open is not None and is_open != self._open  # a session learns the status at login
        status = wire.market_status(self.exchange.status(now)) if changed else None
        self._open = is_open
        if not self.clients:
            return
        await self._each(lambda c: self._frames(c, now, ticks, bars, status))

    def _frames(self, client: Client, now: int, ticks: dict[str, list[Tick]], bars: list[tuple[str, str, Any]],
                status: str | None) -> list[str]:
        out = [status] if status else []
        for name, item in client.symbols.items():
            day = self.exchange.days[name]
            for tick in ticks.get(name, ()):
                out.append(self._trade(item, day, tick))
            if item.segment == "in":
                continue
            touch = self._touch(item)
            if touch != client.l1.get(name) and touch[0] and touch[2]:
                client.l1[name] = touch
                out.append(wire.data("bidask", [item.symbol_id, wire.ist(now), wire.num(touch[0]),
                                                wire.qty(touch[1]), wire.num(touch[2]), wire.qty(touch[3])]))
            depth = self.exchange.depth(name, 5)
            if depth[1:] != client.l2.get(name) and depth[1] and depth[2]:
                client.l2[name] = depth[1:]
                out.append(wire.data("bidaskL2", self._l2(item, now, depth)))
        for name, kind, bar in bars:
            listed = client.symbols.get(name)
            if listed is not None:
                out.append(wire.data(f"bar{kind}", [listed.symbol_id, wire.ist(bar.open_time), wire.num(bar.open),
                                                   wire.num(bar.high), wire.num(bar.low), wire.num(bar.close),
                                                   wire.qty(bar.volume), str(self.exchange.days[name].oi)]))
        if out and self.malformed_next > 0 and any(not f.startswith('{"success"') for f in out):
            self.malformed_next -= 1
            out.insert(0, '{"trade":["' + next(iter(client.symbols.values())).symbol_id + '","')
        return out

    def _trade(self, item: Listed, day: Day, t: Tick) -> str:
        index = item.segment == "in"
        bid = ["0", "0", "0", "0"] if index else [wire.num(t.bid), wire.qty(t.bid_qty), wire.num(t.ask),
                                                  wire.qty(t.ask_qty)]
        return wire.data("trade", [item.symbol_id, wire.ist(t.ts_ms), wire.num(t.price), wire.qty(t.qty),
                                   wire.num(day.average), wire.qty(day.volume), wire.num(day.open), wire.num(day.high),
                                   wire.num(day.low), wire.num(day.prev_close), str(t.oi), str(day.prev_oi),
                                   wire.num(day.turnover), day.tag, str(t.seq), *bid])

    @staticmethod
    def _l2(item: Listed, now: int, depth: Any) -> list[str]:
        update_id, bids, asks = depth
        out = [item.symbol_id, wire.ist(now), str(update_id)]
        for k in range(5):
            for side in (bids, asks):
                price, qty = side[k] if k < len(side) else (Decimal(0), Decimal(0))
                out += [wire.num(price), wire.qty(qty), "1" if qty else "0"]
        out += [wire.qty(sum((q for _, q in bids), Decimal(0))), wire.qty(sum((q for _, q in asks), Decimal(0)))]
        return out

    async def _each(self, frames_of: Callable[[Client], list[str]]) -> None:
        for client in list(self.clients.values()):
            if client.muted or client.ws.closed:
                continue
            try:
                for frame in frames_of(client):
                    await client.ws.send_str(frame)
            except (ConnectionError, RuntimeError):  # the peer went away meanwhile
                continue

    # ------------------------------------------------------------------ faults
    async def drop_all(self) -> None:
        clients, self.clients = list(self.clients.values()), {}
        for client in clients:
            await client.ws.close(code=1011, message=b"dropped")

    def mute_all(self) -> None:
        for client in self.clients.values():
            client.muted = True


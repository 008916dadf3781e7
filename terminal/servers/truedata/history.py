"""The TrueData paper server's REST side: the OAuth2 password-grant token (``POST /token``), the history API
(``/getbars``, ``/getticks``, ``/getlastnbars``, ``/getlastnticks``: CSV or JSON, ``comp=true`` framed with the
8-byte length header) and the symbol master (``/getAllSymbols``, credentials in the query).

Times in and out are naive IST: ``from``/``to`` as ``YYMMDDTHH:MM:SS``, rows as ``YYYY-MM-DDTHH:MM:SS``. Bad input is
answered HTTP 200 with TrueData's plain text (``Invalid interval``, ``Symbol does not exist``, ``No data exists for
<SYMBOL>``), in ``status`` for JSON; a missing or unknown token is a 401 with its ``Message``.
"""
from __future__ import annotations

import base64
import json
import secrets
import struct
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, Iterable

from aiohttp import web

from terminal.model import Interval
from terminal.sim.klines import KlineRow

from .exchange import Exchange, Tick
from .listing import IST, master_row
from .wire import ist, num, qty

TOKEN_TTL_S = 3600
MINUTES = {"1min": 1, "2min": 2, "3min": 3, "5min": 5, "10min": 10, "15min": 15, "30min": 30, "60min": 60}
PERIODS = ("eod", "week", "month")
DENIED = {"Message": "Authorization has been denied for this request."}
BAR_HEADER = "timestamp,open,high,low,close,volume,oi"
MAX_BARS = 200_000


def parse_time(text: str) -> int:
    """``YYMMDDTHH:MM:SS`` (IST) -> epoch ms; ValueError otherwise."""
    return int(datetime.strptime(text, "%y%m%dT%H:%M:%S").replace(tzinfo=IST).timestamp() * 1000)


def frame_comp(body: bytes) -> bytes:
    """``comp=true``: uncompressed and compressed lengths (equal: the payload is the plain bytes)."""
    return struct.pack("<II", len(body), len(body)) + body


class Faults:
    def __init__(self) -> None:
        self.fail_next = 0
        self.fail_status = 500


class History:
    def __init__(self, exchange: Exchange, check_login: Callable[[str, str], str | None], now_ms: Callable[[], int],
                 record: Callable[[str], None]) -> None:
        self.exchange = exchange
        self.check_login = check_login
        self.now_ms = now_ms
        self.record = record
        self.tokens: dict[str, int] = {}  # token -> expiry (epoch ms)
        self.faults = Faults()

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/token", self.token), web.get("/getbars", self.bars), web.get("/getlastnbars", self.bars),
                web.get("/getticks", self.ticks), web.get("/getlastnticks", self.ticks),
                web.get("/getAllSymbols", self.symbols)]

    # ------------------------------------------------------------------ auth
    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        user, password = str(form.get("username", "")), str(form.get("password", ""))
        self.record(f"POST /token username={user}")
        refusal = self.check_login(user, password) if form.get("grant_type") == "password" else "unsupported grant"
        if refusal is not None:
            return web.json_response({"error": "invalid_grant",
                                      "error_description": "The user name or password is incorrect."}, status=400)
        token = secrets.token_urlsafe(24)
        self.tokens[token] = self.now_ms() + TOKEN_TTL_S * 1000
        return web.json_response({"access_token": token, "token_type": "bearer", "expires_in": TOKEN_TTL_S})

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        expiry = self.tokens.get(header[7:]) if header.startswith("Bearer ") else None
        return expiry is not None and expiry > self.now_ms()

    def _gate(self, request: web.Request) -> web.Response | None:
        self.record(f"GET {request.path_qs}")
        if self.faults.fail_next > 0:
            self.faults.fail_next -= 1
            status = self.faults.fail_status
            if status == 429:
                return web.Response(status=429, body=base64.b64encode(b"API request quota exceeded!"))
            return web.Response(status=status, text="Internal server error")
        if not self._authorised(request):
            return web.json_response(DENIED, status=401)
        return None

    # ------------------------------------------------------------------ history
    async def bars(self, request: web.Request) -> web.Response:
        refused = self._gate(request)
        if refused is not None:
            return refused
        q = request.query
        name, interval = q.get("symbol", "").upper(), q.get("interval", "").lower()
        if interval not in MINUTES and interval not in PERIODS:
            return self._text(q, "Invalid interval")
        if name not in self.exchange.by_name:
            return self._text(q, "Symbol does not exist")
        store = self.exchange.store(name)
        try:
            if request.path == "/getlastnbars":
                count = int(q.get("nbars", "200"))
                span = (MINUTES.get(interval) or 1440 * 31) * 60_000 * (count + 1)
                end = self.now_ms()
                start = end - (span if self.exchange.always_open else 4 * span + 5 * 86_400_000)  # sessions only
            else:
                start, end = parse_time(q["from"]), parse_time(q["to"])
                count = MAX_BARS
        except (KeyError, ValueError):
            return self._text(q, "Invalid parameter value")
        minute_rows = store.klines(Interval.M1, start, end, limit=MAX_BARS)
        if not self.exchange.always_open:  # TrueData has bars of the trading sessions only
            minute_rows = [r for r in minute_rows if self.exchange.is_open(r.open_time)]
        rows = [r for r in _group(minute_rows, interval) if start <= r[0] <= end][-count:]
        if not rows:
            return self._text(q, f"No data exists for {name}")
        oi = str(self.exchange.days[name].oi)
        lines = [[ist(r[0]), num(r[1]), num(r[2]), num(r[3]), num(r[4]), qty(r[5]), oi] for r in rows]
        return self._table(q, BAR_HEADER, lines)

    async def ticks(self, request: web.Request) -> web.Response:
        refused = self._gate(request)
        if refused is not None:
            return refused
        q = request.query
        name = q.get("symbol", "").upper()
        day = self.exchange.days.get(name)
        if day is None:
            return self._text(q, "Symbol does not exist")
        ticks: Iterable[Tick]
        try:
            if request.path == "/getlastnticks":
                ticks = list(day.ticks)[-int(q.get("nticks", "2000")):]
            else:
                start, end = parse_time(q["from"]), parse_time(q["to"])
                ticks = [t for t in day.ticks if start <= t.ts_ms <= end + 999]
        except (KeyError, ValueError):
            return self._text(q, "Invalid parameter value")
        if not ticks:
            return self._text(q, f"No data exists for {name}")
        bidask = q.get("bidask") == "1"
        header = "timestamp,ltp,volume,oi" + (",bid,bidqty,ask,askqty" if bidask else "")
        lines = [[ist(t.ts_ms), num(t.price), qty(t.qty), str(t.oi)]
                 + ([num(t.bid), qty(t.bid_qty), num(t.ask), qty(t.ask_qty)] if bidask else []) for t in ticks]
        return self._table(q, header, lines)

    # ------------------------------------------------------------------ symbol master
    async def symbols(self, request: web.Request) -> web.Response:
        q = request.query
        self.record(f"GET /getAllSymbols segment={q.get('segment', '')} user={q.get('user', '')}")
        if self.check_login(q.get("user", ""), q.get("password", "")) is not None:
            return web.json_response({"status": "Invalid user or password", "Records": []})
        segment = q.get("segment", "all").lower()
        records = [master_row(i) for i in self.exchange.listed if segment in ("all", i.segment)]
        return web.json_response({"status": "Success", "Records": records})

    # ------------------------------------------------------------------ bodies
    def _text(self, q: Any, text: str) -> web.Response:
        if q.get("response", "csv").lower() == "json":
            return self._body(q, json.dumps({"status": text, "Records": []}).encode(), "application/json")
        return self._body(q, text.encode(), "text/plain")

    def _table(self, q: Any, header: str, lines: list[list[str]]) -> web.Response:
        if q.get("response", "csv").lower() == "json":
            records = [[line[0], *(_number(v) for v in line[1:])] for line in lines]
            return self._body(q, json.dumps({"status": "Success", "Records": records}).encode(), "application/json")
        text = "\r\n".join([header, *(",".join(line) for line in lines)]) + "\r\n"
        return self._body(q, text.encode(), "text/csv")

    @staticmethod
    def _body(q: Any, body: bytes, content_type: str) -> web.Response:
        if q.get("comp", "").lower() == "true":
            return web.Response(body=frame_comp(body), content_type="application/octet-stream")
        return web.Response(body=body, content_type=content_type)


def _number(text: str) -> float | int:
    return int(text) if text.lstrip("-").isdigit() else float(text)


Row = tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal]


def _group(rows: list[KlineRow], interval: str) -> list[Row]:
    """1-minute bars grouped into ``interval`` (minutes from IST midnight, or IST days, weeks, months)."""
    out: list[Row] = []
    key_of = _key(interval)
    current: list[Any] | None = None
    for r in rows:
        key = key_of(r.open_time)
        if current is None or key[0] != current[0]:
            if current is not None:
                out.append(tuple(current[1:]))  # type: ignore[arg-type]
            current = [key[0], key[1], r.open, r.high, r.low, r.close, r.volume]
        else:
            current[3], current[4] = max(current[3], r.high), min(current[4], r.low)
            current[5], current[6] = r.close, current[6] + r.volume
    if current is not None:
        out.append(tuple(current[1:]))  # type: ignore[arg-type]
    return out


def _key(interval: str) -> Callable[[int], tuple[object, int]]:
    """open time -> (group key, the group's open time in epoch ms)."""
    minutes = MINUTES.get(interval)
    if minutes is not None:
        size = minutes * 60_000
        return lambda t: (t // size, t - t % size) if minutes == 1 else _minute_key(t, size)

    def period(t: int) -> tuple[object, int]:
        day = datetime.fromtimestamp(t / 1000, IST).replace(hour=0, minute=0, second=0, microsecond=0)
        if interval == "week":
            day = day.fromordinal(day.toordinal() - day.weekday()).replace(tzinfo=IST)
        elif interval == "month":
            day = day.replace(day=1)
        return day.date(), int(day.timestamp() * 1000)
    return period


def _minute_key(t: int, size: int) -> tuple[object, int]:
    """Bars of ``size`` counted from 09:15 IST (NSE's open), as exchanges align intraday bars."""
    anchor = 9 * 3_600_000 + 15 * 60_000 - 19_800_000  # 09:15 IST as ms past UTC midnight
    start = t - (t - anchor) % size
    return start, start

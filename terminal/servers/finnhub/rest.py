"""The REST half of the Finnhub paper server: ``GET /api/v1/...`` as the digest documents it (the double slash the
official Python client sends, ``/api/v1//quote``, routes too), the token by ``token=`` or ``X-Finnhub-Token``, the
documented limits (429 with Finnhub's body), fault switches, and a log of every call."""
from __future__ import annotations

import calendar
import html
import json
import re
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Awaitable, Callable

from aiohttp import web

from .faults import Faults
from .market import RESOLUTIONS, Market
from .news import NewsGenerator
from .ratelimit import LIMIT_BODY, RateLimiter
from .reference import Reference

INVALID_KEY = {"error": "Invalid API key."}
Handler = Callable[[web.Request], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Logged:
    """One REST call as the server saw it (the token is never kept)."""

    path: str
    status: int
    ts: float  # time.time()
    symbol: str = ""


class BadRequest(Exception):
    pass


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=json.dumps(body, default=_default), status=status, headers=headers,
                        content_type="application/json", charset="utf-8")


def _int(request: web.Request, name: str) -> int:
    text = request.query.get(name, "")
    if not re.fullmatch(r"-?\d+", text):
        raise BadRequest(f"Wrong {name} parameter.")
    return int(text)


def _day(text: str, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"Wrong {name} date: use YYYY-MM-DD.") from None


class RestApi:
    def __init__(self, market: Market, reference: Reference, news: NewsGenerator, limiter: RateLimiter,
                 faults: Faults, tokens: set[str], base_url: Callable[[], str]) -> None:
        self.market = market
        self.reference = reference
        self.news = news
        self.limiter = limiter
        self.faults = faults
        self.tokens = tokens
        self.base_url = base_url
        self.request_log: list[Logged] = []
        self.routes: dict[str, Handler] = {
            "search": self.search, "stock/symbol": self.stock_symbols, "quote": self.quote,
            "stock/candle": self.candles, "forex/candle": self.candles, "crypto/candle": self.candles,
            "stock/profile2": self.profile, "stock/metric": self.metric, "company-news": self.company_news,
            "news": self.market_news, "calendar/earnings": self.earnings, "forex/exchange": self.exchanges,
            "crypto/exchange": self.exchanges, "forex/symbol": self.pair_symbols, "crypto/symbol": self.pair_symbols,
        }

    async def handle(self, request: web.Request) -> web.Response:
        route = "/".join(p for p in request.match_info["tail"].split("/") if p)
        response = await self._answer(request, route)
        self.request_log.append(Logged("/" + route, response.status, time.time(), request.query.get("symbol", "")))
        return response

    async def _answer(self, request: web.Request, route: str) -> web.Response:
        token = request.query.get("token") or request.headers.get("X-Finnhub-Token", "")
        if token not in self.tokens:
            return reply(INVALID_KEY, 401)
        limited, failure = self.faults.take()
        if limited:
            return reply(LIMIT_BODY, 429, {"X-Ratelimit-Limit": str(self.limiter.per_window),
                                           "X-Ratelimit-Remaining": "0",
                                           "X-Ratelimit-Reset": str(int(time.time()) + 1)})
        if failure is not None:
            return reply({"error": f"Internal error ({failure})."}, failure)
        admitted, remaining, reset_s = self.limiter.admit(token)
        headers = {"X-Ratelimit-Limit": str(self.limiter.per_window), "X-Ratelimit-Remaining": str(remaining),
                   "X-Ratelimit-Reset": str(int(time.time() + reset_s + 0.999))}
        if not admitted:
            return reply(LIMIT_BODY, 429, headers)
        handler = self.routes.get(route)
        if handler is None:
            return reply({"error": "Not found."}, 404, headers)
        try:
            return reply(await handler(request), 200, headers)
        except BadRequest as exc:
            return reply({"error": str(exc)}, 422, headers)

    # ------------------------------------------------------------------ symbols
    async def search(self, request: web.Request) -> Any:
        q = request.query.get("q", "").strip().upper()
        if not q:
            raise BadRequest("Wrong q parameter.")
        hits = [i for i in self.market.listed.values() if i.kind == "stock"
                and (q in i.symbol or q in i.description.upper())]
        hits.sort(key=lambda i: (i.symbol != q, not i.symbol.startswith(q), i.symbol))
        result = [{"description": i.description, "displaySymbol": i.display, "symbol": i.symbol,
                   "type": "ETP" if i.symbol == "SPY" else "Common Stock"} for i in hits]
        return {"count": len(result), "result": result}

    async def stock_symbols(self, request: web.Request) -> Any:
        if request.query.get("exchange", "") != "US":
            return [] if request.query.get("exchange") else _raise("Wrong exchange parameter.")
        mic, kind, ccy = (request.query.get(k, "") for k in ("mic", "securityType", "currency"))
        out = []
        for i in self.market.listed.values():
            if i.kind != "stock":
                continue
            typ = "ETP" if i.symbol == "SPY" else "Common Stock"
            if (mic and mic != i.mic) or (kind and kind != typ) or (ccy and ccy != "USD"):
                continue
            out.append({"currency": "USD", "description": i.description, "displaySymbol": i.display, "figi": i.figi,
                        "isin": None, "mic": i.mic, "shareClassFIGI": "", "symbol": i.symbol, "symbol2": "",
                        "type": typ})
        return out

    async def exchanges(self, request: web.Request) -> Any:
        return ["oanda"] if request.path.rstrip("/").endswith("forex/exchange") else ["Binance"]

    async def pair_symbols(self, request: web.Request) -> Any:
        kind = "forex" if "/forex/" in request.path else "crypto"
        exchange = request.query.get("exchange", "").lower()
        return [{"description": i.description, "displaySymbol": i.display, "symbol": i.symbol}
                for i in self.market.listed.values() if i.kind == kind and i.exchange == exchange]

    # ------------------------------------------------------------------ prices
    async def quote(self, request: web.Request) -> Any:
        q = self.market.quote(request.query.get("symbol", ""))
        return q or {"c": 0, "d": None, "dp": None, "h": 0, "l": 0, "o": 0, "pc": 0, "t": 0}

    async def candles(self, request: web.Request) -> Any:
        symbol = request.query.get("symbol", "")
        resolution = request.query.get("resolution", "")
        if resolution not in RESOLUTIONS:
            raise BadRequest("Wrong resolution parameter.")
        start, end = _int(request, "from"), _int(request, "to")
        kind = request.path.split("/")[-2]  # stock | forex | crypto
        listed = self.market.listed.get(symbol)
        if listed is None or listed.kind != kind:
            return {"s": "no_data"}
        rows = self.market.candles(symbol, resolution, start, end)
        if not rows:
            return {"s": "no_data"}
        return {"c": [r.close for r in rows], "h": [r.high for r in rows], "l": [r.low for r in rows],
                "o": [r.open for r in rows], "s": "ok", "t": [r.open_time // 1000 for r in rows],
                "v": [r.volume for r in rows]}

    # ------------------------------------------------------------------ fundamentals and news
    async def profile(self, request: web.Request) -> Any:
        return self.reference.profile(request.query.get("symbol", ""))

    async def metric(self, request: web.Request) -> Any:
        return self.reference.metric(request.query.get("symbol", ""), request.query.get("metric", "all"))

    async def company_news(self, request: web.Request) -> Any:
        symbol = request.query.get("symbol", "")
        start, end = _day(request.query.get("from", ""), "from"), _day(request.query.get("to", ""), "to")
        if start is None or end is None:
            raise BadRequest("Wrong from/to parameter: use YYYY-MM-DD.")
        self.news.watch(symbol)
        from_s = calendar.timegm(start.timetuple())
        to_s = calendar.timegm(end.timetuple()) + 86400 - 1
        items = self.news.company(symbol, from_s, to_s)
        return [i.wire(self.base_url()) for i in items]

    async def market_news(self, request: web.Request) -> Any:
        category = request.query.get("category", "")
        if not category:
            raise BadRequest("Wrong category parameter.")
        if category != "general":
            return []
        min_id = request.query.get("minId", "0")
        return [i.wire(self.base_url()) for i in self.news.market(int(min_id) if min_id.isdigit() else 0)]

    async def earnings(self, request: web.Request) -> Any:
        start, end = _day(request.query.get("from", ""), "from"), _day(request.query.get("to", ""), "to")
        return {"earningsCalendar": self.reference.earnings(start, end, request.query.get("symbol", ""))}

    async def article(self, request: web.Request) -> web.Response:
        """The page a news item's ``url`` points to."""
        item = self.news.by_id.get(int(request.match_info["id"]))
        if item is None:
            return web.Response(text="<h1>Not found</h1>", status=404, content_type="text/html")
        body = (f"<html><head><title>{html.escape(item.headline)}</title></head><body>"
                f"<h1>{html.escape(item.headline)}</h1><p><i>{html.escape(item.source)}</i></p>"
                f"<p>{html.escape(item.summary)}</p></body></html>")
        return web.Response(text=body, content_type="text/html")


def _raise(message: str) -> Any:
    raise BadRequest(message)


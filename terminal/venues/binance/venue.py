"""BinanceVenue: the ``Venue`` port for Binance Spot. REST + market stream + user stream + local books, composed for
one environment.

Every event goes to ``bus.publish``. The same class serves the sandbox, the testnet and live; only URLs differ.
Binance's error codes are translated into the ports' outcomes by the REST client (``rest.py``); nothing outside this
package sees them.
"""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Callable, Sequence

from ...bus import Bus
from ...market.bars import backfill
from ...model import (Balance, Bar, Environment, Fill, Holding, Instrument, Interval, Order, OrderBook, OrderRequest,
                      QuoteTick, Ticker24h)
from ...tasks import TaskOwner
from . import orderlists, parse
from ..ports import AuthError, KeyPermissions, RateLimited, Rejected, TemporaryError, UnknownOrder
from .booksync import BookSync
from .health import StreamHealth
from .info import INFO, NAME
from .parse import DepthDiff
from .rest import BinanceRest
from .signing import Signer
from .stream import MarketStream
from .userstream import ConnectListener, UserStream
from .wsapi import NotSent, WsApiTrading

log = logging.getLogger(__name__)
Levels = list[tuple[Decimal, Decimal]]


class BinanceVenue:
    """The Binance adapter. ``await start()`` before use and ``await close()`` after."""

    info = INFO

    def __init__(self, environment: Environment | str, base_url: str, ws_url: str, ws_api_url: str,
                 api_key: str | None = None, signer: Signer | None = None, bus: Bus | None = None, *,
                 silence_timeout_s: float = 10.0, data_timeout_s: float | None = None, book_top_n: int = 20,
                 book_depth_limit: int = 1000, depth_speed: str = "@100ms", recv_window_ms: int = 5000,
                 ws_api_trading: bool = True) -> None:
        self.environment = INFO.environment(
            environment.value if isinstance(environment, Environment) else environment).name
        self.bus = bus or Bus()
        self._publish: Callable[[object], None] = self.bus.publish
        self.rest = BinanceRest(base_url, api_key, signer, recv_window=recv_window_ms)
        self.market = MarketStream(ws_url, self._on_market_event, silence_timeout_s=silence_timeout_s,
                                   data_timeout_s=data_timeout_s)
        self.market.add_connect_listener(self._on_market_connect)
        self._ws_api_url = ws_api_url
        self._api_key = api_key
        self._signer = signer
        self.user: UserStream | None = None
        #: orders, cancels and look-ups over the WS API while it is up (REST when it is down or turned off)
        self.trading: WsApiTrading | None = (
            WsApiTrading(ws_api_url, api_key, signer, self.rest) if ws_api_trading and api_key and signer else None)
        self._syncs: dict[str, BookSync] = {}
        self._bars: dict[tuple[str, Interval], int] = {}  # (symbol, interval) -> last open_time seen
        self._watchers: dict[str, int] = {}  # stream name -> watch count
        self._instruments: dict[str, Instrument] | None = None
        self.book_top_n = book_top_n
        self.book_depth_limit = book_depth_limit
        self.depth_speed = depth_speed
        self.backfilled_bars = 0
        self._tasks = TaskOwner(f"binance {self.environment}", log)  # kline backfills after reconnects
        #: members of our order lists: client order id -> (listClientOrderId, symbol); lists cancelled by us
        self._lists: dict[str, tuple[str, str]] = {}
        self._lists_cancelled: dict[str, dict[str, Order]] = {}

    # ------------------------------------------------------------------ lifecycle

    async def start(self, connect_timeout_s: float = 10.0) -> None:
        try:
            await self.rest.sync_time()
        except Exception as exc:  # noqa: BLE001 - trading calls resync on -1021 anyway
            log.warning("clock sync failed (%s)", type(exc).__name__)
        await self.market.start()
        if self.trading is not None:
            await self.trading.start()
        try:
            await self.market.wait_connected(connect_timeout_s)
        except asyncio.TimeoutError:
            log.warning("market stream not connected after %.0fs; it keeps retrying", connect_timeout_s)
        if self.trading is not None:  # dialled with the market stream: normally up by now; REST serves meanwhile
            wait_s = min(connect_timeout_s, 1.0)  # a venue without the WS API (or a proxy refusing it) costs 1 s
            try:
                await self.trading.wait_connected(wait_s)
            except (asyncio.TimeoutError, ConnectionError):
                log.warning("WS API not connected after %.1fs; orders go over REST until it is", wait_s)

    async def start_user_stream(self, on_connect: ConnectListener | None = None) -> None:
        """Subscribe to account events (OrderUpdated, Fill, BalancesUpdated). ``on_connect(is_reconnect)`` runs after
        every (re)subscription (reconcile on True). Raises AuthError on bad keys."""
        if self.user is not None:
            if on_connect is not None:
                self.user.add_connect_listener(on_connect)
            return
        if not (self._api_key and self._signer):
            raise AuthError("the user stream needs API keys")
        self.user = UserStream(self._ws_api_url, self._api_key, self._signer, self._on_user_event,
                               now_ms=self.rest.now_ms)
        if on_connect is not None:
            self.user.add_connect_listener(on_connect)
        try:
            await self.user.start()
        except BaseException:
            self.user = None
            raise

    async def close(self) -> None:
        await self._tasks.close()
        for sync in self._syncs.values():
            await sync.close()
        if self.user is not None:
            await self.user.close()
        if self.trading is not None:
            await self.trading.close()
        await self.market.close()
        await self.rest.close()

    # ------------------------------------------------------------------ reference data

    async def instruments(self, refresh: bool = False) -> dict[str, Instrument]:
        if self._instruments is None or refresh:
            self._instruments = await self.rest.exchange_info()
        return self._instruments

    async def ticker(self, symbol: str) -> Ticker24h:
        return await self.rest.ticker_24h(symbol)

    async def quote(self, symbol: str) -> QuoteTick:
        return await self.rest.book_ticker(symbol)

    async def depth(self, symbol: str, limit: int = 100) -> tuple[int, Levels, Levels]:
        return await self.rest.depth(symbol, limit)

    @property
    def books(self) -> dict[str, OrderBook]:
        return {s: sync.book for s, sync in self._syncs.items()}

    # ------------------------------------------------------------------ subscriptions

    async def _watch(self, streams: list[str]) -> None:
        new = []
        for s in streams:
            self._watchers[s] = self._watchers.get(s, 0) + 1
            if self._watchers[s] == 1:
                new.append(s)
        if new:
            await self.market.subscribe(new)

    async def _unwatch(self, streams: list[str]) -> list[str]:
        gone = []
        for s in streams:
            n = self._watchers.get(s, 0) - 1
            if n <= 0:
                self._watchers.pop(s, None)
                if n == 0:
                    gone.append(s)
            else:
                self._watchers[s] = n
        if gone:
            await self.market.unsubscribe(gone)
        return gone

    @staticmethod
    def _quote_streams(symbol: str) -> list[str]:
        s = symbol.lower()
        return [f"{s}@bookTicker", f"{s}@trade", f"{s}@miniTicker"]

    async def watch_quotes(self, symbol: str) -> None:
        """QuoteTick (bookTicker), TradeTick (trade) and Ticker24h (miniTicker) for ``symbol``."""
        await self._watch(self._quote_streams(symbol))

    async def unwatch_quotes(self, symbol: str) -> None:
        await self._unwatch(self._quote_streams(symbol))

    def _depth_stream(self, symbol: str) -> str:
        return f"{symbol.lower()}@depth{self.depth_speed}"

    async def watch_book(self, symbol: str, wait_synced_s: float | None = None) -> OrderBook:
        """Keep a local book for ``symbol`` (BookUpdated events); optionally wait until it is synced."""
        sync = self._syncs.get(symbol)
        if sync is None:
            sync = self._syncs[symbol] = BookSync(symbol, self.rest, self._publish, top_n=self.book_top_n,
                                                  depth_limit=self.book_depth_limit)
            sync.start()
        await self._watch([self._depth_stream(symbol)])
        if wait_synced_s:
            await sync.wait_synced(wait_synced_s)
        return sync.book

    async def unwatch_book(self, symbol: str) -> None:
        if await self._unwatch([self._depth_stream(symbol)]):
            sync = self._syncs.pop(symbol, None)
            if sync is not None:
                await sync.close()

    def book_sync(self, symbol: str) -> BookSync | None:
        return self._syncs.get(symbol)

    async def watch_bars(self, symbol: str, interval: Interval) -> None:
        """Live Bar events for ``symbol``; after every reconnect missed bars are backfilled from REST."""
        self._bars.setdefault((symbol, interval), 0)
        await self._watch([f"{symbol.lower()}@kline_{interval.value}"])

    async def unwatch_bars(self, symbol: str, interval: Interval) -> None:
        if await self._unwatch([f"{symbol.lower()}@kline_{interval.value}"]):
            self._bars.pop((symbol, interval), None)

    async def klines(self, symbol: str, interval: Interval, start_ms: int | None = None, end_ms: int | None = None,
                     limit: int = 1000) -> list[Bar]:
        return await self.rest.klines(symbol, interval, start_ms, end_ms, limit)

    # ------------------------------------------------------------------ stream events

    def _on_market_event(self, event: object) -> None:
        t = type(event)
        if t is DepthDiff:
            d: DepthDiff = event  # type: ignore[assignment]
            sync = self._syncs.get(d.symbol)
            if sync is not None:
                sync.on_diff(d.first_id, d.last_id, d.bids, d.asks, d.ts_event)
            return
        if t is Bar:
            b: Bar = event  # type: ignore[assignment]
            key = (b.symbol, b.interval)
            if key in self._bars and b.open_time > self._bars[key]:
                self._bars[key] = b.open_time
        self._publish(event)

    def _on_market_connect(self, is_reconnect: bool) -> None:
        if not is_reconnect:
            return
        for (symbol, interval), last in list(self._bars.items()):
            if last:
                self._tasks.spawn(self._backfill(symbol, interval, last), name=f"backfill {symbol} {interval.value}")

    async def _backfill(self, symbol: str, interval: Interval, since_ms: int) -> None:
        """Publish every bar from ``since_ms`` on (REST), so a reconnect leaves no bar missing."""
        delay = 0.5
        for attempt in range(5):
            try:
                bars = await backfill(self.rest, symbol, interval, since_ms)
                break
            except (TemporaryError, RateLimited) as exc:
                wait = exc.retry_after_s if isinstance(exc, RateLimited) else delay
                log.warning("%s %s: kline backfill failed (%s); retrying in %.1fs", symbol, interval.value,
                            type(exc).__name__, wait)
                await asyncio.sleep(wait)
                delay *= 2
            except Exception as exc:  # noqa: BLE001
                log.warning("%s %s: kline backfill failed (%s)", symbol, interval.value, type(exc).__name__)
                return
        else:
            return
        key = (symbol, interval)
        for bar in bars:
            if key in self._bars and bar.open_time > self._bars[key]:
                self._bars[key] = bar.open_time
            self.backfilled_bars += 1
            self._publish(bar)

    # ------------------------------------------------------------------ health

    def health(self) -> dict[str, StreamHealth]:
        """Per-stream health plus 'market' (connection, clock offset, REST latency, request rate use) and 'user'.

        The rate figures are venue-neutral: ``rate_used`` of ``rate_limit`` units per minute and ``rate_use`` (their
        ratio, 0..1); for Binance the units are request weight (also under ``weight_used``/``weight_limit``)."""
        out: dict[str, StreamHealth] = {}
        rest = self.rest
        limit = rest.weight_limit_1m or _default_weight_limit()
        conn = self.market.connection_health()
        conn.extra.update(connected=self.market.connected, clock_offset_ms=rest.time_offset_ms,
                          rest_latency_p50_ms=rest.latency_ms(50), rest_latency_p99_ms=rest.latency_ms(99),
                          rate_used=rest.used_weight, rate_limit=limit, rate_use=rest.used_weight / limit,
                          weight_used=rest.used_weight, weight_limit=limit,
                          rate_limit_backoff_s=rest.backoff_remaining_s,
                          ws_api_connected=self.trading is not None and self.trading.connected,
                          ws_api_latency_p50_ms=self.trading.latency_ms(50) if self.trading else None)
        out["market"] = conn
        depth_streams = {self._depth_stream(s): sync for s, sync in self._syncs.items()}
        for name, h in self.market.streams.items():
            snap = h.snapshot()
            sync = depth_streams.get(name)
            if sync is not None:
                snap.gaps, snap.resyncs = sync.gaps, sync.resyncs
                snap.extra.update(synced=sync.synced, update_id=sync.book.update_id)
            out[name] = snap
        if self.user is not None:
            u = self.user
            out["user"] = StreamHealth("user", u.messages, u.last_message_mono, u.reconnects, 0, 0, u.errors,
                                       {"connected": u.connected})
        return out

    # ------------------------------------------------------------------ Execution port

    def now_ms(self) -> int:
        """Venue-clock ms (local time corrected by the measured offset)."""
        return self.rest.now_ms()

    def settle_ms(self) -> int:
        """An unanswered order request may still be accepted this long after it was sent: recvWindow + |clock
        offset| + the offset's measurement uncertainty."""
        return self.rest.settle_ms()

    async def submit(self, request: OrderRequest) -> tuple[Order, list[Fill]]:
        trading = self.trading
        if trading is not None and trading.connected:
            try:
                return await trading.submit(request)
            except NotSent:  # the connection went down before the request left: nothing was sent
                pass
        return await self.rest.submit(request)

    async def test_order(self, request: OrderRequest) -> None:
        await self.rest.test_order(request)

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        if client_order_id in self._lists:  # a member of an order list: the list goes as one (DELETE orderList)
            return await self._cancel_list_member(symbol, client_order_id)
        trading = self.trading
        if trading is not None and trading.connected:
            try:
                return await trading.cancel_order(symbol, client_order_id)
            except NotSent:
                pass
        return await self.rest.cancel_order(symbol, client_order_id)

    async def cancel_all(self, symbol: str) -> list[Order]:
        return await self.rest.cancel_all(symbol)

    async def replace_order(self, symbol: str, client_order_id: str, quantity: Decimal | None = None,
                            price: Decimal | None = None) -> Order:
        raise Rejected("this adapter has no native replace: cancel the order and place a new one")

    async def query_order(self, symbol: str, client_order_id: str) -> Order:
        trading = self.trading
        if trading is not None and trading.connected:
            try:
                return await trading.query_order(symbol, client_order_id)
            except NotSent:
                pass
        return await self.rest.query_order(symbol, client_order_id)

    # ------------------------------------------------------------------ NativeProtection (order lists)

    def can_hold(self, kind: str, requests: Sequence[OrderRequest | None]) -> str:
        """Why this shape of protective group cannot be an order list here ("" when it can): a bracket needs a
        working LIMIT entry, an OCO one stop loss and one take-profit/limit leg, a trailing stop a percentage."""
        return orderlists.can_hold(kind, requests)

    async def submit_oco(self, first: OrderRequest, second: OrderRequest) -> list[Order]:
        """``POST /api/v3/orderList/oco``: the list's and each leg's client id are ours (journaled)."""
        return await self._submit_list(orderlists.OCO_PATH, orderlists.oco_params(first, second), [first, second])

    async def submit_bracket(self, entry: OrderRequest, take_profit: OrderRequest | None,
                             stop_loss: OrderRequest | None) -> list[Order]:
        """``POST /api/v3/orderList/otoco`` (or ``/oto`` with one exit): the exchange places the exits once the
        working entry has filled in full; until then they are PENDING_NEW."""
        path, params = orderlists.bracket_params(entry, take_profit, stop_loss)
        requests = [r for r in (entry, take_profit, stop_loss) if r is not None]
        return await self._submit_list(path, params, requests)

    async def _submit_list(self, path: str, params: dict[str, object], requests: list[OrderRequest]) -> list[Order]:
        list_cid = str(params["listClientOrderId"])
        for r in requests:
            self._lists[r.client_order_id] = (list_cid, r.symbol)
        try:
            data = await self.rest.call("POST", path, params, signed=True)
        except Rejected:
            for r in requests:
                self._lists.pop(r.client_order_id, None)
            raise
        return orderlists.list_orders(data, requests)

    async def _cancel_list_member(self, symbol: str, client_order_id: str) -> Order:
        list_cid, _ = self._lists[client_order_id]
        done = self._lists_cancelled.get(list_cid)
        if done is None:
            try:
                data = await self.rest.call("DELETE", orderlists.LIST_PATH,
                                            {"symbol": symbol, "listClientOrderId": list_cid}, signed=True)
            except UnknownOrder:  # the list already ended (a leg filled, or it was cancelled): ask for the order
                self._forget_list(list_cid)
                return await self.rest.query_order(symbol, client_order_id)
            done = self._lists_cancelled[list_cid] = {o.client_order_id: o for o in orderlists.list_orders(data, [])}
        order = done.get(client_order_id)
        return order if order is not None else await self.rest.query_order(symbol, client_order_id)

    def _forget_list(self, list_cid: str) -> None:
        for cid in [c for c, (lc, _) in self._lists.items() if lc == list_cid]:
            del self._lists[cid]
        self._lists_cancelled.pop(list_cid, None)

    def _on_user_event(self, event: object) -> None:
        if type(event) is orderlists.OrderListStatus:
            status: orderlists.OrderListStatus = event  # type: ignore[assignment]
            if status.reason:
                log.info("order list %s refused: %s", status.list_client_order_id, status.reason)
            if status.done and status.list_client_order_id not in self._lists_cancelled:
                self._forget_list(status.list_client_order_id)
        self._publish(event)

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        return await self.rest.open_orders(symbol)

    async def order_history(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Order]:
        return await self.rest.all_orders(symbol, start_ms, limit)

    async def fills(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> list[Fill]:
        return await self.rest.my_trades(symbol, start_ms, limit)

    async def balances(self) -> list[Balance]:
        return await self.rest.account()

    async def key_permissions(self) -> KeyPermissions | None:
        """What the API key may do (apiRestrictions); None on the testnet, which has no such endpoint (its keys must
        never be sent to the live host to ask)."""
        if self.environment == "testnet" or not self.rest.has_keys:
            return None
        return parse.key_permissions(await self.rest.api_restrictions())

    async def positions(self) -> list[Holding]:
        """Spot holdings: every asset held (free + locked) that is the base of a listed symbol, under the symbol that
        prices it in the first quote currency available (USDT, USDC, ...); no average price (Binance has none)."""
        balances = await self.balances()
        instruments = await self.instruments()
        quotes: tuple[str, ...] = tuple(INFO.extra.get("quote_currencies", ()))
        by_base: dict[str, list[Instrument]] = {}
        for inst in instruments.values():
            by_base.setdefault(inst.base_asset, []).append(inst)
        out = []
        for b in balances:
            qty = b.free + b.locked
            pairs = by_base.get(b.asset)
            if not qty or not pairs:
                continue
            pairs.sort(key=lambda i: (quotes.index(i.quote_asset) if i.quote_asset in quotes else len(quotes),
                                      i.symbol))
            inst = pairs[0]
            out.append(Holding(inst.symbol, qty, None, inst.quote_asset, NAME))
        return out

    def __repr__(self) -> str:
        return f"BinanceVenue({self.environment}, keys={'yes' if self.rest.has_keys else 'no'})"


def _default_weight_limit() -> int:
    return next(r.limit for r in INFO.capabilities.rate_limits if r.kind == "weight")

"""The Session: the async facade over one venue. Every GUI action and every strategy goes through it.

    session = await terminal.connect("sandbox")
    print(await session.ticker("BTCUSDT"))
    order = await session.buy("BTCUSDT", "0.001", price="20000")
    await session.cancel_order("BTCUSDT", order.client_order_id)
    await session.close()

The venue (any adapter from ``venues.registry``) is used only through the ports of ``venues.ports``. It publishes on a
private bus; the session routes order, fill and balance reports through the order manager (which merges and
republishes them) and passes market data straight on to ``session.bus``.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from ..bus import Bus
from ..market.feeds import Feed, Watches
from ..market.gapfill import BarGapFiller
from ..market.history import BarsRequest, klines_frame, load_bars, to_ms
from ..market.history_cache import HistoryCache, cacheable, load_cached
from ..model import (Balance, BalancesUpdated, Bar, BookUpdated, ConnectionChanged, Environment, Fill, Instrument,
                    Interval, Order, OrderBook, OrderRequest, OrderType, OrderUpdated, QuoteTick, Side, Ticker24h,
                    TimeInForce, TradeTick)
from ..model.events import BalanceChanged
from ..model.numbers import InvalidArgument
from ..oms.holdings import DEFAULT_REFERENCE, Equity, Holdings
from ..oms.manager import OrderManager
from ..oms.position import Position
from ..risk.checks import RiskChecks, RiskLimits
from ..risk.errors import AccountStreamDown
from ..risk.failsafe import FailSafe
from ..market.alerts import AlertBook
from ..storage.audit import AuditSink
from ..storage.journal import Journal
from ..storage.writer import shared as shared_writer
from ..tasks import TaskOwner
from ..venues.ports import AuthError, Rejected, SessionExpired, Venue
from . import input as arg
from . import research
from .health import StreamHealth, collect_health
from .protection import ProtectionMixin, make_engine
from .search import rank as search_rank

log = logging.getLogger(__name__)
E = TypeVar("E")

__all__ = ["Session", "SESSION_STREAM"]

#: the ConnectionChanged stream that says the venue's login expired (reason: "<venue>: session expired — log in again")
SESSION_STREAM = "session"


class Session(ProtectionMixin):
    """Use ``await terminal.connect(...)`` to make one."""

    def __init__(self, environment: Environment, venue: Venue, journal: Journal, instruments: dict[str, Instrument], *,
                 bus: Bus | None = None, has_keys: bool = False, keys_problem: str = "", server: Any = None,
                 limits: RiskLimits | None = None, provider: str = "", env: str = "",
                 credentials_source: str | None = None, audit: AuditSink | None = None,
                 alerts_path: Path | None = None,
                 risk_state: str | Path | None = None, history_cache: HistoryCache | None = None) -> None:
        self.environment = environment  # the money class the window shows (SANDBOX, TESTNET, LIVE)
        self.provider = provider or venue.info.name  # registry name, e.g. "binance"
        self.env = env or venue.environment  # the adapter's environment, e.g. "testnet"
        #: where the credentials came from: "arguments", "environment" (variables, this run only), "keyring",
        #: "built-in" (the sandbox's test keys) or None (none)
        self.credentials_source = credentials_source
        self.venue = venue
        self.journal = journal
        self.instruments = instruments
        self.bus = bus or Bus()
        self.has_keys = has_keys
        self.keys_problem = keys_problem
        #: "<venue>: session expired — log in again" once the venue raised SessionExpired (a daily login ran out):
        #: orders are refused and nothing retries until a new session logs in again (File > Reconnect)
        self.expired = ""
        #: what the venue said the API key may do (``keycheck``), and what the user should change, in words
        self.key_permissions: Any = None
        self.key_warnings: list[str] = []
        #: False for a data-only provider (``Capabilities.trading``): market data only, every trading call refused
        #: in words (``data_only``), no user stream, no reconciliation, no balances
        self.trading = bool(getattr(getattr(getattr(venue, "info", None), "capabilities", None), "trading", True))
        self.data_only = "" if self.trading else f"{self.provider} provides market data only: route orders to a broker"
        if not self.trading:
            self.has_keys, self.keys_problem = False, self.data_only
        self.server = server  # the embedded SandboxServer, if this session started one
        self.quotes_cache: dict[str, QuoteTick] = {}
        self.last_prices: dict[str, Decimal] = {}
        self.risk = RiskChecks(instruments, self._balances_for_risk, self._reference_price, limits)
        caps = getattr(getattr(venue, "info", None), "capabilities", None)
        self.risk.spot_balances = not getattr(caps, "margin_account", False)
        self.oms = OrderManager(venue, journal, self.bus, risk=self.risk)  # the venue is the Execution port
        self.audit = audit  # what users and strategies did (storage.audit); the risk checks record every order
        self.risk.attach(self.bus, quote=self._quote_of, last=self.last_prices.get, open_orders=self.oms.open_orders,
                         now_ms=self._now_ms, audit=audit, state_path=risk_state)
        #: fail-safes: strategies on stale data or a dead stream are paused; no order goes out blind (risk.failsafe)
        self.failsafe = FailSafe(self.bus, audit=audit, is_trading=self._symbol_trading, now_ms=self._now_ms)
        self.failsafe.cancel_everything = self._cancel_every_open_order
        #: price and condition alerts (market.alerts): AlertTriggered on the bus, ``alerts.on_trigger(fn)`` for scripts
        self.alerts = AlertBook(self.bus, alerts_path, now_ms=self._now_ms)
        self._watches = Watches(self._start_watch, self._stop_watch)
        self.gapfill = BarGapFiller(_RetryingKlines(self), self.bus.publish)
        #: closed klines are read through this cache when set (market.history_cache): asked of the venue once
        self.history_cache = history_cache
        self._tasks = TaskOwner("session", log)  # reconciles after reconnects, bar gap fills, the kill switch
        self._started = False
        self._closed = False
        #: brackets, OCO groups, trailing stops (session.protection: the app-held engine; the venue's native forms)
        self.protection = make_engine(self)
        venue.bus.subscribe(None, self._route)

    def _now_ms(self) -> int:
        """The venue's clock (a data-only provider may have none: the local clock then)."""
        now = getattr(self.venue, "now_ms", None)
        return int(now()) if callable(now) else int(time.time() * 1000)

    # ------------------------------------------------------------------ lifecycle
    async def _start(self) -> None:
        if self.has_keys and self.trading:
            try:
                with self._expiry():
                    await self.venue.start_user_stream(self._on_user_connect)
                    await self.oms.reconcile()
            except SessionExpired:
                pass  # expired, said once: no retry until the user logs in again
            except AuthError as exc:
                self.has_keys = False
                self.keys_problem = (f"the venue refused the {self.env} API keys ({exc.message}): "
                                     "fix them in Accounts")
                log.error(self.keys_problem)
        if self.has_keys and not self.expired:
            await self.protection.start()  # after reconciliation: re-armed before the first quote is acted on
        self._started = True

    def _on_user_connect(self, is_reconnect: bool) -> None:
        if is_reconnect and not self._closed and not self.expired:
            self._tasks.spawn(self._reconcile_quietly(), name="reconcile")

    async def _reconcile_quietly(self) -> None:
        try:
            with self._expiry():
                await self.oms.reconcile()
        except asyncio.CancelledError:
            raise
        except SessionExpired:
            return  # said once by _expire; no retry
        except Exception as exc:  # noqa: BLE001 - the next (re)connect tries again
            log.warning("reconciliation failed (%s: %s)", type(exc).__name__, exc)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.protection.close()
        await self.failsafe.close()
        self.alerts.close()
        await self._tasks.close()
        await self._watches.close()
        await self.oms.close()  # scheduled look-ups of orders whose outcome is unknown
        await self.venue.close()
        shared_writer().flush()  # the transfers still queued for the journal
        self.journal.close()
        if self.history_cache is not None:
            self.history_cache.close()
        if self.server is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.server.stop)

    async def __aenter__(self) -> "Session":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ event routing
    def _route(self, event: object) -> None:
        if isinstance(event, OrderUpdated):
            self.oms.on_order(event.order)  # merged, journaled and republished by the order manager
            return
        if isinstance(event, Fill):
            self.oms.on_fill(event)
            return
        if isinstance(event, BalancesUpdated):
            self.oms.on_balances(event)
            return
        if isinstance(event, BalanceChanged) and not self._closed:  # a deposit or withdrawal: journaled
            shared_writer().submit(None, functools.partial(self.journal.record_transfer, event),
                                   label="a transfer to the journal")  # (records.transfers) off the loop; published
        if isinstance(event, QuoteTick):
            self.quotes_cache[event.symbol] = event
            self.last_prices.setdefault(event.symbol, (event.bid + event.ask) / 2)
        elif isinstance(event, TradeTick):
            self.last_prices[event.symbol] = event.price
        elif isinstance(event, Ticker24h):
            self.last_prices[event.symbol] = event.last
        elif isinstance(event, Bar):
            self.gapfill.on_bar(event)
        elif isinstance(event, ConnectionChanged):
            if event.stream == "market" and event.connected and event.reason == "reconnected" and not self._closed:
                self._tasks.spawn(self.gapfill.fill(), name="bar gap fill")
        self.bus.publish(event)

    def on(self, event_type: type[E], fn: Callable[[E], None]) -> Callable[[], None]:
        """Call ``fn(event)`` for every event of ``event_type`` on the bus. Returns an unsubscribe function."""
        if not isinstance(event_type, type):
            raise InvalidArgument(f"event_type: expected an event class such as OrderUpdated, got "
                                  f"{type(event_type).__name__}", "event_type")
        if not callable(fn):
            raise InvalidArgument(f"fn: expected a callable, got {type(fn).__name__}", "fn")
        return self.bus.subscribe(event_type, fn)

    # ------------------------------------------------------------------ reference and market data
    def instrument(self, symbol: str) -> Instrument:
        return arg.instrument(symbol, self.instruments)

    def _sym(self, symbol: str) -> str:
        return arg.symbol(symbol, self.instruments)

    async def search(self, text: str, limit: int = 20) -> list[Instrument]:
        """Instruments matching ``text`` (a symbol, its start, or words of its name: "ES", "NIFTY 24 DEC FUT",
        "apple"), best first. A venue with its own search (IB's contract search, Kite's instrument dump) is asked and
        what it finds becomes tradable in this session; the others are searched in ``instruments``."""
        if not isinstance(text, str):
            raise InvalidArgument(f"text: expected a string to search for, got {type(text).__name__}", "text")
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 500:
            raise InvalidArgument(f"limit: expected 1 to 500 results, got {limit!r}", "limit")
        finder = getattr(self.venue, "search", None)
        found: list[Instrument] = []
        if callable(finder) and text.strip():
            found = list(await self.oms.retrying(lambda: finder(text)))
            for ins in found:
                self.instruments.setdefault(ins.symbol, ins)
        local = search_rank(self.instruments.values(), text, limit)
        seen = {ins.symbol for ins in found}
        return (found + [ins for ins in local if ins.symbol not in seen])[:limit]

    async def ticker(self, symbol: str) -> Ticker24h:
        sym = self._sym(symbol)
        t = await self.oms.retrying(lambda: self.venue.ticker(sym))
        self.last_prices[t.symbol] = t.last
        return t

    async def quote(self, symbol: str) -> QuoteTick:
        sym = self._sym(symbol)
        q = await self.oms.retrying(lambda: self.venue.quote(sym))
        self.quotes_cache[q.symbol] = q
        return q

    async def book(self, symbol: str, depth: int = 20) -> OrderBook:
        """A snapshot of the best ``depth`` levels a side (1 to 5000), asked for at the smallest depth the venue
        serves that covers it."""
        sym = self._sym(symbol)
        depth = arg.whole(depth, "depth", 1, arg.MAX_DEPTH)
        levels = self.venue.info.capabilities.depth_levels
        limit = next((n for n in sorted(levels) if n >= depth), max(levels, default=depth))
        update_id, bids, asks = await self.oms.retrying(lambda: self.venue.depth(sym, limit))
        book = OrderBook(sym)
        book.load_snapshot(update_id, bids[:depth], asks[:depth])
        return book

    async def klines(self, symbol: str, interval: str | Interval = "1m", start: Any = None, end: Any = None,
                     limit: int | None = None) -> Any:
        """Bars as a pandas DataFrame (UTC DatetimeIndex of open times; float columns open, high, low, close, volume)."""
        return klines_frame(await self._history(*self._history_args(symbol, interval, start, end, limit)))

    def bars(self, symbol: str, interval: str | Interval = "1m", start: Any = None, end: Any = None,
             limit: int | None = None) -> BarsRequest:
        """``await session.bars(...)`` -> list[Bar] (Decimal-exact history, paged over any range);
        ``async for bar in session.bars(symbol, interval)`` -> live bars (as ``bar_feed``)."""
        args = self._history_args(symbol, interval, start, end, limit)
        return BarsRequest(lambda: self._history(*args), lambda: self.bar_feed(args[0], args[1]))

    def _history_args(self, symbol: Any, interval: Any, start: Any, end: Any,
                      limit: Any) -> tuple[str, Interval, int | None, int | None, int | None]:
        """Checked before anything is requested: known symbol, interval, times, 1 <= limit."""
        return (self._sym(symbol), arg.interval(interval), to_ms(start, "start"), to_ms(end, "end"),
                None if limit is None else arg.whole(limit, "limit", 1))

    async def _history(self, symbol: str, interval: Interval, start_ms: int | None, end_ms: int | None,
                       limit: int | None) -> list[Bar]:
        if self.history_cache is not None and cacheable(interval):
            return await load_cached(self.history_cache, _RetryingKlines(self), symbol, interval, start_ms, end_ms,
                                     limit, self._now_ms())
        return await load_bars(_RetryingKlines(self), symbol, interval, start_ms, end_ms, limit)

    async def download_history(self, symbol: Any, interval: str | Interval, start: Any, end: Any = None,
                               progress: Callable[[int, int], None] | None = None) -> int:
        """Download (or extend) the closed bars of [start, end] (default: up to the newest closed bar) into the kline
        cache; only what it does not cover yet is asked of the venue, page by page (an interrupted download resumes).
        ``progress(done, total)`` after each page. Returns the bars written."""
        sym, iv, start_ms, end_ms, _ = self._history_args(symbol, interval, start, end, None)
        if self.history_cache is None or not cacheable(iv):
            raise InvalidArgument(f"{iv.value} bars are not cached here" if self.history_cache is not None
                                  else "this session keeps no history cache", "interval")
        if start_ms is None:
            raise InvalidArgument("start: a first day (or time) is needed", "start")
        now = self._now_ms()
        last_closed = now - now % iv.ms - iv.ms
        end_ms = last_closed if end_ms is None else min(end_ms, last_closed)
        if end_ms < start_ms:
            raise InvalidArgument("nothing to download: the end is before the start (or no bar has closed since)",
                                  "end")
        return await self.history_cache.download(_RetryingKlines(self).klines, sym, iv, start_ms, end_ms, progress)

    async def record(self, symbols: Any, folder: Any, **options: Any) -> Any:
        """Record the raw market frames of ``symbols`` into daily files under ``folder``; returns the running
        ``records.feed.Recorder`` (``await recorder.stop()``)."""
        from ..records.feed import record
        return await record(self, symbols, folder, **options)

    # ------------------------------------------------------------------ news and fundamentals
    async def news(self, symbol: str | None = None) -> Any:
        """Company news of ``symbol`` (market news without one), newest first, from a provider that serves news:
        records (``.to_frame()`` gives a DataFrame). Rejected from a provider that serves none."""
        if symbol is None:
            return await research.ask(self.venue, self.provider, "market_news", "news", self.oms.retrying)
        return await research.ask(self.venue, self.provider, "news", "news", self.oms.retrying, self._sym(symbol))

    async def watch_news(self, symbol: str) -> None:
        """New headlines about ``symbol`` as they are published, on the bus (``session.on(NewsItem, fn)``, the
        provider's record type, e.g. ``terminal.venues.finnhub.NewsItem``). Rejected from a provider that streams
        no news (then poll ``news(symbol)``)."""
        await research.ask(self.venue, self.provider, "watch_news", "news stream", self.oms.retrying,
                           self._sym(symbol))

    async def unwatch_news(self, symbol: str) -> None:
        """Stop the headlines of ``symbol`` (nothing happens when they were not watched)."""
        await research.ask(self.venue, self.provider, "unwatch_news", "news stream", self.oms.retrying,
                           self._sym(symbol))

    async def fundamentals(self, symbol: str) -> Any:
        """Profile, key metrics and next earnings of ``symbol`` (``.to_frame()`` gives a DataFrame)."""
        return await research.ask(self.venue, self.provider, "fundamentals", "fundamentals", self.oms.retrying,
                                  self._sym(symbol))

    # ------------------------------------------------------------------ streams
    async def _start_watch(self, key: tuple[str, ...]) -> None:
        kind, symbol = key[0], key[1]
        if kind == "quotes":
            await self.venue.watch_quotes(symbol)
        elif kind == "book":
            await self.venue.watch_book(symbol)
        elif kind == "bars":
            self.gapfill.track(symbol, Interval.parse(key[2]))
            await self.venue.watch_bars(symbol, Interval.parse(key[2]))

    async def _stop_watch(self, key: tuple[str, ...]) -> None:
        kind, symbol = key[0], key[1]
        if kind == "quotes":
            await self.venue.unwatch_quotes(symbol)
        elif kind == "book":
            await self.venue.unwatch_book(symbol)
        elif kind == "bars":
            self.gapfill.untrack(symbol, Interval.parse(key[2]))
            await self.venue.unwatch_bars(symbol, Interval.parse(key[2]))

    async def watch(self, symbol: str) -> None:
        """Quotes, trades and the 24 h ticker of ``symbol`` on the bus (reference counted)."""
        await self._watches.acquire(("quotes", self._sym(symbol)))

    async def unwatch(self, symbol: str) -> None:
        await self._watches.release(("quotes", self._sym(symbol)))

    async def watch_book(self, symbol: str) -> None:
        await self._watches.acquire(("book", self._sym(symbol)))

    async def unwatch_book(self, symbol: str) -> None:
        await self._watches.release(("book", self._sym(symbol)))

    async def watch_bars(self, symbol: str, interval: str | Interval = "1m") -> None:
        await self._watches.acquire(("bars", self._sym(symbol), _iv(interval)))

    async def unwatch_bars(self, symbol: str, interval: str | Interval = "1m") -> None:
        await self._watches.release(("bars", self._sym(symbol), _iv(interval)))

    def _feed(self, event_type: type[E], symbol: str, key: tuple[str, ...],
              extra: Callable[[Any], bool] | None = None) -> Feed[E]:
        def accept(event: Any) -> bool:
            return bool(event.symbol == symbol and (extra is None or extra(event)))
        return Feed(self.bus, event_type, accept, self._watches, [key])

    def quotes(self, symbol: str) -> Feed[QuoteTick]:
        sym = self._sym(symbol)
        return self._feed(QuoteTick, sym, ("quotes", sym))

    def trades(self, symbol: str) -> Feed[TradeTick]:
        sym = self._sym(symbol)
        return self._feed(TradeTick, sym, ("quotes", sym))

    def tickers(self, symbol: str) -> Feed[Ticker24h]:
        sym = self._sym(symbol)
        return self._feed(Ticker24h, sym, ("quotes", sym))

    def books(self, symbol: str) -> Feed[BookUpdated]:
        sym = self._sym(symbol)
        return self._feed(BookUpdated, sym, ("book", sym))

    def bar_feed(self, symbol: str, interval: str | Interval = "1m") -> Feed[Bar]:
        sym, iv = self._sym(symbol), _iv(interval)
        return self._feed(Bar, sym, ("bars", sym, iv), lambda b: b.interval.value == iv)

    def connections(self) -> Feed[ConnectionChanged]:
        return Feed(self.bus, ConnectionChanged, lambda e: True, None, [])

    # ------------------------------------------------------------------ trading
    @contextlib.contextmanager
    def _expiry(self) -> Iterator[None]:
        """Marks the session expired when the venue says its login expired (and lets the error go on)."""
        try:
            yield
        except SessionExpired as exc:
            self._expire(exc)
            raise

    def _expire(self, exc: SessionExpired) -> None:
        if self.expired:
            return
        self.expired = f"{self.provider}: session expired — log in again"
        log.error("%s (%s)", self.expired, exc.message)
        self.bus.publish(ConnectionChanged(SESSION_STREAM, False, self.expired, ts_recv=self._now_ms()))

    def _require_trading(self) -> None:
        if not self.trading:
            raise Rejected(self.data_only)

    def _require_keys(self) -> None:
        self._require_trading()
        if self.expired:
            raise SessionExpired(f"{self.expired}: File > Reconnect")
        if not self.has_keys:
            raise AuthError(self.keys_problem or f"no API keys for {self.environment.value}: add them in Accounts")

    def _symbol_trading(self, symbol: str) -> bool:
        """The symbol's market is open now (a closed market's silence is not a failure)."""
        ins = self.instruments.get(symbol)
        return ins is None or ins.is_open(self._now_ms())

    def _balances_for_risk(self) -> dict[str, Balance]:
        return self.oms.balances()

    def _reference_price(self, symbol: str, side: Side) -> Decimal | None:
        q = self.quotes_cache.get(symbol)
        if q is not None:
            return q.ask if side is Side.BUY else q.bid
        return self.last_prices.get(symbol)

    def _quote_of(self, symbol: str) -> tuple[Decimal, Decimal] | None:
        q = self.quotes_cache.get(symbol)
        return None if q is None else (q.bid, q.ask)

    async def place_order(self, request: OrderRequest) -> Order:
        """Check, journal, send. Raises InvalidArgument (OrderValidationError, NumberError, UnknownSymbol) or
        PreTradeError before anything is journaled or sent, OrderRejected with the venue's message, AuthError without
        keys, Rejected at once from a data-only provider."""
        self._require_trading()
        request = arg.checked_request(request, self.instruments, self._default_tif())
        info = getattr(self.venue, "info", None)
        if info is not None:
            arg.check_supported(request, info.capabilities, info.title)
        self._require_keys()
        blind = self.failsafe.account_stream_problem()
        if blind is not None:
            raise AccountStreamDown(f"order refused: {blind}; an order sent now could not be followed (its fills "
                                    "would not be seen). It will be accepted again once the stream is back.")
        sym = request.symbol
        if self.risk.needs_reference(request) and self._reference_price(sym, request.side) is None:
            # the static filters first: no quote is fetched for an order that cannot pass them
            self.instrument(sym).validate_order(request.side, request.type, request.quantity, request.price,
                                                request.stop_price, request.quote_quantity,
                                                time_in_force=request.time_in_force)
            try:
                await self.quote(sym)
            except Exception as exc:  # noqa: BLE001 - the venue still checks the order
                log.info("no reference price for %s (%s)", sym, type(exc).__name__)
        with self._expiry():
            return await self.oms.place(request)

    def _default_tif(self) -> TimeInForce:
        """The time in force of an order that names none: GTC where the venue has it, else DAY (a broker without GTC,
        e.g. Kite), else the first the venue declares."""
        declared = getattr(getattr(getattr(self.venue, "info", None), "capabilities", None), "time_in_force", None)
        if not declared or TimeInForce.GTC.name in declared:
            return TimeInForce.GTC
        return TimeInForce.DAY if TimeInForce.DAY.name in declared else TimeInForce[sorted(declared)[0]]

    async def buy(self, symbol: str, quantity: Any = None, price: Any = None, *, type: Any = None,
                  time_in_force: Any = None, stop_price: Any = None, quote_quantity: Any = None,
                  client_order_id: str | None = None) -> Order:
        """LIMIT (GTC) if ``price`` is given, else MARKET. ``quote_quantity=`` buys for an amount of quote asset
        (MARKET only, instead of ``quantity``). Amounts are str, int or Decimal (never float); ``type`` and
        ``time_in_force`` an OrderType/TimeInForce or its name."""
        self._require_trading()
        return await self.place_order(arg.order_request(
            self._sym(symbol), Side.BUY, quantity, price, type=type, time_in_force=time_in_force,
            stop_price=stop_price, quote_quantity=quote_quantity, cid=client_order_id,
            default_tif=self._default_tif()))

    async def sell(self, symbol: str, quantity: Any = None, price: Any = None, *, type: Any = None,
                   time_in_force: Any = None, stop_price: Any = None, quote_quantity: Any = None,
                   client_order_id: str | None = None) -> Order:
        """As ``buy``."""
        self._require_trading()
        return await self.place_order(arg.order_request(
            self._sym(symbol), Side.SELL, quantity, price, type=type, time_in_force=time_in_force,
            stop_price=stop_price, quote_quantity=quote_quantity, cid=client_order_id,
            default_tif=self._default_tif()))

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        sym, cid = self._sym(symbol), arg.client_order_id(client_order_id)
        self._require_keys()
        self.risk.check_cancel(self.oms.order(cid), sym, cid)  # the cancels-per-minute limit; audited
        with self._expiry():
            return await self.oms.cancel(sym, cid)

    async def _cancel_every_open_order(self) -> int:
        """Every open order of this session, cancelled symbol by symbol (the fail-safe's cancel on disconnect)."""
        symbols = sorted({o.symbol for o in self.oms.open_orders()})
        done = 0
        for sym in symbols:
            with self._expiry():
                done += len(await self.oms.cancel_all(sym))
        return done

    async def cancel_all(self, symbol: str) -> list[Order]:
        sym = self._sym(symbol)
        self._require_keys()
        with self._expiry():
            return await self.oms.cancel_all(sym)

    async def replace_order(self, symbol: str, client_order_id: str, *, quantity: Any = None,
                            price: Any = None, stop_price: Any = None) -> Order:
        """Cancel, then place the same order with a new quantity, price and/or stop price. CancelFailed if the
        cancel fails (then nothing new is placed)."""
        sym, cid = self._sym(symbol), arg.client_order_id(client_order_id)
        qty, px = arg.amount(quantity, "quantity"), arg.amount(price, "price")
        stop = arg.amount(stop_price, "stop_price")
        self._require_keys()
        if self.audit is not None:
            self.audit.record("order.modify", "user", symbol=sym, client_order_id=cid, quantity=qty, price=px,
                              stop_price=stop)
        with self._expiry():
            return await self.oms.replace(sym, cid, quantity=qty, price=px, stop_price=stop)

    async def query_order(self, symbol: str, client_order_id: str) -> Order:
        sym, cid = self._sym(symbol), arg.client_order_id(client_order_id)
        self._require_keys()
        return self.oms.on_order(await self.oms.retrying(lambda: self.venue.query_order(sym, cid)))

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Open orders from the local, reconciled cache."""
        return self.oms.open_orders(arg.optional_symbol(symbol, self.instruments))

    async def order_history(self, symbol: str | None = None) -> list[Order]:
        """Orders oldest first; with a symbol, the venue's order history is merged in first."""
        sym = arg.optional_symbol(symbol, self.instruments)
        if sym is not None and self.has_keys:
            for o in await self.oms.retrying(lambda: self.venue.order_history(sym)):
                self.oms.on_order(o)
        return self.journal.orders(sym)

    async def fills(self, symbol: str | None = None) -> list[Fill]:
        """Fills oldest first; with a symbol, the venue's recent trades are merged in first."""
        sym = arg.optional_symbol(symbol, self.instruments)
        if sym is not None and self.has_keys:
            for f in await self.oms.retrying(lambda: self.venue.fills(sym)):
                self.oms.on_fill(f)
        return self.journal.fills(sym)

    def balances(self) -> dict[str, Balance]:
        return self.oms.balances()

    async def refresh_balances(self) -> dict[str, Balance]:
        self._require_keys()
        self.oms.on_balances(await self.oms.retrying(self.venue.balances), full=True)
        return self.oms.balances()

    def positions(self, reference: str = DEFAULT_REFERENCE) -> dict[str, Position]:
        """Positions by symbol (Decimal qty, average price, realised and unrealised P&L in the quote asset).

        Spot: the holding of each asset (its balance, free + locked), keyed by the symbol that prices it, with the
        average price and P&L from the journal's fills; ``partial``/``history_note()`` say when those do not explain
        the whole balance (a deposit), ``value_ref`` is the holding in ``reference``. Other asset classes: what this
        terminal's fills add up to."""
        return self._holdings(reference, self.journal.fills()).positions(self.last_prices)

    def equity(self, reference: str = DEFAULT_REFERENCE) -> Equity:
        """Every balance valued in ``reference`` at the last prices (assets with no price yet are listed apart)."""
        return self._holdings(reference, []).equity(self.last_prices)

    def _holdings(self, reference: str, fills: list[Fill]) -> Holdings:
        if not isinstance(reference, str) or not reference.strip():
            raise InvalidArgument(f"reference: expected an asset such as 'USDT', got {reference!r}", "reference")
        holdings = Holdings(self.instruments, reference.strip().upper())
        holdings.add_fills(fills)
        if self.has_keys:  # without keys there are no balances: the fills alone
            holdings.set_balances(self.oms.balances().values())
        return holdings

    def health(self) -> dict[str, StreamHealth]:
        return collect_health(self.venue, self.oms.reconciles, self.risk.killed)

    def kill_switch(self, on: bool = True) -> asyncio.Task[list[Order]] | None:
        """On: block new orders and cancel every open order (returns the cancelling task). Off: allow orders again."""
        on = arg.flag(on, "on")
        if self.audit is not None and on != self.risk.killed:
            self.audit.record("kill_switch", "user", on=on)
        self.risk.killed = on
        if not on or not self.has_keys:
            return None
        return self._tasks.spawn(self._cancel_everything(), name="kill switch")

    @property
    def trading_locked(self) -> bool:
        """True while the kill switch is on: every new order is refused (KillSwitchActive) until it is turned off."""
        return self.risk.killed

    async def flatten_positions(self, reference: str = DEFAULT_REFERENCE) -> tuple[list[Order], list[str]]:
        """Close every position with MARKET orders, snapped down to the lot step (what is under one step or under the
        venue's minimums stays). These orders pass the kill switch: it is how the switch closes the positions.
        Returns the orders and, per symbol that could not be closed, why."""
        self._require_keys()
        orders: list[Order] = []
        problems: list[str] = []
        balances = self.oms.balances()
        for sym, pos in sorted(self.positions(reference).items()):
            ins = self.instruments.get(sym)
            if ins is None or not pos.qty:
                continue
            held = balances.get(ins.base_asset)
            qty = -pos.qty if pos.qty < 0 else (min(pos.qty, held.free) if held is not None else pos.qty)
            qty = ins.snap_qty(qty, "down", market=True)
            if qty <= 0:
                continue
            side = Side.SELL if pos.qty > 0 else Side.BUY
            request = OrderRequest(sym, side, OrderType.MARKET, qty)
            try:
                ins.validate_order(side, OrderType.MARKET, qty, None, None, None,
                                   reference_price=self._reference_price(sym, side))
            except InvalidArgument as exc:  # dust under the minimums: nothing a market order can close
                log.info("flatten: %s %s left (%s)", ins.format_qty(qty), sym, exc)
                continue
            self.risk.kill_exempt.add(request.client_order_id)
            try:
                orders.append(await self.place_order(request))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - one symbol refused never stops the others from closing
                problems.append(f"{sym}: {type(exc).__name__}: {getattr(exc, 'message', exc)}")
            finally:
                self.risk.kill_exempt.discard(request.client_order_id)
        if self.audit is not None:
            self.audit.record("flatten", "user", orders=len(orders), refused=len(problems))
        return orders, problems

    async def _cancel_everything(self) -> list[Order]:
        symbols = {o.symbol for o in self.oms.open_orders()}
        symbols |= {o.symbol for o in await self.oms.retrying(lambda: self.venue.open_orders(None))}
        out: list[Order] = []
        for sym in sorted(symbols):
            out.extend(await self.oms.cancel_all(sym))
        return out

    def __repr__(self) -> str:
        return f"Session({self.provider} {self.env}, keys={'yes' if self.has_keys else 'no'})"


class _RetryingKlines:
    """Kline pages through the order manager's retry policy (rate limits and temporary errors are waited out)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def klines(self, symbol: str, interval: Interval, start_ms: int | None = None, end_ms: int | None = None,
                     limit: int = 1000) -> list[Bar]:
        venue = self._session.venue
        return await self._session.oms.retrying(lambda: venue.klines(symbol, interval, start_ms, end_ms, limit))


def _iv(interval: str | Interval) -> str:
    return arg.interval(interval).value


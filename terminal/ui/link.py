"""Wires the window's venues to the window: bridge batches into models, user actions into awaited session calls.

The link holds a ``Workspace``: the session the window connected to (its instruments keep their bare symbols) and
any venue added with ``add_venue`` (File > Add venue…; instruments by qualified id, ``AAPL@paper``). Orders, cancels
and subscriptions go through ``WindowVenues`` to the right session; every venue's events reach the bridge through
the workspace's bus, and an order reaches the blotters only that way (once).

Everything here runs on the GUI thread's asyncio loop (qasync). Session calls are awaited in tasks the link owns;
expected failures become a status message, anything else is logged with its type.
"""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Coroutine

import numpy as np

from .. import model as m
from ..model import ZERO
from ..session.workspace import Workspace
from ..storage.settings import Settings
from .venues import WindowVenues

if TYPE_CHECKING:
    from .mainwindow import MainWindow

log = logging.getLogger(__name__)
BARS = 600


class SessionLink:
    def __init__(self, window: "MainWindow", session: Any) -> None:
        self.w = window
        self.session = session
        self.symbol = ""
        self.interval = window.settings.chart_interval or "1m"
        self._book_symbol = ""
        self._bars_key: tuple[str, str] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._select_gen = 0
        self.last_prices: dict[str, Decimal] = {}
        self._connections: list[tuple[Any, Any]] = []
        self.workspace = Workspace(window.settings.reference_currency or "USDT")
        self.workspace.attach(session.provider, session)
        self.venues = WindowVenues(self.workspace, session.provider)
        #: the venues added with ``add_venue`` (provider, options), in order: File > Reconnect adds them again
        self.added: list[tuple[str, dict[str, Any]]] = []
        self.chart_lines: list[Any] = []
        self.chart_markers: list[tuple[float, float, str]] = []
        self._lines_dirty = False
        self._oe_dirty = False

    # ---- tasks ---------------------------------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any], what: str = "") -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._done(t, what))
        return task

    def _done(self, task: asyncio.Task[Any], what: str) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.warning("%s failed: %s: %s", what or "task", type(exc).__name__, getattr(exc, "message", exc))
            self.w.status.showMessage(f"{what or 'request'} failed: {type(exc).__name__}", 5000)

    async def idle(self) -> None:
        """Wait for the link's outstanding tasks (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # ---- attach --------------------------------------------------------------------------------------------
    async def attach(self) -> None:
        s, w, v = self.session, self.w, self.venues
        w.instruments = v.instruments()
        w.watchlist.set_instruments(w.instruments)
        w.status.set_environment(s.environment)
        w.order_entry.set_environment(s.environment)
        w.order_entry.placer = v.place_order
        w.order_entry.capabilities_of = v.capabilities
        w.order_entry.bracket_placer = v.place_bracket
        w.order_entry.trailing_placer = v.place_trailing_stop
        w.order_entry.holds_natively = v.holds_natively
        w.order_entry.balance_of = self._free
        w.order_entry.set_trading_enabled(bool(s.has_keys), s.keys_problem or "no API keys")
        w.status.set_trading(bool(s.has_keys), s.keys_problem)
        w.status.set_expired(s.expired)  # said before the window was listening (while connecting), or ""
        self.show_key_warnings()
        self._attach_alerts(s)
        if not s.has_keys:
            w.status.showMessage(f"Trading disabled: {s.keys_problem}", 15000)
        w.blotters.canceller = v.cancel_order
        w.blotters.cancel_all_fn = v.cancel_all
        if hasattr(w.chart, "set_trading_enabled"):  # trading from the chart: drag, x, right-click menu
            from .chart.trading import ChartTrading
            # its orders reach the blotters and the lines through the bus like every other order
            self.chart_trading = ChartTrading(w, v, self.spawn, lambda: self.symbol, self._mark_lines)
            w.chart.set_trading_enabled(bool(s.has_keys), s.keys_problem or "no API keys")
            self._connect(*self.chart_trading.connections())
        if hasattr(w.chart, "protection_lines"):  # protective groups: lines on the chart, the Protection tab
            from .chart.protection import ChartProtection
            self.chart_protection = ChartProtection(w, v, self.spawn, lambda: self.symbol, self._mark_lines)
            self._connect(*self.chart_protection.connections())
            if hasattr(w.blotters, "on_protection"):
                self.chart_protection.listeners.append(w.blotters.on_protection)
                w.blotters.protection_canceller = v.cancel_protection
                w.blotters.stop_attacher = v.attach_stop
        w.blotters.replacer = v.replace_order  # modify = cancel-replace, with the ticket's confirmation rules
        w.blotters.environment = s.environment
        w.blotters.needs_confirmation = w.order_entry.needs_confirmation
        w.blotters.confirm = lambda text: w.order_entry.confirm(text)
        w.blotters.set_instruments(w.instruments)
        w.blotters.set_reference(w.settings.reference_currency)
        w.blotters.balances_model.venue = v.primary
        w.blotters.venues_model.fx_note = f"FX: {self.workspace.fx.describe()}"
        b = w.bridge
        self._connect(
            (b.quotes, self._on_quotes), (b.tickers, self._on_tickers), (b.trades, self._on_trades),
            (b.books, w.book_trades.on_books), (b.bars, self._on_bars), (b.orders, self._on_orders),
            (b.fills, self._on_fills), (b.balances, self._on_balances), (b.frame, self._on_frame),
            (w.watchlist.symbol_selected, self.select),
            (w.watchlist.symbol_added, lambda sym: self.spawn(v.watch(sym), f"watch {sym}")),
            (w.watchlist.symbol_removed, lambda sym: self.spawn(v.unwatch(sym), f"unwatch {sym}")),
            (w.book_trades.price_clicked, w.order_entry.set_price),
            (w.chart.price_clicked, lambda p: w.order_entry.set_price(Decimal(repr(p)))),
            (w.chart.timeframe_changed, self.set_interval),
            (w.chart.range_requested, self._on_history_needed),
            (w.blotters.reference_changed, self._on_reference),
            (w.watchlist.data_source_chosen, lambda sym, venue: self.spawn(self.route(sym, venue), f"route {sym}")),
            (w.watchlist.search_requested, lambda text: self.spawn(self.search(text), f"search {text}")),
            (w.watchlist.alert_requested, self._on_alert_symbol))
        if hasattr(w.chart, "alert_requested"):
            self._connect((w.chart.alert_requested, self._on_alert_price))
        w.watchlist.data_sources = lambda sym: v.data_sources(sym) if sym in w.instruments else []
        w.watchlist.data_source_of = lambda sym: v.data_source(sym) if sym in w.instruments else ""
        b.attach_workspace(self.workspace.bus, v.primary)
        w.news.bind(self)  # headlines and fundamentals from the window's news provider (Finnhub), if any
        w.data.bind(self)  # the Data dock: the history caches of the window's venues
        w.fundamentals.bind(self)
        # seed the blotters from the session's state (bus events after this point update them)
        for mdl in w.blotters.models():
            mdl.reset([])
        if s.has_keys:  # without keys there are no balances: positions from the journal's fills alone
            w.blotters.on_balances(list(s.balances().values()))
        w.blotters.on_orders(s.open_orders())
        w.blotters.flush()
        for sym in w.watchlist.symbols():  # already listed (a reconnect): watch them on this session
            if sym in w.instruments:
                self.spawn(v.watch(sym), f"watch {sym}")
        wanted = [x for x in (w.settings.watchlist or []) if x in s.instruments]
        if w.settings.watchlist == Settings().watchlist or not wanted:
            for sym in list(s.instruments):  # a first run shows the venue's first dozen symbols
                if sym not in wanted and len(wanted) < 12:
                    wanted.append(sym)
        for sym in wanted:
            w.watchlist.add_symbol(sym)
        first = w.settings.chart_symbol if w.settings.chart_symbol in s.instruments else wanted[0]
        w.watchlist.select(first)
        self.select(first)
        self.spawn(self._load_history(v.primary), "order history")
        self._health_timer_start()
        from .accounts import VenueAccounts  # account figures, holdings, venue positions, market notes
        self.accounts = VenueAccounts(self)
        self.accounts.refresh_soon()

    async def add_venue(self, provider: str, **options: Any) -> str:
        """Connect ``provider`` next to the window's venues (``Workspace.add``); its instruments join the watchlist's
        choices by qualified id, its orders, fills and balances the blotters (with a Venue column). Returns its name."""
        w, v = self.w, self.venues
        session = await self.workspace.add(provider, **options)
        name = next(n for n, x in self.workspace.sessions.items() if x is session)
        w.instruments = v.instruments()
        w.watchlist.set_instruments(w.instruments)
        w.blotters.set_instruments(w.instruments)
        w.blotters.set_multi_venue(True)
        if session.has_keys:
            w.blotters.on_balances([self._venue_balance(b, name) for b in session.balances().values()])
        w.blotters.on_orders([o for n, o in self.workspace.open_orders() if n == name])
        w.blotters.flush()
        self.added.append((provider, dict(options)))
        if session.expired:
            w.status.set_expired(session.expired)
        self.show_key_warnings()
        for key in w.watchlist.symbols():  # already listed (the venue comes back after a reconnect): watch them
            if key in w.instruments and v.target(key)[0] == name:
                self.spawn(v.watch(key), f"watch {key}")
        self.spawn(self._load_history(name), f"{name} order history")
        log.info("added venue %s (%s %s, %d instruments)", name, session.provider, session.env,
                 len(session.instruments))
        w.news.sources_changed()  # a news provider may have come
        w.data.sources_changed()
        w.fundamentals.sources_changed()
        self.refresh_health()
        if hasattr(self, "accounts"):
            self.accounts.refresh_soon()
        return name

    def _attach_alerts(self, s: Any) -> None:
        """The Alerts dock on the session's AlertBook; alerts kept in the window's folder when the session keeps
        none (an in-process exchange): they survive restarts either way."""
        w = self.w
        book = getattr(s, "alerts", None)
        if book is None:
            return
        if book.path is None and w.settings_dir is not None:
            book.use_file(Path(w.settings_dir) / f"alerts-{s.provider}-{s.env}.json")
        w.alerts.status_message = w.status.showMessage
        w.alerts.set_book(book)
        self._alerts_fired: list[Any] = []
        from ..market.alerts import AlertTriggered
        self._alerts_unsub = s.bus.subscribe(AlertTriggered, self._alerts_fired.append)

    def _on_alert_symbol(self, key: str) -> None:
        """Watchlist right-click: the Alerts dock's form with the symbol and its last price, in front."""
        w = self.w
        w.alerts.prefill(key, self.last_prices.get(key))
        if "alerts" in w.docks:
            w.docks["alerts"].show()
            w.docks["alerts"].raise_()

    def _on_alert_price(self, price: Any) -> None:
        """Chart right-click: an alert at that price on the chart's symbol (above the last price: crosses above)."""
        if self.symbol:
            self.w.alerts.add_price_alert(self.symbol, Decimal(str(price)), self.last_prices.get(self.symbol))

    def show_key_warnings(self) -> None:
        """Key hygiene: what each venue said of its API key, in red in the status bar (Session.key_warnings)."""
        self.w.status.set_key_warnings({name: list(getattr(s, "key_warnings", []))
                                        for name, s in self.workspace.sessions.items()})

    async def search(self, text: str) -> list[tuple[str, str]]:
        """The watchlist's search: every venue asked (``Workspace.search``); what they found joins the window's
        instruments (by the window's keys) and is offered under the entry."""
        w, v = self.w, self.venues
        found = await self.workspace.search(text)
        results: list[tuple[str, str]] = []
        for qualified, ins in found:
            symbol, _, venue = qualified.rpartition("@")
            key = v.key(venue, symbol)
            w.instruments.setdefault(key, ins)
            results.append((key, ins.title))
        w.watchlist.set_instruments(w.instruments)
        w.blotters.set_instruments(w.instruments)
        w.watchlist.show_results(text, results)
        return results

    async def route(self, key: str, data_venue: str) -> None:
        """Take ``key``'s market data from ``data_venue`` (the watchlist's "Market data from" menu): its quotes, book
        and bars move to that venue's session; its orders still go to its own venue."""
        v = self.venues
        if v.data_source(key) == data_venue:
            return
        watched = key in self.w.watchlist.symbols()
        selected = key == self.symbol
        if watched:
            await v.unwatch(key)
        if selected:
            if self._book_symbol == key:
                await v.unwatch_book(key)
                self._book_symbol = ""
            if self._bars_key is not None and self._bars_key[0] == key:
                await v.unwatch_bars(*self._bars_key)
                self._bars_key = None
        venue, _, sym = v.target(key)
        self.workspace.route(v.qualified(key), data=None if data_venue == venue else data_venue, symbol=sym)
        log.info("%s: market data from %s, orders to %s", v.qualified(key), data_venue, venue,
                 extra={"venue": venue})
        if watched:
            await v.watch(key)
        self.w.news.sources_changed()  # the symbol's news provider ticker may be the routed one
        if selected:
            self._chart_title()
            self.w.fundamentals.sources_changed()
            self._select_gen += 1
            await self._switch_streams(key, self.interval, self._select_gen)

    def _venue_balance(self, b: m.Balance, venue: str) -> m.Balance:
        from .bridge import VenueBalance
        return VenueBalance(b.asset, b.free, b.locked, venue)

    def _on_reference(self, asset: str) -> None:
        self.w.settings.reference_currency = asset
        self.workspace.reference = asset
        self.refresh_health()

    def _mark_lines(self, _order: object = None) -> None:
        self._lines_dirty = True

    async def _load_history(self, venue: str) -> None:
        w = self.w
        orders = await self.venues.order_history(venue)
        fills = await self.venues.fills(venue)
        w.blotters.load_history(orders, fills)
        w.blotters.on_prices(dict(self.last_prices))
        w.blotters.flush()
        self._chart_markers()

    def _health_timer_start(self) -> None:
        from PySide6.QtCore import QTimer
        self._health_timer = QTimer(self.w)
        self._health_timer.timeout.connect(self.refresh_health)
        self._health_timer.start(1000)
        self.refresh_health()

    def refresh_health(self) -> None:
        try:
            health = self.session.health()
        except Exception as exc:  # health is advisory
            log.debug("health failed: %s", type(exc).__name__)
            return
        self.w.health.on_health(health)
        mk = health.get("market")
        extra = getattr(mk, "extra", {}) if mk is not None else {}
        budgets = self._request_budgets(health)
        weight = self.session.provider not in {b[0] for b in budgets}  # a request budget is said as such, not weight
        self.w.status.set_health(extra.get("rest_latency_p50_ms"), extra.get("clock_offset_ms"),
                                 extra.get("rate_used") if weight else None,
                                 extra.get("rate_limit") if weight else None)  # the venue's request weight
        self.w.status.set_budgets(budgets)
        self._refresh_venues()

    def _request_budgets(self, primary_health: Any) -> list[tuple[str, int, int, float]]:
        """``(venue, used, limit, window_s)`` of each venue whose adapter declares a per-minute request budget and
        reports its use (Finnhub's ``rate_used``/``rate_limit``: requests, not Binance's weight)."""
        from ..venues import registry
        out: list[tuple[str, int, int, float]] = []
        for name, s in self.workspace.sessions.items():
            try:
                limits = registry.info(s.provider).capabilities.rate_limits
                per_minute = next((r for r in limits if r.kind == "requests" and r.interval_s == 60), None)
                if per_minute is None:
                    continue
                health = primary_health if s is self.session else s.health()
                extra = getattr(health.get("market"), "extra", {})
            except Exception as exc:  # health is advisory
                log.debug("budget of %s: %s", name, type(exc).__name__)
                continue
            if extra.get("rate_used") is not None and extra.get("rate_limit"):
                out.append((name, int(extra["rate_used"]), int(extra["rate_limit"]), per_minute.interval_s))
        return out

    def _refresh_venues(self) -> None:
        """Each venue's connection in the status bar and its equity in the Venues tab (several venues only)."""
        ws = self.workspace
        states: dict[str, tuple[bool, str]] = {}
        for name in ws.sessions:
            down = sorted(st for (v, st), c in ws.connection_states.items() if v == name and not c.connected)
            states[name] = (not down, f"reconnecting {', '.join(down)}" if down else "connected")
            if ws.sessions[name].expired:  # its login ran out: nothing reconnects until File > Reconnect
                states[name] = (False, "session expired — log in again")
        self.w.status.set_venues(states)
        if len(ws.sessions) < 2:
            return
        try:
            equity = ws.equity()
        except Exception as exc:  # advisory, like health
            log.debug("equity failed: %s", type(exc).__name__)
            return
        self.w.blotters.on_venues(equity, {n: x.env for n, x in ws.sessions.items()},
                                  {n: text for n, (_, text) in states.items()})

    def _free(self, asset: str) -> Decimal:
        venue = self.venues.target(self.symbol)[0] if self.symbol else self.venues.primary
        shown = "" if venue == self.venues.primary else venue
        b = self.w.blotters.balances_model.balance(asset, shown) or \
            self.workspace.session(venue).balances().get(asset)
        return b.free if b is not None else ZERO

    # ---- selection -----------------------------------------------------------------------------------------
    def select(self, symbol: str) -> None:
        if symbol == self.symbol or symbol not in self.w.instruments:
            return
        self.symbol = symbol
        ins = self.w.instruments[symbol]
        w = self.w
        w.order_entry.set_instrument(ins)
        w.order_entry.set_last_price(self.last_prices.get(symbol))
        w.book_trades.set_symbol(symbol, ins)
        w.news.set_symbol(symbol)
        w.fundamentals.set_symbol(symbol)
        w.chart.set_symbol(symbol, ins.price_decimals, snap=ins.snap_price)  # clears it until its bars come
        if hasattr(w.chart, "set_timeframe"):
            w.chart.set_timeframe(self.interval)
        self._chart_title()
        self._select_gen += 1
        self.spawn(self._switch_streams(symbol, self.interval, self._select_gen), f"load {symbol}")
        self._chart_lines()
        self._chart_markers()
        if hasattr(self, "accounts"):
            self.accounts.update_notes()

    def set_interval(self, interval: str) -> None:
        if interval == self.interval:
            return
        self.interval = interval
        self._chart_title()
        self._select_gen += 1
        self.spawn(self._switch_streams(self.symbol, interval, self._select_gen), f"load {interval}")

    def _chart_title(self) -> None:
        """"Chart · AAPL@paper · 1m · data: paper" (the data source once the window holds several venues)."""
        title = f"Chart · {self.symbol} · {self.interval}"
        if len(self.workspace.sessions) > 1:
            title += f" · data: {self.venues.data_source(self.symbol)}"
        self.w.docks["chart"].setWindowTitle(title)

    async def _switch_streams(self, symbol: str, interval: str, gen: int) -> None:
        s = self.venues
        if self._book_symbol != symbol:
            old, self._book_symbol = self._book_symbol, symbol
            if old:
                await s.unwatch_book(old)
            if self._streams_depth(symbol):  # a data provider without a book (Finnhub): bars and quotes only
                await s.watch_book(symbol)
        key = (symbol, interval)
        if self._bars_key != key:
            old_key, self._bars_key = self._bars_key, key
            if old_key:
                await s.unwatch_bars(*old_key)
            await s.watch_bars(symbol, interval)
        bars = await s.bars(symbol, interval, limit=BARS)
        if gen != self._select_gen:
            return  # the user moved on
        self.w.chart.set_bars(*bars_to_arrays(bars), symbol=symbol, timeframe=interval)
        self._chart_markers()

    def _streams_depth(self, key: str) -> bool:
        """Whether the session ``key``'s market data comes from declares an order-book stream."""
        venue = self.workspace.session(self.venues.data_source(key)).venue
        caps = getattr(getattr(venue, "info", None), "capabilities", None)
        return bool(getattr(caps, "streaming_depth", True))

    def _on_history_needed(self, _left_ms: object) -> None:
        """The user panned past the loaded history: load the page of bars before it."""
        if self._bars_key is not None and len(self.w.chart.series):
            self.spawn(self._load_older(self._bars_key, self._select_gen), "older bars")

    async def _load_older(self, key: tuple[str, str], gen: int) -> None:
        first_ms = int(self.w.chart.series.t[0] * 1000)
        bars = await self.venues.bars(key[0], key[1], end=first_ms - 1, limit=BARS)
        if gen == self._select_gen and key == self._bars_key and bars:
            self.w.chart.prepend_bars(*bars_to_arrays(bars), symbol=key[0], timeframe=key[1])

    # ---- bridge batches ------------------------------------------------------------------------------------
    def _on_quotes(self, quotes: list[m.QuoteTick]) -> None:
        self.w.watchlist.model.on_quotes(quotes)

    def _on_tickers(self, tickers: list[m.Ticker24h]) -> None:
        self.w.watchlist.model.on_tickers(tickers)
        self._prices({t.symbol: t.last for t in tickers})

    def _on_trades(self, trades: list[m.TradeTick]) -> None:
        self.w.watchlist.model.on_trades(trades)
        self.w.book_trades.trades_model.on_trades(trades)
        latest: dict[str, Decimal] = {}
        for t in trades:
            latest[t.symbol] = t.price
        self._prices(latest)

    def _prices(self, prices: dict[str, Decimal]) -> None:
        self.last_prices.update(prices)
        self.w.blotters.on_prices(prices)
        if hasattr(self, "accounts"):
            self.accounts.on_prices()
        if self.symbol in prices:
            oe = self.w.order_entry
            if oe.price_edit.text():
                oe.last_price = prices[self.symbol]
            else:
                oe.set_last_price(prices[self.symbol])

    def _on_bars(self, bars: list[m.Bar]) -> None:
        for b in bars:
            if b.symbol == self.symbol and b.interval.value == self.interval:
                self.w.chart.update_bar(b.open_time, float(b.open), float(b.high), float(b.low), float(b.close),
                                        float(b.volume), symbol=b.symbol, timeframe=b.interval.value)

    def _on_orders(self, orders: list[m.Order]) -> None:
        for o in orders:  # a user's own orders are few: each state change goes to the log dock
            ins = self.w.instruments.get(o.symbol)
            price = f" @ {ins.format_price(o.price) if ins else o.price}" if o.price is not None else ""
            qty = ins.format_qty(o.quantity) if ins else o.quantity
            log.info("%s %s %s %s%s: %s (filled %s) [%s]", o.symbol, o.side.name, o.type.name, qty, price,
                     o.status.name, m.fmt(o.filled_qty), o.client_order_id, extra={"venue": self._venue_of(o.symbol)})
        self.w.blotters.on_orders(orders)
        if any(o.symbol == self.symbol for o in orders):
            self._lines_dirty = True

    def _on_fills(self, fills: list[m.Fill]) -> None:
        for x in fills:
            log.info("fill %s %s %s @ %s, fee %s %s [%s]", x.symbol, x.side.name, m.fmt(x.qty),
                     m.fmt(x.price), m.fmt(x.commission), x.commission_asset, x.client_order_id,
                     extra={"venue": self._venue_of(x.symbol)})
        self.w.blotters.on_fills(fills)
        if hasattr(self, "accounts"):
            self.accounts.refresh_soon()  # the venue's holdings and figures moved
        mine = [(x.ts_event / 1000, float(x.price), x.side.value) for x in fills if x.symbol == self.symbol]
        if mine:
            self.w.chart.add_fill_markers(mine)
            self.chart_markers = self.chart_markers + mine

    def _venue_of(self, key: str) -> str:
        ins = self.w.instruments.get(key)
        return ins.venue if ins is not None else ""

    def _on_balances(self, balances: list[m.Balance]) -> None:
        self.w.blotters.on_balances(balances)
        self._oe_dirty = True

    def _on_frame(self) -> None:
        # The bridge ticks at ~60 Hz; the views are split into two phases so each repaints at ~30 Hz and no
        # single frame pays for every table (text painting costs ~50-100 us per cell).
        w = self.w
        fired = getattr(self, "_alerts_fired", None)
        if fired:  # rare: shown on the next frame, never from the bus callback
            batch, fired[:] = list(fired), []
            w.alerts.on_triggered(batch)
        if w.bridge.frames % 2:
            w.book_trades.flush()
            w.news.flush()
            w.fundamentals.flush()
            return
        w.watchlist.model.flush()
        w.blotters.flush()
        if hasattr(self, "accounts"):
            self.accounts.flush()
        if self._lines_dirty:
            self._lines_dirty = False
            self._chart_lines()
        if self._oe_dirty:
            self._oe_dirty = False
            w.order_entry.refresh()

    # ---- chart overlays ------------------------------------------------------------------------------------
    def _chart_lines(self) -> None:
        from .chart.orderlines import OrderLine
        from .chart.trading import line_kind, line_label, line_price
        ins = self.w.instruments.get(self.symbol)
        lines = []
        protected = self.chart_protection.leg_ids if hasattr(self, "chart_protection") else frozenset()
        for o in self.w.blotters.open_model.all_rows():
            price = line_price(o)  # stops and take-profits at their trigger
            if o.symbol != self.symbol or price is None or o.client_order_id in protected:
                continue  # a protective group's orders are drawn with their group (chart/protection.py)
            lines.append(OrderLine(o.client_order_id, float(price), o.side.value, line_label(o, ins), line_kind(o),
                                   o.status is not m.OrderStatus.PENDING_NEW))
        self.chart_lines = lines
        self.w.chart.set_order_lines(lines)

    def _chart_markers(self) -> None:
        rows = self.w.blotters.fills_model.all_rows()
        mine = [(x.ts_event / 1000, float(x.price), x.side.value) for x in rows if x.symbol == self.symbol]
        self.w.chart.clear_markers()
        if mine:
            self.w.chart.add_fill_markers(mine)
        self.chart_markers = mine

    # ---- shutdown ------------------------------------------------------------------------------------------
    def _connect(self, *pairs: tuple[Any, Any]) -> None:
        """Connect signals to slots, remembered so ``close()`` can undo them (a reconnect makes a new link)."""
        for signal, slot in pairs:
            signal.connect(slot)
            self._connections.append((signal, slot))

    async def close(self) -> None:
        if hasattr(self, "_health_timer"):
            self._health_timer.stop()
        if hasattr(self, "accounts"):
            self.accounts.close()
        self.w.bridge.detach()
        if hasattr(self, "chart_protection"):
            self.chart_protection.close()
        self.w.news.unbind()
        self.w.fundamentals.unbind()
        self.w.data.unbind()
        if getattr(self, "_alerts_unsub", None) is not None:
            self._alerts_unsub()
            self.w.alerts.set_book(None)
        for signal, slot in self._connections:
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):  # already gone with its widget
                pass
        self._connections.clear()
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.workspace.close()  # every venue's session


def bars_to_arrays(bars: list[m.Bar]) -> tuple[np.ndarray, ...]:
    """Bars -> (times_ms int64, open, high, low, close, volume float64): floats only here, for the chart."""
    n = len(bars)
    t = np.fromiter((b.open_time for b in bars), dtype=np.int64, count=n)
    cols = [np.fromiter((float(getattr(b, k)) for b in bars), dtype=np.float64, count=n)
            for k in ("open", "high", "low", "close", "volume")]
    return (t, *cols)

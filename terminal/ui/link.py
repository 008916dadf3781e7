"""Wires a connected session to the window: bridge batches into models, user actions into awaited session calls.

Everything here runs on the GUI thread's asyncio loop (qasync). Session calls are awaited in tasks the link owns;
expected failures become a status message, anything else is logged with its type.
"""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Coroutine

import numpy as np

from .. import model as m
from ..model import ZERO
from ..storage.settings import Settings

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
        s, w = self.session, self.w
        w.instruments = dict(s.instruments)
        w.watchlist.set_instruments(w.instruments)
        w.status.set_environment(s.environment)
        w.order_entry.set_environment(s.environment)
        w.order_entry.placer = s.place_order
        w.order_entry.balance_of = self._free
        w.order_entry.set_trading_enabled(bool(s.has_keys), s.keys_problem or "no API keys")
        w.status.set_trading(bool(s.has_keys), s.keys_problem)
        if not s.has_keys:
            w.status.showMessage(f"Trading disabled: {s.keys_problem}", 15000)
        w.blotters.canceller = s.cancel_order
        w.blotters.cancel_all_fn = s.cancel_all
        if hasattr(w.chart, "set_trading_enabled"):  # trading from the chart: drag, x, right-click menu
            from .chart.trading import ChartTrading
            self.chart_trading = ChartTrading(w, s, self.spawn, lambda: self.symbol, lambda o: self._on_orders([o]))
            w.chart.set_trading_enabled(bool(s.has_keys), s.keys_problem or "no API keys")
            self._connect(*self.chart_trading.connections())
        w.blotters.replacer = s.replace_order  # modify = cancel-replace, with the ticket's confirmation rules
        w.blotters.environment = s.environment
        w.blotters.needs_confirmation = w.order_entry.needs_confirmation
        w.blotters.confirm = lambda text: w.order_entry.confirm(text)
        w.blotters.set_instruments(w.instruments)
        w.blotters.set_reference(w.settings.reference_currency)
        b = w.bridge
        self._connect(
            (b.quotes, self._on_quotes), (b.tickers, self._on_tickers), (b.trades, self._on_trades),
            (b.books, w.book_trades.on_books), (b.bars, self._on_bars), (b.orders, self._on_orders),
            (b.fills, self._on_fills), (b.balances, self._on_balances), (b.frame, self._on_frame),
            (w.watchlist.symbol_selected, self.select),
            (w.watchlist.symbol_added, lambda sym: self.spawn(s.watch(sym), f"watch {sym}")),
            (w.watchlist.symbol_removed, lambda sym: self.spawn(s.unwatch(sym), f"unwatch {sym}")),
            (w.book_trades.price_clicked, w.order_entry.set_price),
            (w.chart.price_clicked, lambda p: w.order_entry.set_price(Decimal(repr(p)))),
            (w.chart.timeframe_changed, self.set_interval),
            (w.chart.range_requested, self._on_history_needed),
            (w.order_entry.order_placed, lambda o: self._on_orders([o])),
            (w.blotters.reference_changed, lambda asset: setattr(w.settings, "reference_currency", asset)))
        b.attach(s.bus)
        # seed the blotters from the session's state (bus events after this point update them)
        for mdl in w.blotters.models():
            mdl.reset([])
        if s.has_keys:  # without keys there are no balances: positions from the journal's fills alone
            w.blotters.on_balances(list(s.balances().values()))
        w.blotters.on_orders(s.open_orders())
        w.blotters.flush()
        for sym in w.watchlist.symbols():  # already listed (a reconnect): watch them on this session
            if sym in s.instruments:
                self.spawn(s.watch(sym), f"watch {sym}")
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
        self.spawn(self._load_history(), "order history")
        self._health_timer_start()

    async def _load_history(self) -> None:
        s, w = self.session, self.w
        orders = await s.order_history()
        fills = await s.fills()
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
        self.w.status.set_health(extra.get("rest_latency_p50_ms"), extra.get("clock_offset_ms"),
                                 extra.get("rate_used"), extra.get("rate_limit"))  # the venue's request budget

    def _free(self, asset: str) -> Decimal:
        b = self.w.blotters.balances_model.balance(asset) or self.session.balances().get(asset)
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
        w.chart.set_symbol(symbol, ins.price_decimals, snap=ins.snap_price)  # clears it until its bars come
        if hasattr(w.chart, "set_timeframe"):
            w.chart.set_timeframe(self.interval)
        w.docks["chart"].setWindowTitle(f"Chart · {symbol} · {self.interval}")
        self._select_gen += 1
        self.spawn(self._switch_streams(symbol, self.interval, self._select_gen), f"load {symbol}")
        self._chart_lines()
        self._chart_markers()

    def set_interval(self, interval: str) -> None:
        if interval == self.interval:
            return
        self.interval = interval
        self.w.docks["chart"].setWindowTitle(f"Chart · {self.symbol} · {interval}")
        self._select_gen += 1
        self.spawn(self._switch_streams(self.symbol, interval, self._select_gen), f"load {interval}")

    async def _switch_streams(self, symbol: str, interval: str, gen: int) -> None:
        s = self.session
        if self._book_symbol != symbol:
            old, self._book_symbol = self._book_symbol, symbol
            if old:
                await s.unwatch_book(old)
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

    def _on_history_needed(self, _left_ms: object) -> None:
        """The user panned past the loaded history: load the page of bars before it."""
        if self._bars_key is not None and len(self.w.chart.series):
            self.spawn(self._load_older(self._bars_key, self._select_gen), "older bars")

    async def _load_older(self, key: tuple[str, str], gen: int) -> None:
        first_ms = int(self.w.chart.series.t[0] * 1000)
        bars = await self.session.bars(key[0], key[1], end=first_ms - 1, limit=BARS)
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
                     o.status.name, m.fmt(o.filled_qty), o.client_order_id)
        self.w.blotters.on_orders(orders)
        if any(o.symbol == self.symbol for o in orders):
            self._lines_dirty = True

    def _on_fills(self, fills: list[m.Fill]) -> None:
        for x in fills:
            log.info("fill %s %s %s @ %s, fee %s %s [%s]", x.symbol, x.side.name, m.fmt(x.qty),
                     m.fmt(x.price), m.fmt(x.commission), x.commission_asset, x.client_order_id)
        self.w.blotters.on_fills(fills)
        mine = [(x.ts_event / 1000, float(x.price), x.side.value) for x in fills if x.symbol == self.symbol]
        if mine:
            self.w.chart.add_fill_markers(mine)
            self.chart_markers = getattr(self, "chart_markers", []) + mine

    def _on_balances(self, balances: list[m.Balance]) -> None:
        self.w.blotters.on_balances(balances)
        self._oe_dirty = True

    def _on_frame(self) -> None:
        # The bridge ticks at ~60 Hz; the views are split into two phases so each repaints at ~30 Hz and no
        # single frame pays for every table (text painting costs ~50-100 us per cell).
        w = self.w
        if w.bridge.frames % 2:
            w.book_trades.flush()
            return
        w.watchlist.model.flush()
        w.blotters.flush()
        if getattr(self, "_lines_dirty", False):
            self._lines_dirty = False
            self._chart_lines()
        if getattr(self, "_oe_dirty", False):
            self._oe_dirty = False
            w.order_entry.refresh()

    # ---- chart overlays ------------------------------------------------------------------------------------
    def _chart_lines(self) -> None:
        from .chart.orderlines import OrderLine
        from .chart.trading import line_kind, line_label, line_price
        ins = self.w.instruments.get(self.symbol)
        lines = []
        for o in self.w.blotters.open_model.orders() + list(self.w.blotters.open_model._pending_new.values()):
            price = line_price(o)  # stops and take-profits at their trigger
            if o.symbol != self.symbol or price is None:
                continue
            lines.append(OrderLine(o.client_order_id, float(price), o.side.value, line_label(o, ins), line_kind(o),
                                   o.status is not m.OrderStatus.PENDING_NEW))
        self.chart_lines = lines
        self.w.chart.set_order_lines(lines)

    def _chart_markers(self) -> None:
        fm = self.w.blotters.fills_model
        rows = [fm.store.rows[k] for k in fm.store.keys] + list(fm._pending_new.values())
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
        self.w.bridge.detach()
        for signal, slot in self._connections:
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):  # already gone with its widget
                pass
        self._connections.clear()
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.session.close()


def bars_to_arrays(bars: list[m.Bar]) -> tuple[np.ndarray, ...]:
    """Bars -> (times_ms int64, open, high, low, close, volume float64): floats only here, for the chart."""
    n = len(bars)
    t = np.fromiter((b.open_time for b in bars), dtype=np.int64, count=n)
    cols = [np.fromiter((float(getattr(b, k)) for b in bars), dtype=np.float64, count=n)
            for k in ("open", "high", "low", "close", "volume")]
    return (t, *cols)

"""Bus -> dirty sets -> one flush per frame.

Bus callbacks only record what changed (latest quote/ticker/book per symbol, appended orders/fills/trades) and never
touch Qt. A QTimer drains the buffers once per frame and emits one signal per kind with the whole batch; widgets
apply batches to their models, then ``frame`` tells every model to emit its row-range signals.
"""
from __future__ import annotations

import collections
import dataclasses
import logging
import time
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal

from .. import model as m
from ..bus import Bus

FRAME_MS = 16  # ~60 Hz; views flush on alternate frames (~30 Hz each)
MAX_TRADES_PER_FRAME = 2000
MAX_LOG_PER_FRAME = 2000


class LogBuffer(logging.Handler):
    """A logging handler that only appends (thread-safe, bounded); the bridge drains it once per frame."""

    def __init__(self, maxlen: int = 5000, level: int = logging.INFO) -> None:
        super().__init__(level)
        #: (ts_ms, level, source, message, venue): ``venue`` from ``extra={"venue": ...}``, else ""
        self.records: collections.deque[tuple[int, str, str, str, str]] = collections.deque(maxlen=maxlen)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = record.getMessage()
            if record.exc_info and record.exc_info[0] is not None:
                msg = f"{msg} ({record.exc_info[0].__name__})"
            self.records.append((int(record.created * 1000), record.levelname, record.name, msg,
                                 str(getattr(record, "venue", ""))))
        except Exception:  # a broken record must never break logging
            self.handleError(record)


class Bridge(QObject):
    quotes = Signal(list)          # list[QuoteTick], latest per symbol
    tickers = Signal(list)         # list[Ticker24h], latest per symbol
    trades = Signal(list)          # list[TradeTick], in order (bounded per frame)
    books = Signal(dict)           # symbol -> BookUpdated, latest
    bars = Signal(list)            # list[Bar], latest per (symbol, interval, open_time)
    orders = Signal(list)          # list[Order], latest per client id, in order of change
    fills = Signal(list)           # list[Fill]
    balances = Signal(list)        # list[Balance]
    connections = Signal(list)     # list[ConnectionChanged]
    logs = Signal(list)            # list[(ts_ms, level, source, message, venue)]
    frame = Signal()               # after the batches: models emit their changes now

    def __init__(self, parent: QObject | None = None, frame_ms: int = FRAME_MS) -> None:
        super().__init__(parent)
        self._unsubs: list[Callable[[], None]] = []
        self._quotes: dict[str, m.QuoteTick] = {}
        self._tickers: dict[str, m.Ticker24h] = {}
        self._trades: collections.deque[m.TradeTick] = collections.deque(maxlen=MAX_TRADES_PER_FRAME)
        self._books: dict[str, m.BookUpdated] = {}
        self._bars: dict[tuple[str, m.Interval, int], m.Bar] = {}
        self._orders: dict[str, m.Order] = {}
        self._fills: list[m.Fill] = []
        self._balances: dict[tuple[str, str], m.Balance] = {}  # (venue, asset): "" for the first venue
        self._connections: list[m.ConnectionChanged] = []
        self.events = 0
        self.log_buffer = LogBuffer()
        self.frames = 0
        self._timer = QTimer(self)
        self._timer.setInterval(frame_ms)
        self._timer.timeout.connect(self.flush)

    # ---- wiring ----------------------------------------------------------------------------------------------
    def attach(self, bus: Bus) -> None:
        self.detach()
        sub = bus.subscribe
        self._unsubs = [
            sub(m.QuoteTick, self._on_quote), sub(m.Ticker24h, self._on_ticker), sub(m.TradeTick, self._on_trade),
            sub(m.BookUpdated, self._on_book), sub(m.Bar, self._on_bar), sub(m.OrderUpdated, self._on_order),
            sub(m.Fill, self._on_fill), sub(m.BalancesUpdated, self._on_balances),
            sub(m.ConnectionChanged, self._on_connection), sub(m.LogRecorded, self._on_log),
        ]

    def attach_workspace(self, bus: Bus, primary: str) -> None:
        """Every venue of a workspace (``VenueEvent``s on its bus). The primary venue's events pass as they are; the
        others' name their instrument by qualified id (``AAPL@paper``) and their balances carry the venue
        (``VenueBalance``), so one window can hold both."""
        from ..session.workspace import VenueEvent
        self.detach()
        handlers: dict[type, Callable[[Any], None]] = {
            m.QuoteTick: self._on_quote, m.Ticker24h: self._on_ticker, m.TradeTick: self._on_trade,
            m.BookUpdated: self._on_book, m.Bar: self._on_bar, m.OrderUpdated: self._on_order, m.Fill: self._on_fill,
            m.BalancesUpdated: self._on_balances, m.ConnectionChanged: self._on_connection,
            m.LogRecorded: self._on_log}

        def deliver(e: VenueEvent) -> None:
            handler = handlers.get(type(e.event))
            if handler is not None:
                handler(e.event if e.venue == primary else tag(e.event, e.venue))
        self._unsubs = [bus.subscribe(VenueEvent, deliver)]

    def detach(self) -> None:
        for u in self._unsubs:
            u()
        self._unsubs = []

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    # ---- bus callbacks: record only ----------------------------------------------------------------------
    def _market(self, ts: int) -> None:
        self.events += 1

    _user = _market

    def _on_quote(self, e: m.QuoteTick) -> None:  # the flood: kept to a dict store and a count
        self._quotes[e.symbol] = e
        self.events += 1

    def _on_ticker(self, e: m.Ticker24h) -> None:
        self._tickers[e.symbol] = e
        self._market(e.ts_recv)

    def _on_trade(self, e: m.TradeTick) -> None:
        self._trades.append(e)
        self._market(e.ts_recv)

    def _on_book(self, e: m.BookUpdated) -> None:
        self._books[e.symbol] = e
        self._market(e.ts_recv)

    def _on_bar(self, e: m.Bar) -> None:
        self._bars[(e.symbol, e.interval, e.open_time)] = e
        self._market(e.ts_recv)

    def _on_order(self, e: m.OrderUpdated) -> None:
        self._orders.pop(e.order.client_order_id, None)  # keep change order
        self._orders[e.order.client_order_id] = e.order
        self._user(e.ts_recv)

    def _on_fill(self, e: m.Fill) -> None:
        self._fills.append(e)
        self._user(e.ts_recv)

    def _on_balances(self, e: m.BalancesUpdated) -> None:
        for b in e.balances:
            self._balances[(getattr(b, "venue", ""), b.asset)] = b
        self._user(e.ts_recv)

    def _on_connection(self, e: m.ConnectionChanged) -> None:  # a stream of another venue is "stream@venue"
        self._connections.append(e)

    def _on_log(self, e: m.LogRecorded) -> None:
        self.log_buffer.records.append((e.ts_recv or int(time.time() * 1000), e.level, e.source, e.message, ""))

    # ---- the frame ---------------------------------------------------------------------------------------
    def flush(self) -> None:
        self.frames += 1
        if self._connections:
            c, self._connections = self._connections, []
            self.connections.emit(c)
        if self._orders:
            o, self._orders = list(self._orders.values()), {}
            self.orders.emit(o)
        if self._fills:
            fl, self._fills = self._fills, []
            self.fills.emit(fl)
        if self._balances:
            b, self._balances = list(self._balances.values()), {}
            self.balances.emit(b)
        if self._quotes:
            q, self._quotes = list(self._quotes.values()), {}
            self.quotes.emit(q)
        if self._tickers:
            t, self._tickers = list(self._tickers.values()), {}
            self.tickers.emit(t)
        if self._trades:
            tr = list(self._trades)
            self._trades.clear()
            self.trades.emit(tr)
        if self._books:
            bk, self._books = self._books, {}
            self.books.emit(bk)
        if self._bars:
            br, self._bars = list(self._bars.values()), {}
            self.bars.emit(br)
        buf = self.log_buffer.records
        if buf:
            n = min(len(buf), MAX_LOG_PER_FRAME)
            rows = [buf.popleft() for _ in range(n)]
            self.logs.emit(rows)
        self.frame.emit()



@dataclasses.dataclass(frozen=True, slots=True)
class VenueBalance(m.Balance):
    """A balance of a venue other than the window's first (its rows are keyed by venue and asset)."""

    venue: str = ""


def tag(event: Any, venue: str) -> Any:
    """``event`` of ``venue`` as the window holds it: instruments by qualified id, balances with their venue."""
    if isinstance(event, m.OrderUpdated):
        return dataclasses.replace(event, order=dataclasses.replace(event.order,
                                                                      symbol=f"{event.order.symbol}@{venue}"))
    if isinstance(event, m.BalancesUpdated):
        return dataclasses.replace(event, balances=tuple(VenueBalance(b.asset, b.free, b.locked, venue)
                                                         for b in event.balances))
    if isinstance(event, m.ConnectionChanged):
        return dataclasses.replace(event, stream=f"{event.stream}@{venue}")
    if isinstance(event, m.LogRecorded):
        return dataclasses.replace(event, source=f"{event.source}@{venue}")
    return dataclasses.replace(event, symbol=f"{event.symbol}@{venue}")

"""Watchlist rows: best bid/ask, last, 24h change, with a short colour flash when a price moves."""
from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Hashable

from PySide6.QtCore import Qt

from ... import model as m
from .. import format as f
from .table import LEFT, Column, RowTableModel, brush

FLASH_S = 0.6


@dataclass
class WatchRow:
    symbol: str
    instrument: m.Instrument | None = None
    bid: Decimal | None = None
    ask: Decimal | None = None
    last: Decimal | None = None
    change_pct: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    quote_volume: Decimal | None = None
    flash_dir: int = 0  # +1 up, -1 down
    flash_until: float = 0.0

    def apply_quote(self, q: m.QuoteTick) -> None:
        self.bid, self.ask = q.bid, q.ask

    def apply_ticker(self, t: m.Ticker24h) -> None:
        if self.last is not None and t.last != self.last:
            self.flash_dir = 1 if t.last > self.last else -1
            self.flash_until = time.monotonic() + FLASH_S
        self.last, self.change_pct, self.high, self.low = t.last, t.change_pct, t.high, t.low
        self.quote_volume = t.quote_volume

    def apply_trade(self, t: m.TradeTick) -> None:
        if self.last is not None and t.price != self.last:
            self.flash_dir = 1 if t.price > self.last else -1
            self.flash_until = time.monotonic() + FLASH_S
        self.last = t.price


def _chg_color(r: WatchRow) -> str | None:
    if r.change_pct is None or r.change_pct == 0:
        return "muted"
    return "up" if r.change_pct > 0 else "down"


def _last_color(r: WatchRow) -> str | None:
    return None if r.flash_dir == 0 else ("up" if r.flash_dir > 0 else "down")


class WatchlistModel(RowTableModel[WatchRow]):
    columns = [
        Column("Symbol", lambda r: r.symbol, LEFT),
        Column("Last", lambda r: f.price(r.instrument, r.last), color=_last_color, raw=lambda r: r.last),
        Column("24h %", lambda r: f.pct(r.change_pct), color=_chg_color, raw=lambda r: r.change_pct),
        Column("Bid", lambda r: f.price(r.instrument, r.bid), raw=lambda r: r.bid),
        Column("Ask", lambda r: f.price(r.instrument, r.ask), raw=lambda r: r.ask),
        Column("High", lambda r: f.price(r.instrument, r.high), raw=lambda r: r.high),
        Column("Low", lambda r: f.price(r.instrument, r.low), raw=lambda r: r.low),
        Column("Volume", lambda r: f.compact(r.quote_volume), raw=lambda r: r.quote_volume, tip="24h quote volume"),
    ]

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._flashing: set[Hashable] = set()

    def key(self, row: WatchRow) -> Hashable:
        return row.symbol

    def symbols(self) -> list[str]:
        return [str(k) for k in self.store.keys] + [k for k in self._pending_new if isinstance(k, str)]

    def add(self, symbol: str, instrument: m.Instrument | None) -> bool:
        if self.lookup(symbol) is not None:
            return False
        self.put(WatchRow(symbol, instrument))
        return True

    def _mutate(self, symbol: str, fn: Any, event: Any, first: int, last: int) -> None:
        row = self.lookup(symbol)
        if row is None:
            return
        fn(row, event)
        self.touch(symbol, first, last)
        if row.flash_until:
            self._flashing.add(symbol)

    def on_quotes(self, quotes: list[m.QuoteTick]) -> None:
        # the flood (a frame's latest quote of every symbol, thousands at a time): ``_mutate`` inlined; a quote
        # never flashes (only a new last price does), it marks the bid/ask columns (3, 4) dirty
        rows, dirty, texts, pending = self.store.rows, self.store.dirty, self._texts, self._pending_new
        for q in quotes:
            k = q.symbol
            row = rows.get(k)
            if row is None:
                row = pending.get(k)
                if row is not None:  # inserted whole at the next flush
                    row.bid, row.ask = q.bid, q.ask
                continue
            row.bid, row.ask = q.bid, q.ask
            old = dirty.get(k)
            dirty[k] = (3, 4) if old is None else (min(old[0], 3), max(old[1], 4))
            texts.pop(k, None)

    def on_tickers(self, tickers: list[m.Ticker24h]) -> None:
        for t in tickers:
            self._mutate(t.symbol, WatchRow.apply_ticker, t, 1, 7)

    def on_trades(self, trades: list[m.TradeTick]) -> None:
        for t in trades:
            self._mutate(t.symbol, WatchRow.apply_trade, t, 1, 1)

    def flush(self) -> None:
        if self._flashing:  # expire flashes: one more repaint of the row without its colour
            now = time.monotonic()
            for sym in list(self._flashing):
                row = self.lookup(sym)
                if row is None or row.flash_until <= now:
                    self._flashing.discard(sym)
                    if row is not None:
                        row.flash_dir, row.flash_until = 0, 0.0
                        self.touch(sym, 1, 1)
        super().flush()

    def data(self, index: Any, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and index.isValid() and index.column() != 1:  # BackgroundRole: flash the Last cell only
            return None
        return super().data(index, role)

    def background(self, row: WatchRow) -> Any:
        if row.flash_dir and row.flash_until > time.monotonic():
            return brush("flash_up" if row.flash_dir > 0 else "flash_down")
        return None

"""Market stream producers: trades (real time), depth diffs with exact U/u, partial-depth snapshots, bookTicker
(on every top-of-book change), klines and tickers (periodic). All run on the server loop."""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any

from terminal.model.enums import Interval

from .fanout import Hub
from .faults import Faults
from .marketdata import MarketData
from .wire import INTERVAL_FROM_WIRE, num

log = logging.getLogger(__name__)

DEPTH_LEVELS = (5, 10, 20)
ROLLING = {"1h": 3_600_000, "4h": 14_400_000, "1d": 86_400_000}


class _Pending:
    __slots__ = ("first", "last", "bids", "asks")

    def __init__(self, first: int) -> None:
        self.first = first
        self.last = first
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}


class Feeds:
    def __init__(self, engine: Any, market: MarketData, hub: Hub, faults: Faults, now_ms: Any) -> None:
        self.engine = engine
        self.market = market
        self.hub = hub
        self.faults = faults
        self.now_ms = now_ms
        self.symbols = list(engine.instruments)
        self._lower = {s: s.lower() for s in self.symbols}
        # speed (100 / 1000 ms) -> symbol -> changes since the previous event of that speed
        self._pending: dict[int, dict[str, _Pending]] = {100: {}, 1000: {}}
        self._gap_1000: set[str] = set()
        self._top: dict[str, tuple[Any, Any]] = {}
        self._top_dirty: set[str] = set()
        self._top_scheduled = False
        self._ticks = 0
        #: symbols whose market streams come from a recorded feed (playback): the engine's own are not published
        self.muted: set[str] = set()
        engine.trade_listeners.append(self.on_trade)
        engine.book_listeners.append(self.on_book)

    # -- real time ----------------------------------------------------------------------------------------------
    def on_trade(self, t: Any) -> None:
        if t.symbol in self.muted:
            return
        low = self._lower[t.symbol]
        hub = self.hub
        name = low + "@trade"
        if hub.has(name):
            hub.publish(name, {"e": "trade", "E": self.now_ms(), "s": t.symbol, "t": t.trade_id, "p": num(t.price),
                               "q": num(t.qty), "T": t.time, "m": t.buyer_is_maker, "M": True})
        name = low + "@aggTrade"
        if hub.has(name):
            hub.publish(name, {"e": "aggTrade", "E": self.now_ms(), "s": t.symbol, "a": t.trade_id,
                               "p": num(t.price), "q": num(t.qty), "f": t.trade_id, "l": t.trade_id, "T": t.time,
                               "m": t.buyer_is_maker, "M": True})

    def on_book(self, symbol: str, update_id: int, is_bid: bool, price: Decimal, qty: Decimal) -> None:
        if symbol in self.muted:
            return
        for pend in self._pending.values():
            entry = pend.get(symbol)
            if entry is None:
                entry = pend[symbol] = _Pending(update_id)
            entry.last = update_id
            (entry.bids if is_bid else entry.asks)[price] = qty
        self._top_dirty.add(symbol)
        if not self._top_scheduled:
            self._top_scheduled = True
            try:
                asyncio.get_running_loop().call_soon(self._flush_tops)
            except RuntimeError:  # called outside the server loop: flush now
                self._flush_tops()

    def _flush_tops(self) -> None:
        self._top_scheduled = False
        dirty, self._top_dirty = self._top_dirty, set()
        for symbol in dirty:
            name = self._lower[symbol] + "@bookTicker"
            if not self.hub.has(name):
                self._top.pop(symbol, None)
                continue
            update_id, bids, asks = self.engine.depth(symbol, 1)
            top = (bids[0] if bids else None, asks[0] if asks else None)
            if self._top.get(symbol) == top:
                continue
            self._top[symbol] = top
            (bp, bq), (ap, aq) = top[0] or (Decimal(0), Decimal(0)), top[1] or (Decimal(0), Decimal(0))
            self.hub.publish(name, {"u": update_id, "s": symbol, "b": num(bp), "B": num(bq), "a": num(ap),
                                    "A": num(aq)})

    # -- periodic ------------------------------------------------------------------------------------------------
    def flush_depth(self, speed: int) -> None:
        pend, self._pending[speed] = self._pending[speed], {}
        now = self.now_ms()
        for symbol, entry in pend.items():
            if speed == 100 and self.faults.take_depth_gap(symbol):
                self._gap_1000.add(symbol)
                log.info("fault: dropping the depth diff %d..%d of %s", entry.first, entry.last, symbol)
                continue
            if speed == 1000 and symbol in self._gap_1000:
                self._gap_1000.discard(symbol)
                continue
            low = self._lower[symbol]
            names = [low + "@depth@100ms"] if speed == 100 else [low + "@depth", low + "@depth@1000ms"]
            names = [n for n in names if self.hub.has(n)]
            if not names:
                continue
            payload = {"e": "depthUpdate", "E": now, "s": symbol, "U": entry.first, "u": entry.last,
                       "b": [[num(p), num(q)] for p, q in sorted(entry.bids.items(), reverse=True)],
                       "a": [[num(p), num(q)] for p, q in sorted(entry.asks.items())]}
            for name in names:
                self.hub.publish(name, payload)
        for symbol in self.symbols:
            if symbol in self.muted:
                continue
            low = self._lower[symbol]
            for levels in DEPTH_LEVELS:
                names = ([f"{low}@depth{levels}@100ms"] if speed == 100
                         else [f"{low}@depth{levels}", f"{low}@depth{levels}@1000ms"])
                names = [n for n in names if self.hub.has(n)]
                if not names:
                    continue
                update_id, bids, asks = self.engine.depth(symbol, levels)
                payload = {"lastUpdateId": update_id, "bids": [[num(p), num(q)] for p, q in bids],
                           "asks": [[num(p), num(q)] for p, q in asks]}
                for name in names:
                    self.hub.publish(name, payload)

    def publish_second(self) -> None:
        """Once a second: klines (1s every second, others every 2 s) and tickers."""
        self._ticks += 1
        if self.market.market is None:
            return
        now = self.now_ms()
        minis: list[dict[str, Any]] = []
        fulls: list[dict[str, Any]] = []
        want_mini_arr, want_full_arr = self.hub.has("!miniTicker@arr"), self.hub.has("!ticker@arr")
        for symbol in self.symbols:
            low = self._lower[symbol]
            mini_name, full_name = low + "@miniTicker", low + "@ticker"
            if want_mini_arr or self.hub.has(mini_name):
                mini = self._mini(symbol, now)
                minis.append(mini)
                self.hub.publish(mini_name, mini)
            if want_full_arr or self.hub.has(full_name):
                full = self._full(symbol, now)
                fulls.append(full)
                self.hub.publish(full_name, full)
        if want_mini_arr:
            self.hub.publish("!miniTicker@arr", minis)
        if want_full_arr:
            self.hub.publish("!ticker@arr", fulls)
        for window in ROLLING:
            self._publish_rolling(window, now)
        for name in [n for n in self.hub.subs if "@kline_" in n]:
            low, _, interval_text = name.partition("@kline_")
            interval = INTERVAL_FROM_WIRE.get(interval_text)
            if interval is None:
                continue
            if interval is not Interval.S1 and self._ticks % 2:
                continue
            symbol = low.upper()
            store = self.market.market.stores.get(symbol)
            if store is None:
                continue
            k = store.current(interval, now)
            self.hub.publish(name, {"e": "kline", "E": now, "s": symbol, "k": {
                "t": k.open_time, "T": k.close_time, "s": symbol, "i": interval.value, "f": k.first_trade_id,
                "L": k.last_trade_id, "o": num(k.open), "c": num(k.close), "h": num(k.high), "l": num(k.low),
                "v": num(k.volume), "n": k.trades, "x": k.closed, "q": num(k.quote_volume),
                "V": num(k.taker_buy_base), "Q": num(k.taker_buy_quote), "B": "0"}})

    def _publish_rolling(self, window: str, now: int) -> None:
        arr_name = f"!ticker_{window}@arr"
        want_arr = self.hub.has(arr_name)
        rows = []
        for symbol in self.symbols:
            name = f"{self._lower[symbol]}@ticker_{window}"
            if not (want_arr or self.hub.has(name)):
                continue
            r = self.market.ticker_row(symbol, now, False, ROLLING[window])
            event = {"e": f"{window}Ticker", "E": now, "s": symbol, "p": r["priceChange"],
                     "P": r["priceChangePercent"], "o": r["openPrice"], "h": r["highPrice"], "l": r["lowPrice"],
                     "c": r["lastPrice"], "w": r["weightedAvgPrice"], "v": r["volume"], "q": r["quoteVolume"],
                     "O": r["openTime"], "C": r["closeTime"], "F": r["firstId"], "L": r["lastId"], "n": r["count"]}
            rows.append(event)
            self.hub.publish(name, event)
        if want_arr:
            self.hub.publish(arr_name, rows)

    def _mini(self, symbol: str, now: int) -> dict[str, Any]:
        st = self.market.market.stores[symbol].ticker_24h(now)
        return {"e": "24hrMiniTicker", "E": now, "s": symbol, "c": num(st.last), "o": num(st.open),
                "h": num(st.high), "l": num(st.low), "v": num(st.volume), "q": num(st.quote_volume)}

    def _full(self, symbol: str, now: int) -> dict[str, Any]:
        r = self.market.ticker_row(symbol, now, False)
        return {"e": "24hrTicker", "E": now, "s": symbol, "p": r["priceChange"], "P": r["priceChangePercent"],
                "w": r["weightedAvgPrice"], "x": r["prevClosePrice"], "c": r["lastPrice"], "Q": r["lastQty"],
                "b": r["bidPrice"], "B": r["bidQty"], "a": r["askPrice"], "A": r["askQty"], "o": r["openPrice"],
                "h": r["highPrice"], "l": r["lowPrice"], "v": r["volume"], "q": r["quoteVolume"],
                "O": r["openTime"], "C": r["closeTime"], "F": r["firstId"], "L": r["lastId"], "n": r["count"]}

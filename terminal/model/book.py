"""An L2 order book: price -> quantity per side, with an update id."""
from __future__ import annotations

import bisect
from decimal import Decimal
from typing import Iterable

from .numbers import ZERO


class BookSequenceError(Exception):
    """A diff does not follow the book's update id: the book must be resynced."""


class OrderBook:
    """Price levels per side. Bids sorted descending, asks ascending (kept as sorted key lists)."""

    __slots__ = ("symbol", "update_id", "_bids", "_asks", "_bid_keys", "_ask_keys")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.update_id = 0
        self._bids: dict[Decimal, Decimal] = {}
        self._asks: dict[Decimal, Decimal] = {}
        self._bid_keys: list[Decimal] = []  # negated prices, ascending == prices descending
        self._ask_keys: list[Decimal] = []

    def clear(self) -> None:
        self._bids.clear(); self._asks.clear(); self._bid_keys.clear(); self._ask_keys.clear()
        self.update_id = 0

    def load_snapshot(self, update_id: int, bids: Iterable[tuple[Decimal, Decimal]],
                      asks: Iterable[tuple[Decimal, Decimal]]) -> None:
        self.clear()
        for p, q in bids:
            if q > 0:
                self._bids[p] = q
        for p, q in asks:
            if q > 0:
                self._asks[p] = q
        self._bid_keys = sorted(-p for p in self._bids)
        self._ask_keys = sorted(self._asks)
        self.update_id = update_id

    def set_level(self, is_bid: bool, price: Decimal, qty: Decimal) -> None:
        levels, keys, key = (self._bids, self._bid_keys, -price) if is_bid else (self._asks, self._ask_keys, price)
        if qty == ZERO:
            if price in levels:
                del levels[price]
                i = bisect.bisect_left(keys, key)
                if i < len(keys) and keys[i] == key:
                    keys.pop(i)
            return
        if price not in levels:
            bisect.insort(keys, key)
        levels[price] = qty

    def apply_diff(self, first_id: int, last_id: int, bids: Iterable[tuple[Decimal, Decimal]],
                   asks: Iterable[tuple[Decimal, Decimal]]) -> bool:
        """Apply a Binance-style diff (U=first_id, u=last_id). Returns False if it is stale.

        Raises BookSequenceError on a gap (first_id > update_id + 1).
        """
        if last_id <= self.update_id:
            return False
        if first_id > self.update_id + 1:
            raise BookSequenceError(f"{self.symbol}: gap, book at {self.update_id}, diff starts at {first_id}")
        for p, q in bids:
            self.set_level(True, p, q)
        for p, q in asks:
            self.set_level(False, p, q)
        self.update_id = last_id
        return True

    def bids(self, depth: int | None = None) -> list[tuple[Decimal, Decimal]]:
        keys = self._bid_keys if depth is None else self._bid_keys[:depth]
        return [(-k, self._bids[-k]) for k in keys]

    def asks(self, depth: int | None = None) -> list[tuple[Decimal, Decimal]]:
        keys = self._ask_keys if depth is None else self._ask_keys[:depth]
        return [(k, self._asks[k]) for k in keys]

    def best_bid(self) -> tuple[Decimal, Decimal] | None:
        return (-self._bid_keys[0], self._bids[-self._bid_keys[0]]) if self._bid_keys else None

    def best_ask(self) -> tuple[Decimal, Decimal] | None:
        return (self._ask_keys[0], self._asks[self._ask_keys[0]]) if self._ask_keys else None

    def spread(self) -> Decimal | None:
        b, a = self.best_bid(), self.best_ask()
        return (a[0] - b[0]) if (a and b) else None

    def mid(self) -> Decimal | None:
        b, a = self.best_bid(), self.best_ask()
        return ((a[0] + b[0]) / 2) if (a and b) else None

    def __len__(self) -> int:
        return len(self._bids) + len(self._asks)

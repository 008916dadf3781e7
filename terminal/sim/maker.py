"""The simulated market maker of one symbol: a two-sided ladder around the fair price, re-quoted with little churn.

The best level on each side sits a tick or two from the fair price; deeper levels sit on a fixed price grid,
so a small move of the fair price only replaces the inner levels. Sizes grow away from the mid and carry a
stable per-price jitter (the same price always asks for the same size, so nothing is replaced needlessly).
Fills are learned from the engine's trades (``on_fill``), and partly filled levels are topped up.
"""
from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from terminal.model.enums import OrderType, Side, TimeInForce

from .reports import EngineReject
from .symbols import SymbolSpec

LEVELS = 25
GRID_BPS = 0.2  # distance between deeper levels, in basis points of the price
GRID_STEP_MOVES = 2.5  # ... and at least this many typical 100 ms moves of the fair price
TOP_UP_BELOW = 0.4  # a level whose resting size fell below this share of its target is topped up
SLACK_LEVELS = 4  # stale deep levels within this many extra levels are left resting
CUT_ABOVE = 2.5  # a level resting more than this multiple of its target is replaced
MAX_ORDERS_PER_LEVEL = 2  # top-ups beyond this replace the level's orders with one

Key = tuple[bool, int]  # (is_bid, price in ticks)


class Quoter:
    """Keeps the maker's orders of one symbol on the target ladder."""

    def __init__(self, engine: Any, account_id: str, spec: SymbolSpec, levels: int = LEVELS) -> None:
        inst = spec.instrument
        self.engine = engine
        self.account_id = account_id
        self.spec = spec
        self.symbol = inst.symbol
        self.levels = levels
        self._tick = inst.tick_size
        self._step = inst.step_size
        self._tick_f = float(inst.tick_size)
        self._step_f = float(inst.step_size)
        self._min_steps = max(1, int(inst.min_qty / inst.step_size) if inst.min_qty else 1)
        self._min_notional = float(inst.min_notional) * 1.2
        self._base_steps = float(spec.quote_size) / self._step_f
        self._gap = 1
        self._anchor = (0, 0)
        self.orders: dict[Key, list[list[int]]] = {}  # key -> [[order_id, remaining_steps], ...]
        self._by_id: dict[int, Key] = {}
        self._dirty = True
        self._targets: dict[Key, int] = {}

    # ---- the ladder --------------------------------------------------------------------------------
    def set_grid(self, fair: float, step_ms: int = 100) -> None:
        """Space the deeper levels by a few bps, and by more than a typical move of one step (less churn)."""
        fair_ticks = fair / self._tick_f
        step_move = fair_ticks * self.spec.volatility * math.sqrt(step_ms / (365 * 86_400_000))
        self._gap = max(1, int(round(max(fair_ticks * GRID_BPS / 10_000, GRID_STEP_MOVES * step_move))))

    def target(self, fair: float) -> dict[Key, int]:
        """Price (ticks) -> size (steps) for every level of both sides around ``fair``."""
        ft = fair / self._tick_f
        bid0 = max(1, math.floor(ft - 1.0))
        ask0 = max(bid0 + 1, math.ceil(ft + 1.0))
        gap = self._gap
        out: dict[Key, int] = {(True, bid0): self._size(bid0, 0), (False, ask0): self._size(ask0, 0)}
        gb = (bid0 - 1) // gap * gap
        ga = -((-(ask0 + 1)) // gap) * gap
        for k in range(1, self.levels):
            pb = gb - (k - 1) * gap
            if pb >= 1:
                out[(True, pb)] = self._size(pb, k)
            pa = ga + (k - 1) * gap
            out[(False, pa)] = self._size(pa, k)
        return out

    def _size(self, price_ticks: int, k: int) -> int:
        jitter = 0.7 + 0.6 * ((price_ticks * 0.6180339887) % 1.0)
        steps = int(self._base_steps * (1.0 + 0.45 * k) * jitter)
        min_for_notional = math.ceil(self._min_notional / (price_ticks * self._tick_f) / self._step_f)
        return max(steps, self._min_steps, min_for_notional)

    # ---- engine side -------------------------------------------------------------------------------
    def requote(self, fair: float, force: bool = False) -> int:
        """Bring the resting orders to the ladder around ``fair``. Returns the number of engine calls."""
        ft = fair / self._tick_f
        anchor = (math.floor(ft - 1.0), math.ceil(ft + 1.0))
        if not force and not self._dirty and anchor == self._anchor:
            return 0
        self._anchor = anchor
        self._dirty = False
        targets = self.target(fair)
        calls = 0
        bid0, ask0 = anchor
        far = (self.levels + SLACK_LEVELS) * self._gap
        for key in [k for k in self.orders if k not in targets]:
            is_bid, price = key
            # A deep level left behind by a small move may stay (less churn); one that would cross goes.
            if price % self._gap == 0 and ((bid0 - far <= price < bid0) if is_bid else (ask0 < price <= ask0 + far)):
                continue
            calls += self._cancel_level(key)
        for key, want in targets.items():
            entries = self.orders.get(key, ())
            have = sum(o[1] for o in entries)
            if have > want * CUT_ABOVE or (have < want * TOP_UP_BELOW and len(entries) >= MAX_ORDERS_PER_LEVEL):
                # A deep level became an inner one (show the inner size), or too many remnants: one fresh order.
                calls += self._cancel_level(key)
                have = 0
            elif have >= want * TOP_UP_BELOW:
                continue
            calls += self._place(key, want - have)
        return calls

    def _cancel_level(self, key: Key) -> int:
        calls = 0
        for order_id, _ in self.orders.pop(key, ()):
            self._by_id.pop(order_id, None)
            calls += 1
            try:
                self.engine.cancel(self.account_id, self.symbol, order_id=order_id)
            except EngineReject:
                pass  # filled meanwhile
        return calls

    def _place(self, key: Key, steps: int) -> int:
        is_bid, price_ticks = key
        if steps < self._min_steps or price_ticks * self._tick_f * steps * self._step_f < self._min_notional / 1.2:
            return 0
        try:
            result = self.engine.place(
                self.account_id, self.symbol, Side.BUY if is_bid else Side.SELL, OrderType.LIMIT,
                quantity=Decimal(steps) * self._step, price=Decimal(price_ticks) * self._tick,
                time_in_force=TimeInForce.GTC)
        except EngineReject:
            return 1
        order = result.order
        if order.status.is_open:
            left = int(order.remaining_qty / self._step)
            self.orders.setdefault(key, []).append([order.order_id, left])
            self._by_id[order.order_id] = key
        return 1

    def on_fill(self, order_id: int, qty: Decimal) -> bool:
        """A trade touched one of our orders (returns False if the id is not ours)."""
        key = self._by_id.get(order_id)
        if key is None:
            return False
        steps = int(qty / self._step)
        entries = self.orders.get(key, [])
        for entry in entries:
            if entry[0] == order_id:
                entry[1] -= steps
                if entry[1] <= 0:
                    entries.remove(entry)
                    del self._by_id[order_id]
                break
        if not entries:
            self.orders.pop(key, None)
        self._dirty = True
        return True

    def resync(self) -> None:
        """Rebuild what rests from the engine (when fills may not all have been reported yet)."""
        self.orders.clear()
        self._by_id.clear()
        for order in self.engine.open_orders(self.account_id, self.symbol):
            key = (order.side is Side.BUY, int(order.price / self._tick))
            self.orders.setdefault(key, []).append([order.order_id, int(order.remaining_qty / self._step)])
            self._by_id[order.order_id] = key
        self._dirty = True

    def cancel_all(self) -> None:
        for key in list(self.orders):
            self._cancel_level(key)

"""The paper exchange: the simulation's matching engine and living market for an equity listing, in this process.

No network and no thread: the engine is called directly on the running asyncio loop, and a task steps the market every
``step_ms``. The market moves only while a session of its instruments runs (pre-market, regular or after-hours; with
``always_open`` at any time); after a closed period the first step jumps the price path over the gap, like an
overnight gap. Orders are gated by hours in the venue, not here: the engine itself knows no hours.
"""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Callable, Iterable

from ...clock import Clock
from ...model import Instrument
from ...model.hours import EXTENDED
from ...sim.engine import Engine
from ...sim.equities import CURRENCY, EQUITY_SYMBOLS
from ...sim.market import MarketSimulator
from ...sim.symbols import SymbolSpec

log = logging.getLogger(__name__)

ACCOUNT = "paper"
STEP_MS = 100


class PaperExchange:
    """One simulated exchange with one user account funded with ``cash`` (in the listing's currency)."""

    def __init__(self, clock: Clock, specs: Iterable[SymbolSpec] = EQUITY_SYMBOLS, *, seed: int = 7,
                 cash: Decimal = Decimal("100000"), history_days: int = 28, always_open: bool = False,
                 step_ms: int = STEP_MS) -> None:
        self.clock = clock
        self.specs = list(specs)
        self.always_open = always_open
        self.step_ms = step_ms
        self.engine = Engine([s.instrument for s in self.specs], clock, maker_fee=Decimal(0), taker_fee=Decimal(0))
        self.market = MarketSimulator(self.engine, self.specs, seed, clock, days=history_days)
        self.engine.add_account(ACCOUNT, {CURRENCY: Decimal(cash)})
        #: called after every step (also the closed ones) with the exchange time, on the loop
        self.step_listeners: list[Callable[[int], None]] = []
        self.steps = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def instruments(self) -> dict[str, Instrument]:
        return dict(self.engine.instruments)

    def is_trading(self, now_ms: int) -> bool:
        """True while the market moves: always open, or a session (of any phase) of a listed instrument runs."""
        if self.always_open:
            return True
        return any(s.instrument.hours is None or s.instrument.hours.is_open(now_ms, EXTENDED) for s in self.specs)

    def start(self) -> None:
        """History, books and the stepping task (idempotent)."""
        if self._task is not None:
            return
        self.market.bootstrap(self.clock.now_ms())
        self._task = asyncio.get_running_loop().create_task(self._run(), name="paper exchange")

    def step(self) -> None:
        now = self.clock.now_ms()
        if self.is_trading(now):
            self.market.step(now)
        self.steps += 1
        for fn in list(self.step_listeners):
            try:
                fn(now)
            except Exception:  # noqa: BLE001 - one listener must not stop the market
                log.exception("paper exchange step listener %r failed", fn)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            next_at = max(next_at + self.step_ms / 1000, loop.time() - 1.0)  # after a stall: no burst of steps
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            try:
                self.step()
            except Exception:  # noqa: BLE001 - the market must keep going
                log.exception("paper exchange step failed")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

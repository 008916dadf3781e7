"""The account on ib_async: cash and contracts held as balances, IB's positions, the account summary and the
day's P&L.

``balances()`` is the cash per currency (IB's CashBalance) and the contracts held (asset = the instrument's key,
``AAPL: 10``), asked afresh while connected; a cash or position change IB streams after a fill becomes one
``BalancesUpdated`` per packet. ``positions()`` are IB's positions with their average price (IB's avgCost divided by
the multiplier). ``summary()`` returns net liquidation, cash, buying power, margins, available funds and the day's
P&L (reqPnL) as Decimals, with their ``currency``, for the balances area.
"""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any, Callable

from ib_async.wrapper import RequestError

from ...model import Balance, BalancesUpdated, Holding
from ...model.numbers import ZERO
from .contracts import decimal, instrument_key, quantity
from .info import NAME

log = logging.getLogger(__name__)

SUMMARY_TAGS = ("NetLiquidation", "TotalCashValue", "BuyingPower", "InitMarginReq", "MaintMarginReq",
                "AvailableFunds", "ExcessLiquidity", "GrossPositionValue")
CASH_TAGS = ("CashBalance", "TotalCashValue")


class IbAccount:
    def __init__(self, ib: Any, publish: Callable[[object], None], now_ms: Callable[[], int],
                 can_send: Callable[[], bool], timeout_s: float) -> None:
        self.ib = ib
        self.publish = publish
        self.now_ms = now_ms
        self.can_send = can_send
        self.timeout_s = timeout_s
        self.account = ""
        self.pnl: Any = None
        self.streaming = False  # publish BalancesUpdated (once the user stream runs)
        self.closed = False
        self._pending = False
        self._positions_lock = asyncio.Lock()  # ib_async keys these requests by name: one at a time
        self._values_lock = asyncio.Lock()
        ib.accountValueEvent += self._on_change
        ib.positionEvent += self._on_change

    def _values(self, tag: str) -> list[tuple[str, Decimal]]:
        out = []
        for v in self.ib.accountValues(self.account):
            if v.tag == tag and v.currency and v.currency != "BASE":
                value = decimal(v.value)
                if value is not None:
                    out.append((v.currency, value))
        return out

    async def _ask(self, what: str, make: Callable[[], Any], lock: asyncio.Lock) -> None:
        if not self.can_send():
            return
        try:
            async with lock:
                await asyncio.wait_for(make(), self.timeout_s)
        except (RequestError, ConnectionError, asyncio.TimeoutError) as exc:
            log.info("IB: %s not refreshed: %r", what, exc)

    async def balances(self) -> list[Balance]:
        await self._ask("account values", lambda: self.ib.reqAccountUpdatesAsync(self.account), self._values_lock)
        await self._ask("positions", self.ib.reqPositionsAsync, self._positions_lock)
        return self.balances_now()

    def balances_now(self) -> list[Balance]:
        cash = self._values("CashBalance") or self._values("TotalCashValue")
        out = [Balance(currency, value, ZERO) for currency, value in sorted(cash)]
        for p in self.ib.positions(self.account):
            qty = quantity(p.position)
            if qty:
                out.append(Balance(instrument_key(p.contract), qty, ZERO))
        return out

    def _on_change(self, *args: Any) -> None:
        if args and hasattr(args[0], "tag") and args[0].tag not in CASH_TAGS:
            return
        if self.streaming and not self._pending:
            self._pending = True
            asyncio.get_running_loop().call_soon(self._publish_balances)

    def _publish_balances(self) -> None:
        self._pending = False
        if not self.closed:
            self.publish(BalancesUpdated(tuple(self.balances_now()), ts_recv=self.now_ms()))

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for tag in SUMMARY_TAGS:
            values = self._values(tag)
            if values:
                out["currency"], out[tag] = values[0]
        if self.pnl is not None:
            for name in ("dailyPnL", "unrealizedPnL", "realizedPnL"):
                value = decimal(getattr(self.pnl, name))
                if value is not None:
                    out[name[0].upper() + name[1:]] = value
        return out

    async def positions(self) -> list[Holding]:
        await self._ask("positions", self.ib.reqPositionsAsync, self._positions_lock)
        out = []
        for p in self.ib.positions(self.account):
            qty = quantity(p.position)
            if not qty:
                continue
            multiplier = decimal(p.contract.multiplier, Decimal(1)) or Decimal(1)
            cost = decimal(p.avgCost)
            avg = (cost / multiplier) if cost is not None and multiplier else cost
            out.append(Holding(instrument_key(p.contract), qty, avg, p.contract.currency or "USD", NAME))
        return sorted(out, key=lambda h: h.symbol)

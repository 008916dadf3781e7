"""The paper account's books: cash per currency, positions per contract (short allowed; futures cash-settled with
their multiplier; forex held in the base currency), realized P&L, IB-style fixed commissions and a simple margin
model (Reg T 25 %/50 % for stocks, a fixed amount per futures contract, 3 % for forex).

Values are ``Decimal``; marks come from the market (``mark(item)``). Figures are in USD (EUR is valued at EUR.USD).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable

from .contracts import Listed

ZERO = Decimal(0)
CENT = Decimal("0.01")
ACCOUNT = "DU1234567"
START_CASH = Decimal("1000000")
STOCK_RATE = Decimal("0.005")
STOCK_MIN = Decimal("1.00")
STOCK_MAX_PCT = Decimal("0.01")
FUTURE_RATE = Decimal("2.25")
FX_BPS = Decimal("0.00002")
FX_MIN = Decimal("2.00")
FUT_INIT = Decimal("22000")
FUT_MAINT = Decimal("20000")


@dataclass(slots=True)
class Position:
    item: Listed
    qty: Decimal = ZERO
    #: average cost per unit as IB reports it (price x multiplier)
    avg_cost: Decimal = ZERO
    realized: Decimal = ZERO


def commission(item: Listed, qty: Decimal, price: Decimal) -> Decimal:
    """IB's fixed pricing: stocks USD 0.005/share (min 1.00, max 1 % of value), futures 2.25/contract, forex 0.2 bp of
    value (min 2.00)."""
    qty = abs(qty)
    if item.sec_type == "FUT":
        fee = FUTURE_RATE * qty
    elif item.sec_type == "CASH":
        fee = max(FX_MIN, qty * price * FX_BPS)
    else:
        fee = min(max(STOCK_MIN, qty * STOCK_RATE), max(STOCK_MIN, qty * price * STOCK_MAX_PCT))
    return fee.quantize(CENT, ROUND_HALF_UP)


class Ledger:
    def __init__(self, mark: Callable[[Listed], Decimal], fx_rate: Callable[[], Decimal],
                 start_cash: Decimal = START_CASH) -> None:
        self.account = ACCOUNT
        self.mark = mark
        self.fx_rate = fx_rate
        self.cash: dict[str, Decimal] = {"USD": Decimal(start_cash)}
        self.positions: dict[int, Position] = {}
        self.commissions = ZERO
        self.realized_today = ZERO
        self._items: dict[int, Listed] = {}

    # ------------------------------------------------------------------ fills
    def apply_fill(self, item: Listed, buy: bool, qty: Decimal, price: Decimal) -> tuple[Decimal, Decimal]:
        """Book one fill; returns ``(commission, realized P&L of this fill)``. As at IB, the average cost includes
        the commission of the opening fills and the realized P&L of a closing fill is net of both commissions."""
        fee = commission(item, qty, price)
        signed = qty if buy else -qty
        pos = self.positions.setdefault(item.con_id, Position(item))
        unit_cost = price * item.mult
        gross = ZERO
        realized = ZERO
        if pos.qty and (pos.qty > 0) != (signed > 0):  # reducing (maybe flipping)
            closed = min(abs(pos.qty), qty)
            direction = 1 if pos.qty > 0 else -1
            gross = (unit_cost - pos.avg_cost) * closed * direction
            realized = gross - fee
            new_qty = pos.qty + signed
            if new_qty == 0:
                pos.avg_cost = ZERO
            elif (new_qty > 0) != (pos.qty > 0):
                pos.avg_cost = unit_cost
            pos.qty = new_qty
            pos.realized += realized
            self.realized_today += realized
        else:
            total = abs(pos.qty) + qty
            pos.avg_cost = (pos.avg_cost * abs(pos.qty) + unit_cost * qty + (fee if buy else -fee)) / total
            pos.qty += signed
        self.commissions += fee
        if item.sec_type == "FUT":  # cash-settled: only realized P&L moves cash
            self._cash("USD", gross)
        elif item.sec_type == "CASH":
            self._cash(item.symbol, signed)
            self._cash(item.currency, -signed * price)
        else:
            self._cash(item.currency, -signed * price)
        self._cash("USD", -fee)
        return fee, realized

    def _cash(self, currency: str, amount: Decimal) -> None:
        self.cash[currency] = self.cash.get(currency, ZERO) + amount

    # ------------------------------------------------------------------ valuation
    def position(self, con_id: int) -> Decimal:
        pos = self.positions.get(con_id)
        return pos.qty if pos else ZERO

    def market_value(self, pos: Position) -> Decimal:
        return self.mark(pos.item) * pos.qty * pos.item.mult

    def unrealized(self, pos: Position) -> Decimal:
        return self.market_value(pos) - pos.avg_cost * pos.qty

    def total_cash(self) -> Decimal:
        """Cash in USD (other currencies valued at EUR.USD; forex positions are cash balances)."""
        total = self.cash.get("USD", ZERO)
        for currency, amount in self.cash.items():
            if currency != "USD":
                total += amount * self.fx_rate()
        return total

    def net_liquidation(self) -> Decimal:
        value = self.total_cash()
        for pos in self.positions.values():
            if pos.item.sec_type == "STK":
                value += self.market_value(pos)
            elif pos.item.sec_type == "FUT":
                value += self.unrealized(pos)
        return value

    def gross_position_value(self) -> Decimal:
        return sum((abs(self.market_value(p)) for p in self.positions.values() if p.item.sec_type == "STK"), ZERO)

    def margin(self, overrides: dict[int, Decimal] | None = None, *, maintenance: bool = False) -> Decimal:
        """Initial (or maintenance) margin of the positions, with ``overrides`` {conId: qty} applied."""
        qtys = {cid: p.qty for cid, p in self.positions.items()}
        qtys.update(overrides or {})
        total = ZERO
        for cid, qty in qtys.items():
            if not qty:
                continue
            item = self.positions[cid].item if cid in self.positions else self._items[cid]
            price = self.mark(item)
            if item.sec_type == "STK":
                rate = Decimal("0.25") if maintenance or qty > 0 else Decimal("0.30")
                total += abs(qty) * price * (Decimal("0.5") if not maintenance else rate)
            elif item.sec_type == "FUT":
                total += abs(qty) * (FUT_MAINT if maintenance else FUT_INIT)
            elif item.sec_type == "CASH":
                total += abs(qty) * price * Decimal("0.03")
        return total.quantize(CENT)

    def register(self, items: tuple[Listed, ...]) -> None:
        self._items = {i.con_id: i for i in items}

    def margin_after(self, item: Listed, signed_qty: Decimal) -> Decimal:
        return self.margin({item.con_id: self.position(item.con_id) + signed_qty})

    def summary(self) -> dict[str, Decimal]:
        nlv = self.net_liquidation()
        init = self.margin()
        maint = self.margin(maintenance=True)
        available = nlv - init
        values = {
            "NetLiquidation": nlv, "TotalCashValue": self.total_cash(), "SettledCash": self.total_cash(),
            "AccruedCash": ZERO, "BuyingPower": max(ZERO, available) * 4, "EquityWithLoanValue": nlv,
            "PreviousDayEquityWithLoanValue": nlv, "GrossPositionValue": self.gross_position_value(),
            "RegTEquity": nlv, "RegTMargin": init, "SMA": max(ZERO, available),
            "InitMarginReq": init, "MaintMarginReq": maint, "AvailableFunds": available,
            "ExcessLiquidity": nlv - maint, "Cushion": ((nlv - maint) / nlv if nlv else ZERO),
            "FullInitMarginReq": init, "FullMaintMarginReq": maint, "FullAvailableFunds": available,
            "FullExcessLiquidity": nlv - maint, "LookAheadInitMarginReq": init, "LookAheadMaintMarginReq": maint,
            "LookAheadAvailableFunds": available, "LookAheadExcessLiquidity": nlv - maint,
            "DayTradesRemaining": Decimal(-1), "Leverage": (self.gross_position_value() / nlv if nlv else ZERO),
            "RealizedPnL": self.realized_today,
            "UnrealizedPnL": sum((self.unrealized(p) for p in self.positions.values()), ZERO),
        }
        return {k: (v.quantize(CENT) if k not in ("Cushion", "Leverage") else v.quantize(Decimal("0.0001")))
                for k, v in values.items()}

    def daily_pnl(self, prior_close: Callable[[Listed], Decimal]) -> Decimal:
        moves = sum(((self.mark(p.item) - prior_close(p.item)) * p.qty * p.item.mult
                     for p in self.positions.values()), ZERO)
        return (moves + self.realized_today).quantize(CENT)

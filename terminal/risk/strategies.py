"""Each strategy's own book: its orders (by the origin the runner stamps on them), its fills, position and P&L.

Fills are booked once each (by symbol and trade id) into one average-cost ``oms.position.Ledger`` per strategy and
symbol, so a strategy's P&L is what its own fills made: realised (net of fees in the base and quote assets) plus
unrealised at the market price. Fills of orders with no strategy origin (manual, scripts) are not booked here.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, Iterable, Mapping

from ..model import ZERO, Fill, Instrument, Order, OrderRequest, Side
from ..oms.position import Ledger

Price = Callable[[str], Decimal | None]
ToReference = Callable[[str, Decimal], Decimal | None]


class StrategyBook:
    def __init__(self, instruments: Mapping[str, Instrument]) -> None:
        self.instruments = instruments
        self._origin: dict[str, str] = {}  # client order id -> strategy (fills carry no origin)
        self._ledgers: dict[tuple[str, str], Ledger] = {}
        self._seen: set[tuple[str, int]] = set()

    def origin(self, client_order_id: str) -> str:
        return self._origin.get(client_order_id, "")

    def on_request(self, request: OrderRequest) -> None:
        """An order of a strategy passed the checks and is sent: its fills will be the strategy's."""
        if request.origin:
            self._origin[request.client_order_id] = request.origin

    def on_order(self, order: Order) -> None:
        """An order report (a strategy's order placed before this engine started, or in another session)."""
        if order.origin:
            self._origin.setdefault(order.client_order_id, order.origin)

    def on_fill(self, fill: Fill) -> str:
        """Book a strategy's fill (once). Returns the strategy's name, "" if it is not a strategy's (or was seen)."""
        name = self._origin.get(fill.client_order_id, "")
        key = (fill.symbol, fill.trade_id)
        if not name or key in self._seen:
            return ""
        self._seen.add(key)
        ledger = self._ledgers.get((name, fill.symbol))
        if ledger is None:
            ledger = self._ledgers[(name, fill.symbol)] = Ledger.of(self.instruments.get(fill.symbol))
        ledger.apply(fill)
        return name

    def names(self) -> set[str]:
        return {n for n, _ in self._ledgers} | set(self._origin.values())

    def position(self, name: str, symbol: str) -> Decimal:
        lg = self._ledgers.get((name, symbol))
        return lg.qty if lg is not None else ZERO

    def pnl(self, name: str, price: Price, to_reference: ToReference) -> Decimal | None:
        """Realised + unrealised P&L of the strategy in the reference currency (None if a price is missing)."""
        total = ZERO
        for (owner, symbol), lg in self._ledgers.items():
            if owner != name:
                continue
            value = lg.realised
            if lg.qty:
                px = price(symbol)
                if px is None:
                    return None
                value += (px - (lg.avg_price or px)) * lg.qty * lg.multiplier
            converted = to_reference(lg.quote, value) if value else ZERO
            if converted is None:
                return None
            total += converted
            for asset, fee in lg.fees.items():  # a third asset (BNB)
                if asset not in (lg.base, lg.quote):
                    fee_ref = to_reference(asset, fee)
                    if fee_ref is None:
                        return None
                    total -= fee_ref
        return total

    def value(self, name: str, price: Price, to_reference: ToReference, working: Iterable[Order] = (),
              extra: tuple[str, Side, Decimal] | None = None) -> Decimal | None:
        """The strategy's capital at work, in the reference currency: per symbol, its position at the worst its
        working orders (those of ``working`` with its origin) and ``extra`` (symbol, side, quantity of an order about
        to be sent) could make it, at the market price. None if a price is missing."""
        buys: dict[str, Decimal] = {}
        sells: dict[str, Decimal] = {}
        orders = [(o.symbol, o.side, self._remaining(o, price)) for o in working if o.origin == name and o.is_open]
        if extra is not None:
            orders.append(extra)
        for symbol, side, qty in orders:
            if qty is None:
                return None
            book = buys if side is Side.BUY else sells
            book[symbol] = book.get(symbol, ZERO) + qty
        symbols = {s for owner, s in self._ledgers if owner == name} | set(buys) | set(sells)
        total = ZERO
        for symbol in symbols:
            pos = self.position(name, symbol)
            worst = max(abs(pos + buys.get(symbol, ZERO)), abs(pos - sells.get(symbol, ZERO)))
            if not worst:
                continue
            ins, px = self.instruments.get(symbol), price(symbol)
            v = None if ins is None or px is None else to_reference(ins.quote_asset, ins.notional(px, worst))
            if v is None:
                return None
            total += v
        return total

    def _remaining(self, order: Order, price: Price) -> Decimal | None:
        if order.quantity or order.quote_quantity is None:
            return order.remaining_qty
        px, ins = price(order.symbol), self.instruments.get(order.symbol)  # a quote-quantity market order
        if px is None or ins is None:
            return None
        return (order.quote_quantity - order.filled_quote) / ins.notional(px, Decimal(1))

    def reset(self, name: str) -> None:
        """Forget a strategy's ledgers (its P&L starts again from zero)."""
        for key in [k for k in self._ledgers if k[0] == name]:
            del self._ledgers[key]

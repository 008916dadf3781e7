"""Where the engine keeps orders and account trades for queries (allOrders, openOrders, myTrades, order by id)."""
from __future__ import annotations

import bisect

from .matching import WorkingOrder
from .reports import AccountTrade


class Registry:
    """Orders and account trades, per account and symbol.

    History is bounded so a long-running sandbox does not grow without end: per (account, symbol) the most recent
    ``limit`` orders (plus any older ones still open) and the most recent ``limit`` account trades are kept. Trimming
    happens when a list reaches twice the limit, so it costs O(1) per record on average.
    """

    __slots__ = ("_by_id", "_by_cid", "_orders", "_open", "_trades", "limit", "account_limits")

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self.account_limits: dict[str, int] = {}  # per-account override (e.g. the simulator's own accounts)
        self._by_id: dict[str, dict[int, WorkingOrder]] = {}                 # symbol -> id -> order
        self._by_cid: dict[tuple[str, str, str], WorkingOrder] = {}          # (account, symbol, cid) -> latest
        self._orders: dict[tuple[str, str], list[WorkingOrder]] = {}         # (account, symbol) -> orders by id
        self._open: dict[str, dict[str, dict[int, WorkingOrder]]] = {}       # account -> symbol -> id -> order
        self._trades: dict[tuple[str, str], list[AccountTrade]] = {}         # (account, symbol) -> by trade id

    # -- recording ---------------------------------------------------------------------------------------------
    def add(self, order: WorkingOrder) -> None:
        a, s = order.account_id, order.symbol
        by_id = self._by_id.get(s)
        if by_id is None:
            by_id = self._by_id[s] = {}
        by_id[order.order_id] = order
        self._by_cid[(a, s, order.client_order_id)] = order
        lst = self._orders.get((a, s))
        if lst is None:
            lst = self._orders[(a, s)] = []
        lst.append(order)
        limit = self.account_limits.get(a, self.limit)
        if len(lst) >= 2 * limit:
            self._trim_orders(lst, by_id, limit)
        acct = self._open.get(a)
        if acct is None:
            acct = self._open[a] = {}
        sym = acct.get(s)
        if sym is None:
            sym = acct[s] = {}
        sym[order.order_id] = order

    def closed(self, order: WorkingOrder) -> None:
        """The order reached a final status: it leaves the open set."""
        self._open[order.account_id][order.symbol].pop(order.order_id, None)

    def add_trade(self, account_id: str, trade: AccountTrade) -> None:
        key = (account_id, trade.symbol)
        lst = self._trades.get(key)
        if lst is None:
            lst = self._trades[key] = []
        lst.append(trade)
        limit = self.account_limits.get(account_id, self.limit)
        if len(lst) >= 2 * limit:
            del lst[:-limit]

    def _trim_orders(self, lst: list[WorkingOrder], by_id: dict[int, WorkingOrder], limit: int) -> None:
        cut = len(lst) - limit
        kept = []
        for order in lst[:cut]:
            if order.status.is_open:
                kept.append(order)
                continue
            by_id.pop(order.order_id, None)
            key = (order.account_id, order.symbol, order.client_order_id)
            if self._by_cid.get(key) is order:
                del self._by_cid[key]
        lst[:cut] = kept

    # -- lookups -----------------------------------------------------------------------------------------------
    def open_with_cid(self, account_id: str, symbol: str, client_order_id: str) -> WorkingOrder | None:
        order = self._by_cid.get((account_id, symbol, client_order_id))
        return order if order is not None and order.status.is_open else None

    def find(self, account_id: str, symbol: str, order_id: int | None,
             client_order_id: str | None) -> WorkingOrder | None:
        """By id (then checking the client id if both are given), else the most recent order with the client id."""
        if order_id is not None:
            order = self._by_id.get(symbol, {}).get(order_id)
            if order is None or order.account_id != account_id:
                return None
            if client_order_id is not None and order.client_order_id != client_order_id:
                return None
            return order
        if client_order_id is not None:
            return self._by_cid.get((account_id, symbol, client_order_id))
        return None

    def open_orders(self, account_id: str, symbol: str | None = None) -> list[WorkingOrder]:
        """Open orders, oldest first (per symbol, symbols in name order)."""
        acct = self._open.get(account_id, {})
        if symbol is not None:
            return list(acct.get(symbol, {}).values())
        out: list[WorkingOrder] = []
        for sym in sorted(acct):
            out.extend(acct[sym].values())
        return out

    def all_orders(self, account_id: str, symbol: str, order_id: int | None, start_ms: int | None,
                   end_ms: int | None, limit: int) -> list[WorkingOrder]:
        """Oldest first. With no bound, the most recent ``limit``; with bounds, the first ``limit`` that match."""
        lst = self._orders.get((account_id, symbol), [])
        if order_id is not None:
            lst = lst[bisect.bisect_left(lst, order_id, key=lambda o: o.order_id):]
        out = [o for o in lst if (start_ms is None or o.time >= start_ms) and (end_ms is None or o.time <= end_ms)]
        if order_id is None and start_ms is None and end_ms is None:
            return out[-limit:] if limit > 0 else []
        return out[:limit]

    def account_trades(self, account_id: str, symbol: str, order_id: int | None, from_id: int | None,
                       start_ms: int | None, end_ms: int | None, limit: int) -> list[AccountTrade]:
        """Oldest first; same windowing rule as ``all_orders`` (``from_id`` counts as a bound)."""
        lst = self._trades.get((account_id, symbol), [])
        if from_id is not None:
            lst = lst[bisect.bisect_left(lst, from_id, key=lambda t: t.id):]
        out = [t for t in lst if (order_id is None or t.order_id == order_id)
               and (start_ms is None or t.time >= start_ms) and (end_ms is None or t.time <= end_ms)]
        if from_id is None and start_ms is None and end_ms is None:
            return out[-limit:] if limit > 0 else []
        return out[:limit]

"""Engine records -> model records, and engine refusals -> the ports' typed outcomes (pure functions).

The matching engine marks "not set" amounts with 0 (as a wire would); the model uses None for a price or stop the
order type does not take.
"""
from __future__ import annotations

from decimal import Decimal

from ...model import (Balance, Bar, Fill, Interval, Liquidity, Order, OrderStatus, QuoteTick, Side, Ticker24h,
                      TradeTick)
from ...model.numbers import ZERO
from ...sim.klines import KlineRow, TickerStats
from ...sim.reports import AccountTrade, EngineReject, Execution, OrderView, RejectReason, Trade
from ..ports import DuplicateOrder, Rejected, UnknownOrder, VenueError

#: the paper exchange's words for each engine refusal (FILTER is answered by the instrument's own message first)
REJECT_TEXT: dict[RejectReason, str] = {
    RejectReason.UNKNOWN_SYMBOL: "unknown symbol",
    RejectReason.INSUFFICIENT_BALANCE: "insufficient balance for this order",
    RejectReason.WOULD_MATCH: "a LIMIT_MAKER order would trade immediately",
    RejectReason.WOULD_TRIGGER: "the stop price would trigger immediately",
    RejectReason.DUPLICATE_ORDER: "this client order id is already in use by an open order",
    RejectReason.UNKNOWN_ORDER: "unknown order",
    RejectReason.UNKNOWN_ACCOUNT: "unknown account",
}


def outcome(exc: EngineReject) -> VenueError:
    """The typed outcome for an engine refusal (raise it ``from None``)."""
    text = REJECT_TEXT.get(exc.reason)
    if exc.reason is RejectReason.FILTER:
        text = f"order refused by the {exc.filter or 'instrument'} filter"
    elif text is None:
        text = exc.message
    if exc.reason is RejectReason.DUPLICATE_ORDER:
        return DuplicateOrder(text)
    if exc.reason is RejectReason.UNKNOWN_ORDER:
        return UnknownOrder(text)
    return Rejected(text)


def order(view: OrderView, reject_reason: str | None = None) -> Order:
    otype = view.type
    return Order(
        symbol=view.symbol, side=view.side, type=otype, client_order_id=view.client_order_id,
        quantity=view.quantity, price=view.price if otype.has_price else None,
        stop_price=view.stop_price if otype.has_stop else None,
        quote_quantity=view.quote_quantity or None, time_in_force=view.time_in_force, status=view.status,
        venue_order_id=view.order_id, filled_qty=view.executed_qty, filled_quote=view.cum_quote,
        ts_created=view.time, ts_updated=view.update_time,
        reject_reason=reject_reason if view.status is OrderStatus.REJECTED else None)


def fill(execution: Execution) -> Fill:
    """A TRADE execution of one account's order."""
    view = execution.order
    return Fill(
        symbol=view.symbol, client_order_id=view.client_order_id, venue_order_id=view.order_id,
        trade_id=execution.trade_id, side=view.side, price=execution.last_price, qty=execution.last_qty,
        quote_qty=execution.last_quote, commission=execution.commission,
        commission_asset=execution.commission_asset or "",
        liquidity=Liquidity.MAKER if execution.is_maker else Liquidity.TAKER, ts_event=execution.time)


def account_fill(trade: AccountTrade, client_order_id: str) -> Fill:
    return Fill(
        symbol=trade.symbol, client_order_id=client_order_id, venue_order_id=trade.order_id, trade_id=trade.id,
        side=Side.BUY if trade.is_buyer else Side.SELL, price=trade.price, qty=trade.qty, quote_qty=trade.quote_qty,
        commission=trade.commission, commission_asset=trade.commission_asset,
        liquidity=Liquidity.MAKER if trade.is_maker else Liquidity.TAKER, ts_event=trade.time)


def balances(snapshot: dict[str, tuple[Decimal, Decimal]]) -> list[Balance]:
    return [Balance(asset, free, locked) for asset, (free, locked) in sorted(snapshot.items())]


def trade_tick(trade: Trade, ts_recv: int) -> TradeTick:
    return TradeTick(symbol=trade.symbol, price=trade.price, qty=trade.qty, trade_id=trade.trade_id,
                     aggressor=Side.SELL if trade.buyer_is_maker else Side.BUY, ts_event=trade.time, ts_recv=ts_recv)


def quote(symbol: str, best: tuple[tuple[Decimal, Decimal] | None, tuple[Decimal, Decimal] | None],
          ts: int) -> QuoteTick:
    bid, ask = best
    return QuoteTick(symbol=symbol, bid=bid[0] if bid else ZERO, bid_qty=bid[1] if bid else ZERO,
                     ask=ask[0] if ask else ZERO, ask_qty=ask[1] if ask else ZERO, ts_event=ts, ts_recv=ts)


def bar(symbol: str, interval: Interval, row: KlineRow, ts_recv: int = 0) -> Bar:
    return Bar(symbol=symbol, interval=interval, open_time=row.open_time, open=row.open, high=row.high, low=row.low,
               close=row.close, volume=row.volume, closed=row.closed, quote_volume=row.quote_volume,
               trades=row.trades, ts_recv=ts_recv)


def ticker(stats: TickerStats, ts: int) -> Ticker24h:
    return Ticker24h(symbol=stats.symbol, last=stats.last, open=stats.open, high=stats.high, low=stats.low,
                     volume=stats.volume, quote_volume=stats.quote_volume, change_pct=stats.change_pct,
                     ts_event=stats.close_time, ts_recv=ts)

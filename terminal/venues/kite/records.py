"""Pure conversions of Kite's REST and postback records into the model (orders, fills, positions, balances, bars).

Kite's order records carry our client order id only through ``tag`` (see ``tags.py``): the caller passes
``client_id(tag, order_id)``. Symbols come from the catalog through ``symbol_of(exchange, tradingsymbol)``.
Timestamps are IST wall-clock strings ``YYYY-MM-DD HH:MM:SS`` (candles: ISO 8601 with ``+0530``), returned as epoch ms.
"""
from __future__ import annotations

import zlib
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable, Mapping

from ...model import (Balance, Bar, Fill, Holding, Interval, Liquidity, Order, OrderOptions, OrderStatus, OrderType,
                      Side)
from ...model.numbers import ZERO
from .enums import ORDER_TYPE_FROM_WIRE, SIDE_FROM_WIRE, STATUS_FROM_WIRE, TIF_FROM_WIRE

IST = timezone(timedelta(hours=5, minutes=30))
CURRENCY = "INR"
SymbolOf = Callable[[str, str], str]
ClientId = Callable[[str | None, str], str]


def ist_ms(text: object) -> int:
    """``2021-06-08 15:45:56`` (IST) -> epoch ms; 0 for null, empty or unreadable text."""
    if not isinstance(text, str) or len(text) < 19:
        return 0
    try:
        return int(datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST).timestamp() * 1000)
    except ValueError:
        return 0


def ist_text(ts_ms: int) -> str:
    """Epoch ms -> ``YYYY-MM-DD HH:MM:SS`` in IST (historical ``from``/``to``)."""
    return datetime.fromtimestamp(ts_ms / 1000, IST).strftime("%Y-%m-%d %H:%M:%S")


def _dec(value: Any) -> Decimal:
    if value is None or value == "":
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def order_status(wire: str, filled: Decimal, quantity: Decimal) -> OrderStatus:
    status = STATUS_FROM_WIRE.get(wire)
    if status is not None:
        return status
    if quantity and filled >= quantity:
        return OrderStatus.FILLED
    return OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.NEW  # OPEN, TRIGGER PENDING, MODIFIED, AMO..


def order(rec: Mapping[str, Any], symbol_of: SymbolOf, client_id: ClientId) -> Order:
    """An order record (order book, history snapshot or postback) -> Order."""
    order_id = str(rec["order_id"])
    kind = ORDER_TYPE_FROM_WIRE.get(str(rec.get("order_type")), OrderType.MARKET)
    meta: dict[str, Any] = rec["meta"] if isinstance(rec.get("meta"), dict) else {}
    iceberg: dict[str, Any] | None = meta["iceberg"] if isinstance(meta.get("iceberg"), dict) else None
    quantity = _dec(iceberg.get("total_quantity") if iceberg else rec.get("quantity"))
    filled = _dec(rec.get("filled_quantity"))
    avg = _dec(rec.get("average_price"))
    price = _dec(rec.get("price"))
    trigger = _dec(rec.get("trigger_price"))
    params = {"product": str(rec.get("product") or ""), "variety": str(rec.get("variety") or "")}
    ts = ist_ms(rec.get("exchange_update_timestamp")) or ist_ms(rec.get("exchange_timestamp")) \
        or ist_ms(rec.get("order_timestamp"))
    status = order_status(str(rec.get("status") or ""), filled, quantity)
    return Order(
        symbol=symbol_of(str(rec.get("exchange")), str(rec.get("tradingsymbol"))),
        side=SIDE_FROM_WIRE[str(rec["transaction_type"])], type=kind,
        client_order_id=client_id(rec.get("tag") if isinstance(rec.get("tag"), str) else None, order_id),
        quantity=quantity, price=price if kind.has_price and price else None,
        stop_price=trigger if kind.has_stop and trigger else None,
        time_in_force=TIF_FROM_WIRE.get(str(rec.get("validity"))) if kind.has_tif else None,
        status=status, venue_order_id=int(order_id) if order_id.isdigit() else zlib.crc32(order_id.encode()),
        filled_qty=filled, filled_quote=avg * filled, ts_created=ist_ms(rec.get("order_timestamp")), ts_updated=ts,
        reject_reason=(str(rec.get("status_message") or "rejected") if status is OrderStatus.REJECTED else None),
        options=OrderOptions.make(params={k: v for k, v in params.items() if v}),
    )


def trade_id(text: object) -> int:
    raw = str(text)
    return int(raw) if raw.isdigit() else zlib.crc32(raw.encode())


def fill(rec: Mapping[str, Any], symbol_of: SymbolOf, client_id: str, multiplier: Decimal = Decimal(1)) -> Fill:
    """A trade record -> Fill (Kite reports no fee per trade: commission 0 INR)."""
    price, qty = _dec(rec.get("average_price")), _dec(rec.get("quantity"))
    order_id = str(rec.get("order_id"))
    return Fill(
        symbol=symbol_of(str(rec.get("exchange")), str(rec.get("tradingsymbol"))), client_order_id=client_id,
        venue_order_id=int(order_id) if order_id.isdigit() else None, trade_id=trade_id(rec.get("trade_id")),
        side=SIDE_FROM_WIRE[str(rec["transaction_type"])], price=price, qty=qty, quote_qty=price * qty * multiplier,
        commission=ZERO, commission_asset=CURRENCY, liquidity=Liquidity.TAKER,
        ts_event=ist_ms(rec.get("fill_timestamp")) or ist_ms(rec.get("exchange_timestamp")),
    )


def position(rec: Mapping[str, Any], symbol_of: SymbolOf, venue: str) -> Holding:
    return Holding(symbol_of(str(rec.get("exchange")), str(rec.get("tradingsymbol"))), _dec(rec.get("quantity")),
                   _dec(rec.get("average_price")) or None, CURRENCY, venue)


def holding(rec: Mapping[str, Any], symbol_of: SymbolOf, venue: str) -> Holding:
    qty = _dec(rec.get("quantity")) + _dec(rec.get("t1_quantity"))
    return Holding(symbol_of(str(rec.get("exchange")), str(rec.get("tradingsymbol"))), qty,
                   _dec(rec.get("average_price")) or None, CURRENCY, venue)


def balances(margins: Mapping[str, Any]) -> list[Balance]:
    """Margins -> the INR balance: free = what is available for trading (equity ``net``), locked = the margin in use
    (``utilised.debits``). The commodity block is left out: Zerodha's ledger is one pool (the paper server shows the
    same figures in both blocks), and counting it again would double the money; ``margins()`` has both blocks."""
    block = margins.get("equity")
    if not isinstance(block, dict):
        return []
    used: dict[str, Any] = block["utilised"] if isinstance(block.get("utilised"), dict) else {}
    return [Balance(CURRENCY, _dec(block.get("net")), _dec(used.get("debits")))]


def candle(symbol: str, interval: Interval, row: list[Any], now_ms: int) -> Bar:
    """``[timestamp, open, high, low, close, volume(, oi)]`` -> Bar (the timestamp is the candle's start)."""
    open_ms = int(datetime.fromisoformat(str(row[0])).timestamp() * 1000)
    return Bar(symbol, interval, open_ms, _dec(row[1]), _dec(row[2]), _dec(row[3]), _dec(row[4]), _dec(row[5]),
               closed=open_ms + interval.ms <= now_ms)

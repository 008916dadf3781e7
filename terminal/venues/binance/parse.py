"""Pure functions: Binance wire dicts/arrays -> domain records. No I/O.

Numbers arrive as decimal strings; they become ``Decimal`` here (never via float). ``ts_recv`` is passed in by the
caller so these stay pure.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

from ...model import (Balance, BalancesUpdated, Bar, Fill, Instrument, Interval, Liquidity, Order, OrderRequest,
                      OrderStatus, OrderType, QuoteTick, Side, Ticker24h, TradeTick)
from ...model.numbers import NumberError
from .enums import ORDER_TYPE_FROM_WIRE, SIDE_FROM_WIRE, STATUS_FROM_WIRE, TIF_FROM_WIRE
from ...model.enums import AssetClass

ZERO = Decimal(0)
_BUY, _SELL = Side.BUY, Side.SELL
_HUNDRED = Decimal(100)
Levels = list[tuple[Decimal, Decimal]]


# Hot-path validation: a string starting with an ASCII digit makes Decimal() return a finite, non-negative
# number or raise (NaN, Infinity and signs cannot start with a digit), so the result needs no checks.
_DIGITS = frozenset("0123456789")
_D = Decimal


def dec(value: Any, name: str = "value") -> Decimal:
    """A finite, non-negative Decimal from a wire string (or int). Floats go through their repr, never binary."""
    d = _D(value) if type(value) is not float else _D(repr(value))
    if not (d.is_finite() and d >= ZERO):
        raise NumberError(f"{name}: {value!r} is not a finite non-negative number")
    return d


# The stream hot path builds one record per message. A frozen dataclass's __init__ sets each field through
# object.__setattr__; setting the slots directly gives the same object at about a third of the cost. Used only
# while the records have exactly these fields (else the plain constructors are used).
_QUOTE_FIELDS = ("symbol", "bid", "bid_qty", "ask", "ask_qty", "ts_event", "ts_recv")
_TRADE_FIELDS = ("symbol", "price", "qty", "trade_id", "aggressor", "ts_event", "ts_recv")


def _slot_setters(cls: type, names: tuple[str, ...]) -> tuple[Callable[[Any, Any], None], ...] | None:
    if tuple(f.name for f in fields(cls)) != names or hasattr(cls, "__post_init__"):
        return None
    return tuple(cls.__dict__[n].__set__ for n in names)


_qs = _slot_setters(QuoteTick, _QUOTE_FIELDS)
_ts = _slot_setters(TradeTick, _TRADE_FIELDS)
_new = object.__new__


def _quote(symbol: str, bid: Decimal, bid_qty: Decimal, ask: Decimal, ask_qty: Decimal, ts_event: int,
           ts_recv: int) -> QuoteTick:
    if _qs is None:
        return QuoteTick(symbol, bid, bid_qty, ask, ask_qty, ts_event, ts_recv)
    q = _new(QuoteTick)
    s0, s1, s2, s3, s4, s5, s6 = _qs
    s0(q, symbol), s1(q, bid), s2(q, bid_qty), s3(q, ask), s4(q, ask_qty), s5(q, ts_event), s6(q, ts_recv)
    return q


def _trade(symbol: str, price: Decimal, qty: Decimal, trade_id: int, aggressor: Side, ts_event: int,
           ts_recv: int) -> TradeTick:
    if _ts is None:
        return TradeTick(symbol, price, qty, trade_id, aggressor, ts_event, ts_recv)
    t = _new(TradeTick)
    s0, s1, s2, s3, s4, s5, s6 = _ts
    s0(t, symbol), s1(t, price), s2(t, qty), s3(t, trade_id), s4(t, aggressor), s5(t, ts_event)
    s6(t, ts_recv)
    return t


def sdec(value: Any, name: str = "value") -> Decimal:
    """Like ``dec`` but signed (price changes, balance deltas)."""
    d = Decimal(value) if type(value) is not float else Decimal(repr(value))
    if not d.is_finite():
        raise NumberError(f"{name}: {value!r} is not finite")
    return d


def _opt_price(value: Any) -> Decimal | None:
    if value is None:
        return None
    d = dec(value)
    return d if d else None


def levels(rows: Iterable[Any]) -> Levels:
    return [(dec(p, "price"), dec(q, "qty")) for p, q, *_ in rows]


# ---------------------------------------------------------------- instruments

def instruments(exchange_info: Mapping[str, Any], venue: str = "binance") -> dict[str, Instrument]:
    """exchangeInfo -> {symbol: Instrument}, from PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE, NOTIONAL/MIN_NOTIONAL.
    ``venue`` is the registry name the instruments are listed under (crypto spot, priced in the quote asset)."""
    return {s["symbol"]: instrument(s, venue) for s in exchange_info.get("symbols", ())}


def request_weight_limit(exchange_info: Mapping[str, Any]) -> int | None:
    """The REQUEST_WEIGHT limit per minute from ``rateLimits`` (None if not advertised)."""
    for r in exchange_info.get("rateLimits", ()):
        if r.get("rateLimitType") == "REQUEST_WEIGHT" and r.get("interval") == "MINUTE":
            return int(r["limit"]) // max(1, int(r.get("intervalNum", 1)))
    return None


def instrument(sym: Mapping[str, Any], venue: str = "binance") -> Instrument:
    kw: dict[str, Any] = {}
    for f in sym.get("filters", ()):
        kind = f.get("filterType")
        if kind == "PRICE_FILTER":
            kw.update(tick_size=dec(f["tickSize"]), min_price=dec(f["minPrice"]), max_price=dec(f["maxPrice"]))
        elif kind == "LOT_SIZE":
            kw.update(step_size=dec(f["stepSize"]), min_qty=dec(f["minQty"]), max_qty=dec(f["maxQty"]))
        elif kind == "MARKET_LOT_SIZE":
            step = dec(f["stepSize"])
            kw.update(market_step_size=step or None, market_min_qty=dec(f["minQty"]),
                      market_max_qty=dec(f["maxQty"]) or None)
        elif kind == "NOTIONAL":
            kw.update(min_notional=dec(f.get("minNotional", "0")), max_notional=dec(f.get("maxNotional", "0")),
                      apply_min_to_market=bool(f.get("applyMinToMarket", True)),
                      apply_max_to_market=bool(f.get("applyMaxToMarket", False)))
        elif kind == "MIN_NOTIONAL" and "min_notional" not in kw:
            kw.update(min_notional=dec(f.get("minNotional", "0")),
                      apply_min_to_market=bool(f.get("applyToMarket", True)))
    types = frozenset(ORDER_TYPE_FROM_WIRE[t] for t in sym.get("orderTypes", ()) if t in ORDER_TYPE_FROM_WIRE)
    if types:
        kw["order_types"] = types
    return Instrument(
        symbol=sym["symbol"], base_asset=sym["baseAsset"], quote_asset=sym["quoteAsset"],
        base_precision=int(sym.get("baseAssetPrecision", 8)),
        quote_precision=int(sym.get("quoteAssetPrecision", sym.get("quotePrecision", 8))),
        status=sym.get("status", "TRADING"),
        quote_order_qty_market_allowed=bool(sym.get("quoteOrderQtyMarketAllowed", True)),
        venue=venue, asset_class=AssetClass.CRYPTO_SPOT, exchange="BINANCE", **kw)


# ---------------------------------------------------------------- market data

def kline_row(symbol: str, interval: Interval, row: list[Any], ts_recv: int = 0, closed: bool = True) -> Bar:
    """A REST kline array ``[openTime, o, h, l, c, v, closeTime, quoteVol, trades, ...]`` -> Bar."""
    return Bar(symbol=symbol, interval=interval, open_time=int(row[0]), open=dec(row[1]), high=dec(row[2]),
               low=dec(row[3]), close=dec(row[4]), volume=dec(row[5]), closed=closed, quote_volume=dec(row[7]),
               trades=int(row[8]), ts_recv=ts_recv)


def kline_event(data: Mapping[str, Any], ts_recv: int = 0) -> Bar:
    k = data["k"]
    return Bar(symbol=k["s"], interval=Interval.parse(k["i"]), open_time=k["t"], open=dec(k["o"]), high=dec(k["h"]),
               low=dec(k["l"]), close=dec(k["c"]), volume=dec(k["v"]), closed=bool(k["x"]),
               quote_volume=dec(k["q"]), trades=int(k["n"]), ts_recv=ts_recv)


def trade(data: Mapping[str, Any], ts_recv: int = 0) -> TradeTick:
    """``trade`` or ``aggTrade`` event -> TradeTick (aggressor = taker; ``m`` means the buyer was the maker)."""
    p, q = data["p"], data["q"]
    if not (p[0] in _DIGITS and q[0] in _DIGITS):
        p, q = dec(p, "price"), dec(q, "qty")
    return _trade(data["s"], _D(p), _D(q), data["t"] if "t" in data else data["a"], _SELL if data["m"] else _BUY,
                  data["T"], ts_recv)


def book_ticker(data: Mapping[str, Any], ts_recv: int = 0) -> QuoteTick:
    """bookTicker event (no E) or REST ticker/bookTicker -> QuoteTick."""
    if "b" in data:
        b, bq, a, aq = data["b"], data["B"], data["a"], data["A"]
        if not (b[0] in _DIGITS and bq[0] in _DIGITS and a[0] in _DIGITS and aq[0] in _DIGITS):
            b, bq, a, aq = dec(b, "bid"), dec(bq, "bid_qty"), dec(a, "ask"), dec(aq, "ask_qty")
        return _quote(data["s"], _D(b), _D(bq), _D(a), _D(aq), data.get("E", 0), ts_recv)
    return QuoteTick(symbol=data["symbol"], bid=dec(data["bidPrice"]), bid_qty=dec(data["bidQty"]),
                     ask=dec(data["askPrice"]), ask_qty=dec(data["askQty"]), ts_event=0, ts_recv=ts_recv)


def ticker(data: Mapping[str, Any], ts_recv: int = 0) -> Ticker24h:
    """24hrTicker / 24hrMiniTicker event, or REST ticker/24hr (FULL or MINI) -> Ticker24h."""
    if "e" in data:
        last, open_ = dec(data["c"]), dec(data["o"])
        pct = sdec(data["P"]) if "P" in data else _pct(last, open_)
        return Ticker24h(symbol=data["s"], last=last, open=open_, high=dec(data["h"]), low=dec(data["l"]),
                         volume=dec(data["v"]), quote_volume=dec(data["q"]), change_pct=pct, ts_event=data["E"],
                         ts_recv=ts_recv)
    last, open_ = dec(data["lastPrice"]), dec(data["openPrice"])
    pct = sdec(data["priceChangePercent"]) if "priceChangePercent" in data else _pct(last, open_)
    return Ticker24h(symbol=data["symbol"], last=last, open=open_, high=dec(data["highPrice"]),
                     low=dec(data["lowPrice"]), volume=dec(data["volume"]), quote_volume=dec(data["quoteVolume"]),
                     change_pct=pct, ts_event=int(data.get("closeTime", 0)), ts_recv=ts_recv)


def _pct(last: Decimal, open_: Decimal) -> Decimal:
    return ((last - open_) / open_ * _HUNDRED).quantize(Decimal("0.001")) if open_ else ZERO


@dataclass(frozen=True, slots=True)
class DepthDiff:
    """A ``depthUpdate`` event: changes between update ids ``first_id`` (U) and ``last_id`` (u)."""

    symbol: str
    first_id: int
    last_id: int
    bids: Levels
    asks: Levels
    ts_event: int = 0
    ts_recv: int = 0


@dataclass(frozen=True, slots=True)
class DepthSnapshot:
    """REST depth or a partial-depth stream payload."""

    last_update_id: int
    bids: Levels
    asks: Levels


def depth_update(data: Mapping[str, Any], ts_recv: int = 0) -> DepthDiff:
    return DepthDiff(symbol=data["s"], first_id=data["U"], last_id=data["u"], bids=levels(data["b"]),
                     asks=levels(data["a"]), ts_event=data["E"], ts_recv=ts_recv)


def depth_snapshot(data: Mapping[str, Any]) -> DepthSnapshot:
    return DepthSnapshot(int(data["lastUpdateId"]), levels(data["bids"]), levels(data["asks"]))


# ---------------------------------------------------------------- orders and account

def order(data: Mapping[str, Any], request: OrderRequest | None = None, ts_recv: int = 0) -> Order:
    """An order object (POST/GET/DELETE order, openOrders, allOrders) -> Order.

    An ACK response lacks most fields; ``request`` fills them in. A cancel response carries the order's id in
    ``origClientOrderId`` (``clientOrderId`` is the cancel's own id).
    """
    cid = data.get("origClientOrderId") or data.get("clientOrderId") or (request.client_order_id if request else "")
    if "status" not in data:  # ACK
        if request is None:
            raise ValueError("an ACK response needs the request to build the order")
        ts = int(data.get("transactTime", 0))
        return Order.from_request(request, ts).with_status(OrderStatus.NEW, venue_order_id=data.get("orderId"))
    otype = ORDER_TYPE_FROM_WIRE[data["type"]]
    tif = data.get("timeInForce")
    quote_qty = _opt_price(data.get("origQuoteOrderQty"))
    created = int(data.get("time", data.get("transactTime", data.get("workingTime", 0))) or 0)
    updated = int(data.get("updateTime", data.get("transactTime", created)) or created)
    return Order(
        symbol=data["symbol"], side=SIDE_FROM_WIRE[data["side"]], type=otype, client_order_id=cid,
        quantity=dec(data.get("origQty", "0")), price=_opt_price(data.get("price")) if otype.has_price else None,
        stop_price=_opt_price(data.get("stopPrice")), quote_quantity=quote_qty,
        time_in_force=TIF_FROM_WIRE.get(tif) if (tif and otype.has_tif) else None,
        status=STATUS_FROM_WIRE[data["status"]], venue_order_id=data.get("orderId"),
        filled_qty=dec(data.get("executedQty", "0")), filled_quote=dec(data.get("cummulativeQuoteQty", "0")),
        ts_created=created, ts_updated=updated)


def response_fills(data: Mapping[str, Any], order_: Order, ts_recv: int = 0) -> list[Fill]:
    """``fills`` of a FULL order response (immediate fills: the order was the taker)."""
    ts = int(data.get("transactTime", 0))
    return [Fill(symbol=order_.symbol, client_order_id=order_.client_order_id, venue_order_id=order_.venue_order_id,
                 trade_id=int(f.get("tradeId", -1)), side=order_.side, price=dec(f["price"]), qty=dec(f["qty"]),
                 quote_qty=dec(f["price"]) * dec(f["qty"]), commission=dec(f.get("commission", "0")),
                 commission_asset=f.get("commissionAsset") or "", liquidity=Liquidity.TAKER, ts_event=ts,
                 ts_recv=ts_recv) for f in data.get("fills", ())]


def my_trade(data: Mapping[str, Any], client_order_id: str = "", ts_recv: int = 0) -> Fill:
    """A myTrades row -> Fill (myTrades carries no client order id; pass it if known)."""
    return Fill(symbol=data["symbol"], client_order_id=client_order_id, venue_order_id=data.get("orderId"),
                trade_id=int(data["id"]), side=Side.BUY if data["isBuyer"] else Side.SELL, price=dec(data["price"]),
                qty=dec(data["qty"]), quote_qty=dec(data["quoteQty"]), commission=dec(data["commission"]),
                commission_asset=data["commissionAsset"],
                liquidity=Liquidity.MAKER if data["isMaker"] else Liquidity.TAKER, ts_event=int(data["time"]),
                ts_recv=ts_recv)


def balances(account: Mapping[str, Any]) -> list[Balance]:
    return [Balance(b["asset"], dec(b["free"]), dec(b["locked"])) for b in account.get("balances", ())]


def execution_report(data: Mapping[str, Any], ts_recv: int = 0) -> tuple[Order, Fill | None]:
    """executionReport -> the order after this event, and the fill when ``x == TRADE``."""
    otype = ORDER_TYPE_FROM_WIRE[data["o"]]
    cid = data.get("C") or data["c"]  # on a cancel, C is the order's id and c the cancel's
    tif = data.get("f")
    reason = data.get("r")
    ts = int(data.get("T") or data["E"])
    o = Order(
        symbol=data["s"], side=SIDE_FROM_WIRE[data["S"]], type=otype, client_order_id=cid, quantity=dec(data["q"]),
        price=_opt_price(data.get("p")) if otype.has_price else None, stop_price=_opt_price(data.get("P")),
        quote_quantity=_opt_price(data.get("Q")),
        time_in_force=TIF_FROM_WIRE.get(tif) if (tif and otype.has_tif) else None,
        status=STATUS_FROM_WIRE[data["X"]], venue_order_id=data.get("i"), filled_qty=dec(data["z"]),
        filled_quote=dec(data.get("Z", "0")), ts_created=int(data.get("O", ts)), ts_updated=ts,
        reject_reason=reason if reason and reason != "NONE" else None)
    fill = None
    if data.get("x") == "TRADE":
        price, qty = dec(data["L"]), dec(data["l"])
        fill = Fill(symbol=o.symbol, client_order_id=cid, venue_order_id=o.venue_order_id, trade_id=int(data["t"]),
                    side=o.side, price=price, qty=qty,
                    quote_qty=dec(data["Y"]) if "Y" in data else price * qty, commission=dec(data.get("n") or "0"),
                    commission_asset=data.get("N") or "", liquidity=Liquidity.MAKER if data.get("m") else
                    Liquidity.TAKER, ts_event=ts, ts_recv=ts_recv)
    return o, fill


def account_position(data: Mapping[str, Any], ts_recv: int = 0) -> BalancesUpdated:
    return BalancesUpdated(tuple(Balance(b["a"], dec(b["f"]), dec(b["l"])) for b in data["B"]),
                           ts_event=int(data["E"]), ts_recv=ts_recv)


__all__ = ["dec", "sdec", "levels", "instruments", "instrument", "request_weight_limit", "kline_row", "kline_event",
           "trade", "book_ticker", "ticker", "DepthDiff", "DepthSnapshot", "depth_update", "depth_snapshot", "order",
           "response_fills", "my_trade", "balances", "execution_report", "account_position"]

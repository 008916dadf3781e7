"""Pure functions: Binance wire dicts/arrays -> domain records. No I/O.

Numbers arrive as decimal strings; they become ``Decimal`` here (never via float). ``ts_recv`` is passed in by the
caller so these stay pure.

Stream messages follow the wire rules below (``wire_*``): prices and sizes are strings of the model's wire-number
syntax (``numbers.WIRE_NUMBER``: ASCII digits, at most 20 before and 20 after the point, so finite and non-negative),
ids and times are integers (not booleans, strings or floats) in range, the symbol is the stream's own. A message that
breaks one raises ``WireError`` (the stream drops and counts it). ``checked_trade``/``checked_book_ticker`` spell the
rules out plainly; ``trade``/``book_ticker_event`` are the stream's fast path and must agree with them on every input
(property-tested): they accept only what cheap checks prove valid and hand anything else to the checked parser.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

from ...model import (Balance, BalancesUpdated, Bar, Fill, Instrument, Interval, Liquidity, Order, OrderRequest,
                      OrderStatus, QuoteTick, Side, Ticker24h, TradeTick)
from ...model.events import BalanceChanged
from ...model.numbers import WIRE_NUMBER, NumberError
from ..ports import KeyPermissions
from .enums import ORDER_TYPE_FROM_WIRE, SIDE_FROM_WIRE, STATUS_FROM_WIRE, TIF_FROM_WIRE
from ...model.enums import AssetClass

ZERO = Decimal(0)
_BUY, _SELL = Side.BUY, Side.SELL
_HUNDRED = Decimal(100)
Levels = list[tuple[Decimal, Decimal]]


_D = Decimal


def dec(value: Any, name: str = "value") -> Decimal:
    """A finite, non-negative Decimal from a wire string (or int). Floats go through their repr, never binary."""
    d = _D(value) if type(value) is not float else _D(repr(value))
    if not (d.is_finite() and d >= ZERO):
        raise NumberError(f"{name}: {value!r} is not a finite non-negative number")
    return d


# The stream hot path builds one record per message. A frozen dataclass's __init__ sets each field through
# object.__setattr__ (slow). Instead a plain class with the record's slots is filled with ordinary attribute stores
# and then becomes the record by __class__ assignment (CPython allows it between classes with the same slot layout):
# the same object at about a third of the cost. Used only while the records have exactly these fields and no
# __post_init__, and the assignment works (else the plain constructors are used).
_QUOTE_FIELDS = ("symbol", "bid", "bid_qty", "ask", "ask_qty", "ts_event", "ts_recv")
_TRADE_FIELDS = ("symbol", "price", "qty", "trade_id", "aggressor", "ts_event", "ts_recv")


def _builder(cls: type, names: tuple[str, ...]) -> Callable[[], Any] | None:
    if tuple(f.name for f in fields(cls)) != names or hasattr(cls, "__post_init__"):
        return None
    twin = type(f"_{cls.__name__}Builder", (), {"__slots__": names})
    try:
        twin().__class__ = cls
    except TypeError:  # a layout CPython will not swap (another interpreter, a changed record)
        return None
    return twin


_QuoteBuilder = _builder(QuoteTick, _QUOTE_FIELDS)
_TradeBuilder = _builder(TradeTick, _TRADE_FIELDS)


def _quote(symbol: str, bid: Decimal, bid_qty: Decimal, ask: Decimal, ask_qty: Decimal, ts_event: int,
           ts_recv: int) -> QuoteTick:
    if _QuoteBuilder is None:
        return QuoteTick(symbol, bid, bid_qty, ask, ask_qty, ts_event, ts_recv)
    q = _QuoteBuilder()
    q.symbol = symbol
    q.bid = bid
    q.bid_qty = bid_qty
    q.ask = ask
    q.ask_qty = ask_qty
    q.ts_event = ts_event
    q.ts_recv = ts_recv
    q.__class__ = QuoteTick
    return q  # type: ignore[no-any-return]


def _trade(symbol: str, price: Decimal, qty: Decimal, trade_id: int, aggressor: Side, ts_event: int,
           ts_recv: int) -> TradeTick:
    if _TradeBuilder is None:
        return TradeTick(symbol, price, qty, trade_id, aggressor, ts_event, ts_recv)
    t = _TradeBuilder()
    t.symbol = symbol
    t.price = price
    t.qty = qty
    t.trade_id = trade_id
    t.aggressor = aggressor
    t.ts_event = ts_event
    t.ts_recv = ts_recv
    t.__class__ = TradeTick
    return t  # type: ignore[no-any-return]


# ---------------------------------------------------------------- wire rules (stream messages)

MAX_ID = 2 ** 63 - 1  # ids are int64 on the wire
MAX_MS = 10 ** 13  # epoch ms before the year 2286: a larger "time" is in other units or garbage
MAX_DEPTH_SPAN = 10 ** 7  # one depth diff covering more update ids than this is not plausible
SYMBOL = re.compile(r"[A-Z0-9_.-]{1,20}")  # Binance's symbol syntax


class WireError(ValueError):
    """A message that breaks the wire rules. ``field`` names the offending field (a constant, never its value)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


def _get(data: Mapping[str, Any], key: str) -> Any:
    try:
        return data[key]
    except KeyError:
        raise WireError(key, "missing") from None


def wire_object(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise WireError("data", f"not an object but {type(data).__name__}")
    return data


def wire_number(value: Any, field: str) -> Decimal:
    """A price or size: text in the model's wire-number syntax, which admits only finite, non-negative numbers of
    sane length (no sign, exponent, space, underscore or non-ASCII digit), built exactly as written."""
    if not isinstance(value, str) or WIRE_NUMBER.fullmatch(value) is None:
        raise WireError(field, "not a wire number (up to 20 ASCII digits, optionally a point and up to 20 more)")
    return Decimal(value)


def wire_signed(value: Any, field: str) -> Decimal:
    """A signed number (a change): an optional '-', then a wire number."""
    wire_number(value[1:] if isinstance(value, str) and value[:1] == "-" else value, field)
    return Decimal(value)


def wire_id(value: Any, field: str) -> int:
    if type(value) is not int or not 0 <= value <= MAX_ID:
        raise WireError(field, "not an integer id in 0..2**63-1")
    return value


def wire_ms(value: Any, field: str) -> int:
    if type(value) is not int or not 0 <= value <= MAX_MS:
        raise WireError(field, "not an integer epoch-ms time")
    return value


def wire_bool(value: Any, field: str) -> bool:
    if type(value) is not bool:
        raise WireError(field, "not a boolean")
    return value


def wire_symbol(value: Any, expected: str | None = None) -> str:
    """The message's symbol: the stream's own when known (``expected``), else any text in Binance's symbol syntax."""
    if not isinstance(value, str) or (SYMBOL.fullmatch(value) is None if expected is None else value != expected):
        raise WireError("symbol", "not this stream's symbol" if expected else "not a symbol")
    return value


def wire_levels(rows: Any, field: str) -> Levels:
    """Depth levels ``[[price, qty], ...]`` (extra items in a row are ignored)."""
    if not isinstance(rows, list):
        raise WireError(field, "not a list of levels")
    out = []
    for row in rows:
        if not isinstance(row, list) or len(row) < 2:
            raise WireError(field, "a level is not [price, qty]")
        p = row[0]
        price = _price(p) if type(p) is str else None
        if price is None:
            price = _remember(p, wire_number(p, "price"))
        out.append((price, wire_number(row[1], "qty")))
    return out


# The hot path remembers the prices it has validated (prices sit on a tick grid and repeat a lot on a stream; sizes
# rarely do, so they are checked each time): a text found here passed the wire-number rule before, so it needs no
# check and no new Decimal. Only such texts are ever stored.
_PRICES: dict[str, Decimal] = {}
_PRICES_MAX = 8192
_price = _PRICES.get
_wire_match = WIRE_NUMBER.fullmatch


def _fresh(text: str) -> Decimal | None:
    """A price not seen yet: validated (None if it is no wire number; TypeError if it is no text) and remembered."""
    if _wire_match(text) is None:
        return None
    return _remember(text, _D(text))


def _remember(text: str, price: Decimal) -> Decimal:
    if len(_PRICES) >= _PRICES_MAX:
        _PRICES.clear()
    _PRICES[text] = price
    return price


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


def kline_event(data: Any, ts_recv: int = 0, symbol: str | None = None) -> Bar:
    """kline event -> Bar, by the wire rules."""
    k = wire_object(_get(wire_object(data), "k"))
    try:
        interval = Interval.parse(_get(k, "i"))
    except (TypeError, ValueError):
        raise WireError("interval", "not an interval") from None
    return Bar(symbol=wire_symbol(_get(k, "s"), symbol), interval=interval,
               open_time=wire_ms(_get(k, "t"), "open_time"), open=wire_number(_get(k, "o"), "open"),
               high=wire_number(_get(k, "h"), "high"), low=wire_number(_get(k, "l"), "low"), close=wire_number(_get(k, "c"), "close"),
               volume=wire_number(_get(k, "v"), "volume"), closed=wire_bool(_get(k, "x"), "closed"),
               quote_volume=wire_number(_get(k, "q"), "quote_volume"), trades=wire_id(_get(k, "n"), "trades"),
               ts_recv=ts_recv)


def checked_trade(data: Any, ts_recv: int = 0, symbol: str | None = None) -> TradeTick:
    """``trade`` or ``aggTrade`` event -> TradeTick, every wire rule checked plainly (the reference for ``trade``).

    The aggressor is the taker: ``m`` means the buyer was the maker."""
    d = wire_object(data)
    id_key = "t" if "t" in d else "a"
    return TradeTick(symbol=wire_symbol(_get(d, "s"), symbol), price=wire_number(_get(d, "p"), "price"),
                     qty=wire_number(_get(d, "q"), "qty"), trade_id=wire_id(_get(d, id_key), "trade_id"),
                     aggressor=Side.SELL if wire_bool(_get(d, "m"), "m") else Side.BUY,
                     ts_event=wire_ms(_get(d, "T"), "ts_event"), ts_recv=ts_recv)


def checked_book_ticker(data: Any, ts_recv: int = 0, symbol: str | None = None) -> QuoteTick:
    """bookTicker event -> QuoteTick, every wire rule checked plainly (the reference for ``book_ticker_event``).
    ``u`` (update id) and ``E`` (event time) are optional; spot sends no ``E``."""
    d = wire_object(data)
    if "u" in d:
        wire_id(d["u"], "update_id")
    return QuoteTick(symbol=wire_symbol(_get(d, "s"), symbol), bid=wire_number(_get(d, "b"), "bid"),
                     bid_qty=wire_number(_get(d, "B"), "bid_qty"), ask=wire_number(_get(d, "a"), "ask"),
                     ask_qty=wire_number(_get(d, "A"), "ask_qty"),
                     ts_event=wire_ms(d["E"], "ts_event") if "E" in d else 0, ts_recv=ts_recv)


def trade(data: Any, ts_recv: int = 0, symbol: str | None = None) -> TradeTick:
    """The stream's fast path for ``checked_trade`` (same results, same errors). Without ``symbol`` (not a stream)
    it is ``checked_trade``."""
    try:
        s = data["s"]
        p = data["p"]
        q = data["q"]
        tid = data["t"] if "t" in data else data["a"]
        ts = data["T"]
        m = data["m"]
        price = _price(p)
        if price is None:
            price = _fresh(p)
        if (price is not None and _wire_match(q) is not None and s == symbol and type(tid) is int
                and type(ts) is int and -1 < tid <= MAX_ID and -1 < ts <= MAX_MS and (m is True or m is False)):
            return _trade(s, price, _D(q), tid, _SELL if m else _BUY, ts, ts_recv)
    except Exception:  # noqa: BLE001 - anything unusual is decided (and explained) by the checked parser
        pass
    return checked_trade(data, ts_recv, symbol)


def book_ticker_event(data: Any, ts_recv: int = 0, symbol: str | None = None) -> QuoteTick:
    """The stream's fast path for ``checked_book_ticker`` (same results, same errors)."""
    try:
        s = data["s"]
        b = data["b"]
        bq = data["B"]
        a = data["a"]
        aq = data["A"]
        ts = data.get("E", 0)
        u = data.get("u", 0)
        bid = _price(b)
        if bid is None:
            bid = _fresh(b)
        ask = _price(a)
        if ask is None:
            ask = _fresh(a)
        if (bid is not None and ask is not None and _wire_match(bq) is not None and _wire_match(aq) is not None
                and s == symbol and type(ts) is int and type(u) is int and -1 < ts <= MAX_MS and -1 < u <= MAX_ID):
            return _quote(s, bid, _D(bq), ask, _D(aq), ts, ts_recv)
    except Exception:  # noqa: BLE001 - anything unusual is decided (and explained) by the checked parser
        pass
    return checked_book_ticker(data, ts_recv, symbol)


def book_ticker(data: Mapping[str, Any], ts_recv: int = 0) -> QuoteTick:
    """bookTicker event (see ``book_ticker_event``) or REST ticker/bookTicker -> QuoteTick."""
    if "b" in data:
        return book_ticker_event(data, ts_recv)
    return QuoteTick(symbol=data["symbol"], bid=dec(data["bidPrice"]), bid_qty=dec(data["bidQty"]),
                     ask=dec(data["askPrice"]), ask_qty=dec(data["askQty"]), ts_event=0, ts_recv=ts_recv)


def ticker(data: Mapping[str, Any], ts_recv: int = 0, symbol: str | None = None) -> Ticker24h:
    """24hrTicker / 24hrMiniTicker event, or REST ticker/24hr (FULL or MINI) -> Ticker24h."""
    if "e" in wire_object(data):  # a stream event: the wire rules
        last, open_ = wire_number(_get(data, "c"), "last"), wire_number(_get(data, "o"), "open")
        pct = wire_signed(data["P"], "change_pct") if "P" in data else _pct(last, open_)
        return Ticker24h(symbol=wire_symbol(_get(data, "s"), symbol), last=last, open=open_,
                         high=wire_number(_get(data, "h"), "high"), low=wire_number(_get(data, "l"), "low"),
                         volume=wire_number(_get(data, "v"), "volume"),
                         quote_volume=wire_number(_get(data, "q"), "quote_volume"), change_pct=pct,
                         ts_event=wire_ms(_get(data, "E"), "ts_event"), ts_recv=ts_recv)
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


def depth_update(data: Any, ts_recv: int = 0, symbol: str | None = None) -> DepthDiff:
    """``depthUpdate`` event -> DepthDiff. Update ids are integers with ``U <= u`` and a plausible span
    (``u - U <= MAX_DEPTH_SPAN``: one diff from ``U`` = the book's next id up to ``u`` = 9e18 would otherwise move a
    book so far ahead that every later diff looks stale)."""
    d = wire_object(data)
    first_id, last_id = wire_id(_get(d, "U"), "first_id"), wire_id(_get(d, "u"), "last_id")
    if first_id > last_id:
        raise WireError("first_id", "after last_id")
    if last_id - first_id > MAX_DEPTH_SPAN:
        raise WireError("last_id", f"more than {MAX_DEPTH_SPAN} updates after first_id")
    return DepthDiff(symbol=wire_symbol(_get(d, "s"), symbol), first_id=first_id, last_id=last_id,
                     bids=wire_levels(_get(d, "b"), "bids"), asks=wire_levels(_get(d, "a"), "asks"),
                     ts_event=wire_ms(_get(d, "E"), "ts_event"), ts_recv=ts_recv)


def depth_snapshot(data: Any) -> DepthSnapshot:
    """REST depth or a partial-depth stream payload (``lastUpdateId``, ``bids``, ``asks``), by the wire rules."""
    d = wire_object(data)
    return DepthSnapshot(wire_id(_get(d, "lastUpdateId"), "last_update_id"), wire_levels(_get(d, "bids"), "bids"),
                         wire_levels(_get(d, "asks"), "asks"))


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


def balance_update(data: Any, ts_recv: int = 0) -> BalanceChanged:
    """``balanceUpdate`` (a deposit, a withdrawal or a transfer: not a trade) -> BalanceChanged. Its time is the
    clear time ``T`` (the event time ``E`` when absent); Binance gives the event no id."""
    data = wire_object(data)
    asset = _get(data, "a")
    if not isinstance(asset, str) or not asset:
        raise WireError("a", "not an asset name")
    ts = data.get("T")
    return BalanceChanged(asset, wire_signed(_get(data, "d"), "d"),
                          wire_ms(ts if ts is not None else _get(data, "E"), "T"), ts_recv)


__all__ = ["dec", "sdec", "levels", "WireError", "wire_number", "wire_signed", "wire_id", "wire_ms", "wire_bool",
           "wire_symbol", "wire_levels", "wire_object", "MAX_ID", "MAX_MS", "MAX_DEPTH_SPAN", "instruments",
           "instrument", "request_weight_limit", "kline_row", "kline_event", "trade", "checked_trade", "book_ticker",
           "book_ticker_event", "checked_book_ticker", "ticker", "DepthDiff", "DepthSnapshot", "depth_update",
           "depth_snapshot", "order", "response_fills", "my_trade", "balances", "execution_report",
           "account_position", "balance_update", "key_permissions"]


_OTHER_PRODUCTS = {"enableMargin": "margin", "enableFutures": "futures", "enableVanillaOptions": "options",
                   "enablePortfolioMarginTrading": "portfolio margin"}


def key_permissions(raw: Mapping[str, Any]) -> KeyPermissions:
    """``GET /sapi/v1/account/apiRestrictions`` -> KeyPermissions (every field optional, reference §19)."""
    def flag(name: str) -> bool | None:
        value = raw.get(name)
        return value if isinstance(value, bool) else None

    def ms(name: str) -> int | None:
        value = raw.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None

    transfer = [flag("enableInternalTransfer"), flag("permitsUniversalTransfer")]
    return KeyPermissions(
        ip_restricted=flag("ipRestrict"), can_read=flag("enableReading"),
        can_trade=flag("enableSpotAndMarginTrading"), can_withdraw=flag("enableWithdrawals"),
        can_transfer=True if any(transfer) else (False if all(t is False for t in transfer) else None),
        other_products=tuple(label for name, label in _OTHER_PRODUCTS.items() if raw.get(name) is True),
        created_ms=ms("createTime"), trading_expires_ms=ms("tradingAuthorityExpirationTime"))

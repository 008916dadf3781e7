"""Public market data endpoints (security NONE): ping, time, exchangeInfo, depth, trades, aggTrades, klines,
uiKlines, avgPrice and the tickers."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from terminal.model.enums import OrderType
from terminal.model.instrument import Instrument
from terminal.sim.klines import TickerStats

from . import errors
from .orders import agg_trade, public_trade
from .params import Params
from .rules import DEFAULT_RULES, SymbolRules
from .venue import Venue
from .wire import INTERVAL_FROM_WIRE, TYPE_TO_WIRE, num

_TYPE_ORDER = list(TYPE_TO_WIRE)


def depth_weight(limit: int) -> int:
    if limit <= 100:
        return 5
    if limit <= 500:
        return 25
    if limit <= 1000:
        return 50
    return 250


def symbol_entry(inst: Instrument, rules: SymbolRules = DEFAULT_RULES) -> dict[str, Any]:
    market_step = inst.market_step_size if inst.market_step_size is not None else Decimal(0)
    market_min = inst.market_min_qty if inst.market_min_qty is not None else Decimal(0)
    market_max = inst.market_max_qty if inst.market_max_qty is not None else inst.max_qty
    return {
        "symbol": inst.symbol, "status": inst.status, "baseAsset": inst.base_asset,
        "baseAssetPrecision": inst.base_precision, "quoteAsset": inst.quote_asset,
        "quotePrecision": inst.quote_precision, "quoteAssetPrecision": inst.quote_precision,
        "baseCommissionPrecision": inst.base_precision, "quoteCommissionPrecision": inst.quote_precision,
        "orderTypes": [TYPE_TO_WIRE[t] for t in _TYPE_ORDER if t in inst.order_types],
        "icebergAllowed": False, "ocoAllowed": rules.oco_allowed, "otoAllowed": rules.oto_allowed,
        "quoteOrderQtyMarketAllowed": inst.quote_order_qty_market_allowed,
        "allowTrailingStop": rules.allow_trailing_stop,
        "cancelReplaceAllowed": False, "amendAllowed": False, "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": num(inst.min_price), "maxPrice": num(inst.max_price),
             "tickSize": num(inst.tick_size)},
            {"filterType": "LOT_SIZE", "minQty": num(inst.min_qty), "maxQty": num(inst.max_qty),
             "stepSize": num(inst.step_size)},
            {"filterType": "MARKET_LOT_SIZE", "minQty": num(market_min), "maxQty": num(market_max),
             "stepSize": num(market_step)},
            {"filterType": "NOTIONAL", "minNotional": num(inst.min_notional),
             "applyMinToMarket": inst.apply_min_to_market, "maxNotional": num(inst.max_notional),
             "applyMaxToMarket": inst.apply_max_to_market, "avgPriceMins": 5},
            *rules.filters(),
        ],
        "permissions": [], "permissionSets": [["SPOT"]], "defaultSelfTradePreventionMode": "NONE",
        "allowedSelfTradePreventionModes": ["NONE"],
    }


_WINDOW_UNITS = {"m": (60_000, 59), "h": (3_600_000, 23), "d": (86_400_000, 7)}


def parse_window(text: str) -> int:
    """``1m``..``59m``, ``1h``..``23h``, ``1d``..``7d`` -> milliseconds (-1100 otherwise)."""
    unit = _WINDOW_UNITS.get(text[-1:])
    if unit is None or not text[:-1].isdigit() or not 1 <= int(text[:-1]) <= unit[1]:
        raise errors.ApiError(-1100, f"Illegal characters found in parameter 'windowSize'; legal range is "
                              "'1m..59m, 1h..23h, 1d..7d'.")
    return int(text[:-1]) * unit[0]


class MarketData:
    def __init__(self, venue: Venue) -> None:
        self.venue = venue

    @property
    def market(self) -> Any:
        return self.venue.market

    def _symbols(self, p: Params) -> list[str] | None:
        """``symbol`` or ``symbols`` (both is an error); None means all."""
        one, many = p.text("symbol"), p.symbol_list()
        if one is not None and many is not None:
            raise errors.ApiError(-1128, "Combination of optional parameters invalid.")
        if one is not None:
            self.venue.instrument(one)
            return [one]
        if many is not None:
            for s in many:
                self.venue.instrument(s)
            return many
        return None

    def ping(self, p: Params) -> Any:
        return {}

    def time(self, p: Params) -> Any:
        return {"serverTime": self.venue.now_ms()}

    def exchange_info(self, p: Params) -> Any:
        symbols = self._symbols(p)
        permissions = p.text("permissions", max_len=1000)
        status = p.text("symbolStatus")
        insts = list(self.venue.instruments.values()) if symbols is None else [
            self.venue.instruments[s] for s in symbols]
        if permissions is not None and "SPOT" not in permissions:
            insts = []
        if status is not None:
            insts = [i for i in insts if i.status == status]
        return {"timezone": "UTC", "serverTime": self.venue.now_ms(),
                "rateLimits": self.venue.limiter.limits.exchange_info(), "exchangeFilters": [],
                "symbols": [symbol_entry(i, self.venue.rules_for(i.symbol)) for i in insts]}

    def depth(self, p: Params) -> Any:
        symbol = p.text("symbol", required=True)
        limit = p.limit(100, 5000)
        self.venue.instrument(symbol)
        update_id, bids, asks = self.venue.engine.depth(symbol, limit)
        return {"lastUpdateId": update_id, "bids": [[num(px), num(q)] for px, q in bids],
                "asks": [[num(px), num(q)] for px, q in asks]}

    def trades(self, p: Params) -> Any:
        symbol = p.text("symbol", required=True)
        limit = p.limit(500, 1000)
        self.venue.instrument(symbol)
        return [public_trade(t) for t in self.venue.engine.recent_trades(symbol, limit)]

    def agg_trades(self, p: Params) -> Any:
        symbol = p.text("symbol", required=True)
        limit = p.limit(500, 1000)
        from_id, start, end = p.integer("fromId"), p.integer("startTime"), p.integer("endTime")
        self.venue.instrument(symbol)
        if start is not None and end is not None and end - start > 3_600_000:
            raise errors.ApiError(-1127, "More than 1 hours between startTime and endTime.")
        trades = self.venue.engine.recent_trades(symbol, 1000)
        if from_id is not None:
            trades = [t for t in trades if t.trade_id >= from_id][:limit]
        elif start is not None or end is not None:
            trades = [t for t in trades if (start is None or t.time >= start) and (end is None or t.time <= end)]
            trades = trades[:limit] if start is not None else trades[-limit:]
        else:
            trades = trades[-limit:]
        return [agg_trade(t) for t in trades]

    def klines(self, p: Params) -> Any:
        symbol = p.text("symbol", required=True)
        interval_text = p.text("interval", required=True)
        interval = INTERVAL_FROM_WIRE.get(interval_text or "")
        if interval is None:
            raise errors.bad_interval()
        start, end = p.integer("startTime"), p.integer("endTime")
        limit = p.limit(500, 1000)
        tz = p.text("timeZone")
        if tz not in (None, "0", "+00:00", "00:00", "0:00"):
            raise errors.ApiError(-1100, "Illegal characters found in parameter 'timeZone'; only UTC is served.")
        self.venue.instrument(symbol)
        store = self._store(symbol)
        if store is None:  # a quiet market before the symbol's first trade
            return []
        rows = store.klines(interval, start, end, limit)
        return [row.wire() for row in rows]

    def _store(self, symbol: str | None) -> Any:
        """The symbol's candles, or None: no market, or a quiet one where the symbol has not traded yet."""
        return self.market.stores.get(symbol) if self.market is not None else None

    def avg_price(self, p: Params) -> Any:
        symbol = p.text("symbol", required=True)
        self.venue.instrument(symbol)
        now = self.venue.now_ms()
        store = self._store(symbol)
        price = store.avg_price(now, 5) if store is not None else self._last_price(str(symbol))
        return {"mins": 5, "price": num(price), "closeTime": now}

    def _book_top(self, symbol: str) -> tuple[int, tuple[Decimal, Decimal], tuple[Decimal, Decimal]]:
        update_id, bids, asks = self.venue.engine.depth(symbol, 1)
        zero = (Decimal(0), Decimal(0))
        return update_id, (bids[0] if bids else zero), (asks[0] if asks else zero)

    def _last_price(self, symbol: str) -> Decimal:
        price = self.venue.engine.last_price(symbol)
        store = self._store(symbol) if price is None else None
        if store is not None:
            price = store.last_price
        return price if price is not None else Decimal(0)

    def ticker_price(self, p: Params) -> Any:
        symbols = self._symbols(p)
        rows = [{"symbol": s, "price": num(self._last_price(s))} for s in (symbols or self.venue.instruments)]
        return rows[0] if p.has("symbol") else rows

    def book_ticker(self, p: Params) -> Any:
        symbols = self._symbols(p)
        rows = []
        for s in symbols or self.venue.instruments:
            _, (bp, bq), (ap, aq) = self._book_top(s)
            rows.append({"symbol": s, "bidPrice": num(bp), "bidQty": num(bq), "askPrice": num(ap),
                         "askQty": num(aq)})
        return rows[0] if p.has("symbol") else rows

    def ticker_24h(self, p: Params) -> Any:
        symbols = self._symbols(p)
        kind = p.text("type") or "FULL"
        if kind not in ("FULL", "MINI"):
            raise errors.ApiError(-1100, "Illegal characters found in parameter 'type'; legal range is 'FULL, MINI'.")
        now = self.venue.now_ms()
        rows = [self.ticker_row(s, now, kind == "MINI") for s in (symbols or self.venue.instruments)]
        return rows[0] if p.has("symbol") else rows

    def rolling_ticker(self, p: Params) -> Any:
        """``GET /api/v3/ticker?symbol|symbols&windowSize=1m..59m|1h..23h|1d..7d[&type=MINI]``."""
        symbols = self._symbols(p)
        if symbols is None:
            raise errors.ApiError(-1102, "Param 'symbol' or 'symbols' must be sent, but both were empty/null!")
        window_ms = parse_window(p.text("windowSize") or "1d")
        kind = p.text("type") or "FULL"
        if kind not in ("FULL", "MINI"):
            raise errors.ApiError(-1100, "Illegal characters found in parameter 'type'; legal range is 'FULL, MINI'.")
        now = self.venue.now_ms()
        rows = []
        for s in symbols:
            row = self.ticker_row(s, now, True, window_ms)
            if kind == "FULL":
                full = self.ticker_row(s, now, False, window_ms)
                row = {k: full[k] for k in ("symbol", "priceChange", "priceChangePercent", "weightedAvgPrice")} | row
            rows.append(row)
        return rows[0] if p.has("symbol") else rows

    def ticker_row(self, symbol: str, now: int, mini: bool, window_ms: int = 86_400_000) -> dict[str, Any]:
        store = self._store(symbol)
        st = store.ticker_24h(now, window_ms) if store is not None else no_trades(symbol, now, window_ms)
        if mini:
            return {"symbol": symbol, "openPrice": num(st.open), "highPrice": num(st.high), "lowPrice": num(st.low),
                    "lastPrice": num(st.last), "volume": num(st.volume), "quoteVolume": num(st.quote_volume),
                    "openTime": st.open_time, "closeTime": st.close_time, "firstId": st.first_id,
                    "lastId": st.last_id, "count": st.count}
        _, (bp, bq), (ap, aq) = self._book_top(symbol)
        return {"symbol": symbol, "priceChange": num(st.change), "priceChangePercent": format(st.change_pct, "f"),
                "weightedAvgPrice": num(st.weighted_avg), "prevClosePrice": num(st.prev_close),
                "lastPrice": num(st.last), "lastQty": num(st.last_qty), "bidPrice": num(bp), "bidQty": num(bq),
                "askPrice": num(ap), "askQty": num(aq), "openPrice": num(st.open), "highPrice": num(st.high),
                "lowPrice": num(st.low), "volume": num(st.volume), "quoteVolume": num(st.quote_volume),
                "openTime": st.open_time, "closeTime": st.close_time, "firstId": st.first_id, "lastId": st.last_id,
                "count": st.count}


def no_trades(symbol: str, now: int, window_ms: int) -> TickerStats:
    """A symbol's rolling statistics before any trade (Binance: zeros, ids -1, count 0)."""
    z = Decimal(0)
    return TickerStats(symbol=symbol, open_time=now - window_ms, close_time=now, open=z, high=z, low=z, last=z,
                       last_qty=z, prev_close=z, volume=z, quote_volume=z, change=z, change_pct=z, weighted_avg=z,
                       first_id=-1, last_id=-1, count=0)

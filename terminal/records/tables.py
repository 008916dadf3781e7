"""Rows of the records tables from a journal: orders and fills (with fees, their asset and each fill's realised P&L)
in a date range. Values stay Decimal; ``export`` formats them."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

from ..model import Fill, Instrument
from ..oms.position import Ledger
from ..storage.journal import Journal

#: quote assets recognised at the end of a symbol when no instrument is known (journal files read offline)
QUOTES = ("FDUSD", "USDT", "USDC", "BUSD", "TUSD", "DAI", "EUR", "TRY", "BRL", "GBP", "JPY", "BTC", "ETH", "BNB",
          "USD")

FILL_COLUMNS = ["time", "venue", "symbol", "side", "price", "qty", "quote_qty", "fee", "fee_asset", "fee_value",
                "realised_pnl", "quote", "liquidity", "trade_id", "client_order_id", "venue_order_id"]
ORDER_COLUMNS = ["created", "updated", "venue", "symbol", "side", "type", "status", "quantity", "price",
                 "stop_price", "quote_quantity", "time_in_force", "filled_qty", "filled_quote", "avg_price",
                 "client_order_id", "venue_order_id", "origin", "reject_reason"]


def journal_path(provider: str, env: str, data_dir: str | Path) -> Path:
    """The journal file the session writes for a provider and environment (as ``session.connecting._journal``)."""
    name = env if provider == "binance" else f"{provider}-{env}"
    return Path(data_dir) / f"journal-{name}.sqlite3"


def iso(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def ledger_for(symbol: str, instruments: Mapping[str, Instrument] | None) -> Ledger:
    inst = (instruments or {}).get(symbol)
    if inst is not None:
        return Ledger.of(inst)
    for quote in QUOTES:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return Ledger(symbol[:-len(quote)], quote)
    return Ledger()


def _in(ts: int, start_ms: int | None, end_ms: int | None) -> bool:
    return (start_ms is None or ts >= start_ms) and (end_ms is None or ts <= end_ms)


def realised_fills(fills: list[Fill], instruments: Mapping[str, Instrument] | None = None
                   ) -> list[tuple[Fill, Ledger, Decimal, Decimal]]:
    """(fill, its symbol's ledger after it, realised P&L of the fill, fee value) in time order. The ledger runs over
    every fill given, so a range's P&L counts the cost of what was bought before it."""
    ledgers: dict[str, Ledger] = {}
    out = []
    for f in sorted(fills, key=lambda f: (f.ts_event, f.trade_id)):
        lg = ledgers.get(f.symbol)
        if lg is None:
            lg = ledgers[f.symbol] = ledger_for(f.symbol, instruments)
        realised, fee_value = lg.realised, lg.fee_value
        lg.apply(f)
        out.append((f, lg, lg.realised - realised, lg.fee_value - fee_value))
    return out


def fill_rows(journal: Journal, venue: str = "", start_ms: int | None = None, end_ms: int | None = None,
              symbol: str | None = None, instruments: Mapping[str, Instrument] | None = None) -> list[dict[str, Any]]:
    rows = []
    for f, lg, realised, fee_value in realised_fills(journal.fills(symbol), instruments):
        if not _in(f.ts_event, start_ms, end_ms):
            continue
        rows.append({"time": iso(f.ts_event), "venue": venue, "symbol": f.symbol, "side": f.side.name,
                     "price": f.price, "qty": f.qty, "quote_qty": f.quote_qty, "fee": f.commission,
                     "fee_asset": f.commission_asset, "fee_value": fee_value, "realised_pnl": realised,
                     "quote": lg.quote, "liquidity": f.liquidity.name, "trade_id": f.trade_id,
                     "client_order_id": f.client_order_id, "venue_order_id": f.venue_order_id})
    return rows


def order_rows(journal: Journal, venue: str = "", start_ms: int | None = None, end_ms: int | None = None,
               symbol: str | None = None) -> list[dict[str, Any]]:
    rows = []
    for o in journal.orders(symbol):
        if not _in(o.ts_created, start_ms, end_ms):
            continue
        avg = o.filled_quote / o.filled_qty if o.filled_qty else None
        rows.append({"created": iso(o.ts_created), "updated": iso(o.ts_updated), "venue": venue, "symbol": o.symbol,
                     "side": o.side.name, "type": o.type.name, "status": o.status.name, "quantity": o.quantity,
                     "price": o.price, "stop_price": o.stop_price, "quote_quantity": o.quote_quantity,
                     "time_in_force": o.time_in_force.name if o.time_in_force else None,
                     "filled_qty": o.filled_qty, "filled_quote": o.filled_quote, "avg_price": avg,
                     "client_order_id": o.client_order_id, "venue_order_id": o.venue_order_id, "origin": o.origin,
                     "reject_reason": o.reject_reason})
    return rows

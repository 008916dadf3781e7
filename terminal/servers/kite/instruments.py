"""The instruments dump: ``GET /instruments`` and ``/instruments/{exchange}`` as Kite's CSV (header and column order
exact, no empty numeric cell: ``strike`` and ``last_price`` are ``0`` where they do not apply). Gzipped with
``Content-Encoding: gzip`` when the client accepts it (requests does), as real Kite serves it.
"""
from __future__ import annotations

import csv
import gzip
import io
from decimal import Decimal
from typing import Iterable

from aiohttp import web

from terminal.model.numbers import fmt

from .envelope import input_error
from .listing import Listed, wire_date

HEADER = ("instrument_token", "exchange_token", "tradingsymbol", "name", "last_price", "expiry", "strike", "tick_size",
          "lot_size", "instrument_type", "segment", "exchange")
EXCHANGES = ("NSE", "BSE", "NFO", "BFO", "CDS", "BCD", "MCX")


def row(item: Listed, last_price: Decimal) -> list[str]:
    index = not item.tradable
    return [str(item.token), str(item.exchange_token), item.tradingsymbol, item.name, fmt(last_price),
            wire_date(item.expiry), fmt(item.strike), "0" if index else fmt(item.tick), "0" if index else str(item.lot),
            item.instrument_type, item.segment, item.exchange]


def dump(items: Iterable[tuple[Listed, Decimal]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for item, last in items:
        writer.writerow(row(item, last))
    return out.getvalue()


def response(request: web.Request, items: list[tuple[Listed, Decimal]], exchange: str | None) -> web.Response:
    if exchange is not None:
        if exchange not in EXCHANGES:
            raise input_error(f"Invalid exchange `{exchange}`.")
        items = [(item, last) for item, last in items if item.exchange == exchange]
    body = dump(items).encode()
    headers = {"Content-Type": "text/csv"}
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    return web.Response(body=body, headers=headers)

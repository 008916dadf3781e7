"""Stream name -> pure parse function, chosen once per subscription (not per message)."""
from __future__ import annotations

from typing import Any, Callable

from ...model import BookUpdated
from . import parse

Parser = Callable[[Any, int], Any]


def _partial_depth(stream: str) -> Parser:
    symbol = stream.split("@", 1)[0].upper()

    def parse_partial(data: Any, ts_recv: int) -> BookUpdated:
        snap = parse.depth_snapshot(data)
        return BookUpdated(symbol, snap.last_update_id, tuple(snap.bids), tuple(snap.asks), True, 0, ts_recv)
    return parse_partial


class Batch(list):  # type: ignore[type-arg]
    """Several records from one message (``!miniTicker@arr``): delivered one by one."""


def _array(parser: Parser) -> Parser:
    def parse_array(data: Any, ts_recv: int) -> Batch:
        return Batch(parser(item, ts_recv) for item in data)
    return parse_array


def parser_for(stream: str) -> Parser:
    """The parse function for a stream name, chosen by its suffix (``btcusdt@trade`` -> parse.trade)."""
    if stream in ("!miniTicker@arr", "!ticker@arr"):
        return _array(parse.ticker)
    _, _, suffix = stream.partition("@")
    if suffix in ("trade", "aggTrade"):
        return parse.trade
    if suffix == "bookTicker":
        return parse.book_ticker
    if suffix.startswith("kline_"):
        return parse.kline_event
    if suffix.startswith("depth"):
        rest = suffix[5:]
        return _partial_depth(stream) if rest[:1].isdigit() else parse.depth_update
    if suffix in ("miniTicker", "ticker") or suffix.startswith("ticker_"):
        return parse.ticker
    raise ValueError(f"no parser for stream {stream!r}")

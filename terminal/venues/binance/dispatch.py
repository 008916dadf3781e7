"""Stream name -> pure parse function, chosen once per subscription (not per message).

A parser is called as ``parser(data, ts_recv, symbol)``: ``symbol`` is the stream's own (``btcusdt@trade`` ->
``BTCUSDT``, None for all-market streams), and a message for another symbol is refused like any malformed one.
"""
from __future__ import annotations

from typing import Any, Protocol

from ...model import BookUpdated
from . import parse


class Parser(Protocol):
    def __call__(self, data: Any, ts_recv: int, symbol: str | None = None, /) -> Any: ...


def stream_symbol(stream: str) -> str | None:
    """The symbol a stream carries (``btcusdt@depth@100ms`` -> ``BTCUSDT``); None for ``!...`` all-market streams."""
    return None if stream.startswith("!") else stream.split("@", 1)[0].upper()


def _partial_depth(stream: str) -> Parser:
    symbol = stream.split("@", 1)[0].upper()

    def parse_partial(data: Any, ts_recv: int, _symbol: str | None = None) -> BookUpdated:
        snap = parse.depth_snapshot(data)
        return BookUpdated(symbol, snap.last_update_id, tuple(snap.bids), tuple(snap.asks), True, 0, ts_recv)
    return parse_partial


class Batch(list):  # type: ignore[type-arg]
    """Several records from one message (``!miniTicker@arr``): delivered one by one."""


def _array(parser: Parser) -> Parser:
    def parse_array(data: Any, ts_recv: int, _symbol: str | None = None) -> Batch:
        if not isinstance(data, list):
            raise parse.WireError("data", "not an array")
        return Batch(parser(item, ts_recv, None) for item in data)
    return parse_array


def parser_for(stream: str, *, checked: bool = False) -> Parser:
    """The parse function for a stream name, chosen by its suffix (``btcusdt@trade`` -> parse.trade).

    ``checked`` picks the plain reference parsers where the stream has a separate fast path (trade, bookTicker):
    the same results and errors, slower."""
    if stream in ("!miniTicker@arr", "!ticker@arr"):
        return _array(parse.ticker)
    _, _, suffix = stream.partition("@")
    if suffix in ("trade", "aggTrade"):
        return parse.checked_trade if checked else parse.trade
    if suffix == "bookTicker":
        return parse.checked_book_ticker if checked else parse.book_ticker_event
    if suffix.startswith("kline_"):
        return parse.kline_event
    if suffix.startswith("depth"):
        rest = suffix[5:]
        return _partial_depth(stream) if rest[:1].isdigit() else parse.depth_update
    if suffix in ("miniTicker", "ticker") or suffix.startswith("ticker_"):
        return parse.ticker
    raise ValueError(f"no parser for stream {stream!r}")

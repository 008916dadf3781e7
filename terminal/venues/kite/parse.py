"""Pure functions for Kite's WebSocket ticker: binary frames of packets, and the JSON text messages.

A binary frame is ``uint16 N`` then N times ``uint16 length`` + the packet (big-endian, unsigned). The length says the
packet's kind: 8 LTP, 28 index quote, 32 index full, 44 quote, 184 full (quote + last trade time, OI, exchange time
and 5 + 5 depth levels of 12 bytes: uint32 quantity, uint32 price, uint16 orders, 2 bytes padding). A 1-byte frame
is a heartbeat. Prices are integers in the segment's smallest unit (``token & 0xFF``: CDS / 10^7, BCD and NCO / 10^4,
else / 100), turned into exact Decimals here. Index packets order their fields high, low, open, close.

``parse_frame`` never raises on bad input: a packet of a length it does not know, or one cut short by the frame, is
counted in ``Frame.dropped`` and skipped (a frame whose packet lengths run past its end stops there).
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .enums import DEFAULT_PRICE_DECIMALS, INDICES_SEGMENT, SEGMENT_PRICE_DECIMALS

LTP, QUOTE, FULL = "ltp", "quote", "full"
LTP_LEN, INDEX_QUOTE_LEN, INDEX_FULL_LEN, QUOTE_LEN, FULL_LEN = 8, 28, 32, 44, 184
DEPTH_LEVELS = 5
_U16 = struct.Struct(">H")
_LTP = struct.Struct(">II")
_QUOTE = struct.Struct(">11I")
_FULL_EXTRA = struct.Struct(">5I")
_INDEX = struct.Struct(">7I")
_LEVEL = struct.Struct(">IIH2x")

Level = tuple[Decimal, int, int]  # price, quantity, orders


@dataclass(frozen=True, slots=True)
class Tick:
    """One instrument's packet. Prices are Decimal; times epoch seconds (0 when the packet has none)."""

    token: int
    mode: str
    tradable: bool
    last_price: Decimal
    last_qty: int = 0
    avg_price: Decimal | None = None
    volume: int = 0
    buy_qty: int = 0
    sell_qty: int = 0
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    close: Decimal | None = None
    last_trade_s: int = 0
    oi: int = 0
    oi_day_high: int = 0
    oi_day_low: int = 0
    exchange_s: int = 0
    bids: tuple[Level, ...] = ()
    asks: tuple[Level, ...] = ()

    @property
    def change_pct(self) -> Decimal | None:
        """(last - previous close) * 100 / close, as the official client computes it (None without a close)."""
        if not self.close:
            return None
        return (self.last_price - self.close) * 100 / self.close


@dataclass(frozen=True, slots=True)
class Frame:
    ticks: tuple[Tick, ...]
    dropped: int = 0
    heartbeat: bool = False


def price_decimals(token: int) -> int:
    return SEGMENT_PRICE_DECIMALS.get(token & 0xFF, DEFAULT_PRICE_DECIMALS)


def _px(value: int, places: int) -> Decimal:
    return Decimal(value).scaleb(-places)


def parse_packet(packet: bytes) -> Tick | None:
    """One packet -> Tick; None for a length no layout has."""
    n = len(packet)
    if n == LTP_LEN:
        token, ltp = _LTP.unpack(packet)
        places = price_decimals(token)
        return Tick(token, LTP, token & 0xFF != INDICES_SEGMENT, _px(ltp, places))
    if n in (INDEX_QUOTE_LEN, INDEX_FULL_LEN):
        token, ltp, high, low, open_, close, _change = _INDEX.unpack_from(packet)
        places = price_decimals(token)
        exchange_s = _U32(packet, 28) if n == INDEX_FULL_LEN else 0
        return Tick(token, QUOTE if n == INDEX_QUOTE_LEN else FULL, False, _px(ltp, places),
                    open=_px(open_, places), high=_px(high, places), low=_px(low, places), close=_px(close, places),
                    exchange_s=exchange_s)
    if n in (QUOTE_LEN, FULL_LEN):
        (token, ltp, ltq, atp, volume, buy_qty, sell_qty, open_, high, low, close) = _QUOTE.unpack_from(packet)
        places = price_decimals(token)
        common: dict[str, Any] = dict(
            token=token, mode=QUOTE, tradable=token & 0xFF != INDICES_SEGMENT, last_price=_px(ltp, places),
            last_qty=ltq, avg_price=_px(atp, places), volume=volume, buy_qty=buy_qty, sell_qty=sell_qty,
            open=_px(open_, places), high=_px(high, places), low=_px(low, places), close=_px(close, places))
        if n == QUOTE_LEN:
            return Tick(**common)
        last_trade_s, oi, oi_high, oi_low, exchange_s = _FULL_EXTRA.unpack_from(packet, QUOTE_LEN)
        levels = [_LEVEL.unpack_from(packet, 64 + 12 * i) for i in range(2 * DEPTH_LEVELS)]
        depth = [(_px(price, places), qty, orders) for qty, price, orders in levels]
        common["mode"] = FULL
        return Tick(**common, last_trade_s=last_trade_s, oi=oi, oi_day_high=oi_high, oi_day_low=oi_low,
                    exchange_s=exchange_s, bids=tuple(depth[:DEPTH_LEVELS]), asks=tuple(depth[DEPTH_LEVELS:]))
    return None


def _U32(packet: bytes, offset: int) -> int:
    return int.from_bytes(packet[offset:offset + 4], "big")


def parse_frame(data: bytes) -> Frame:
    """A binary frame -> its ticks (see the module). Never raises."""
    size = len(data)
    if size == 1:
        return Frame((), heartbeat=True)
    if size < 2:
        return Frame((), dropped=1)
    count = _U16.unpack_from(data, 0)[0]
    ticks: list[Tick] = []
    dropped = 0
    offset = 2
    for i in range(count):
        if offset + 2 > size:
            return Frame(tuple(ticks), dropped + count - i)
        length = _U16.unpack_from(data, offset)[0]
        offset += 2
        if offset + length > size:
            return Frame(tuple(ticks), dropped + count - i)
        tick = parse_packet(data[offset:offset + length])
        offset += length
        if tick is None:
            dropped += 1
        else:
            ticks.append(tick)
    if offset != size:
        dropped += 1  # bytes after the last packet the header announced
    return Frame(tuple(ticks), dropped)


@dataclass(frozen=True, slots=True)
class TextMessage:
    """A text frame: ``kind`` is "order" (``data`` the order payload), "error" or "message" (``data`` a string)."""

    kind: str
    data: Any


def parse_text(text: str | bytes) -> TextMessage:
    """A JSON text frame -> TextMessage (numbers as Decimal). ValueError for anything else."""
    msg = json.loads(text, parse_float=Decimal)
    if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
        raise ValueError("text frame without a type")
    kind = msg["type"]
    data = msg.get("data")
    if kind == "order" and not isinstance(data, dict):
        raise ValueError("order message without an order")
    return TextMessage(kind, data)


def subscribe_message(tokens: list[int]) -> str:
    return json.dumps({"a": "subscribe", "v": tokens})


def unsubscribe_message(tokens: list[int]) -> str:
    return json.dumps({"a": "unsubscribe", "v": tokens})


def mode_message(mode: str, tokens: list[int]) -> str:
    return json.dumps({"a": "mode", "v": [mode, tokens]})

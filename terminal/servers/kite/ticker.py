"""Kite's binary ticker packets, built exactly per the documented layouts (big-endian, unsigned 32-bit integers,
prices x divisor: 100, 10,000,000 for CDS, 10,000 for BCD and NCO, by the token's segment byte).

- LTP: 8 bytes (token, last price).
- Quote: 44 bytes (token, last, last qty, average, volume, buy qty, sell qty, open, high, low, close).
- Full: 184 bytes (quote + last trade time, OI, OI day high/low, exchange time, then 5 bids and 5 asks of 12 bytes:
  quantity uint32, price uint32, orders uint16, 2 bytes padding).
- Index quote: 28 bytes (token, last, high, low, open, close, price change as signed int32 — the client ignores it);
  index full: 32 bytes (+ exchange time).
- A frame: uint16 packet count, then per packet a uint16 length and the packet. A heartbeat is one byte.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Iterable

HEARTBEAT = b"\x00"
INDEX_SEGMENT = 9
Level = tuple[int, Decimal, int]  # quantity, price, orders


U32 = 0xFFFF_FFFF


def u32(value: int) -> int:
    """Clamped into an unsigned 32-bit field (the client reads every field unsigned)."""
    return min(max(int(value), 0), U32)


def divisor(token: int) -> int:
    segment = token & 0xFF
    return 10_000_000 if segment == 3 else 10_000 if segment in (6, 12) else 100


def wire_price(price: Decimal, token: int) -> int:
    return u32(int((price * divisor(token)).to_integral_value(ROUND_HALF_EVEN)))


@dataclass(frozen=True, slots=True)
class Snapshot:
    token: int
    last: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    exchange_s: int
    last_qty: int = 0
    average: Decimal = Decimal(0)
    volume: int = 0
    buy_qty: int = 0
    sell_qty: int = 0
    last_trade_s: int = 0
    oi: int = 0
    oi_high: int = 0
    oi_low: int = 0
    bids: tuple[Level, ...] = field(default_factory=tuple)
    asks: tuple[Level, ...] = field(default_factory=tuple)

    @property
    def is_index(self) -> bool:
        return self.token & 0xFF == INDEX_SEGMENT


def ltp_packet(s: Snapshot) -> bytes:
    return struct.pack(">II", s.token, wire_price(s.last, s.token))


def quote_packet(s: Snapshot) -> bytes:
    p = lambda v: wire_price(v, s.token)  # noqa: E731
    return struct.pack(">11I", s.token, p(s.last), u32(s.last_qty), p(s.average), u32(s.volume), u32(s.buy_qty),
                       u32(s.sell_qty), p(s.open), p(s.high), p(s.low), p(s.close))


def _levels(levels: tuple[Level, ...], token: int) -> bytes:
    padded = list(levels[:5]) + [(0, Decimal(0), 0)] * (5 - min(len(levels), 5))
    return b"".join(struct.pack(">IIH2x", u32(qty), wire_price(price, token), min(max(orders, 0), 0xFFFF))
                    for qty, price, orders in padded)


def full_packet(s: Snapshot) -> bytes:
    return (quote_packet(s) + struct.pack(">5I", u32(s.last_trade_s), u32(s.oi), u32(s.oi_high), u32(s.oi_low),
                                          u32(s.exchange_s))
            + _levels(s.bids, s.token) + _levels(s.asks, s.token))


def index_quote_packet(s: Snapshot) -> bytes:
    p = lambda v: wire_price(v, s.token)  # noqa: E731
    change = p(s.last) - p(s.close)
    return struct.pack(">6Ii", s.token, p(s.last), p(s.high), p(s.low), p(s.open), p(s.close),
                       max(min(change, 0x7FFF_FFFF), -0x8000_0000))


def index_full_packet(s: Snapshot) -> bytes:
    return index_quote_packet(s) + struct.pack(">I", u32(s.exchange_s))


def packet(s: Snapshot, mode: str) -> bytes:
    if mode == "ltp":
        return ltp_packet(s)
    if s.is_index:
        return index_full_packet(s) if mode == "full" else index_quote_packet(s)
    return full_packet(s) if mode == "full" else quote_packet(s)


def frame(packets: Iterable[bytes]) -> bytes:
    items = list(packets)
    return struct.pack(">H", len(items)) + b"".join(struct.pack(">H", len(p)) + p for p in items)

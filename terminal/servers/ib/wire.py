"""The TWS API socket framing and field codec (server side): 4-byte big-endian length frames of NUL-terminated text
fields; the client's ``API\\0`` greeting; a cursor over a request's fields with the conversions TWS applies."""
from __future__ import annotations

import asyncio
import builtins
import struct
from decimal import Decimal, InvalidOperation
from typing import Iterable

GREETING = b"API\0"
MAX_FRAME = 16 * 1024 * 1024
UNSET_DOUBLE = "1.7976931348623157E308"
UNSET_INTEGER = 2147483647


class Malformed(ValueError):
    """A request whose fields cannot be read (answered with error 320/321, never a crash)."""


def field(value: object) -> str:
    """One value as TWS writes it: Decimal without exponent, bool as 0/1, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
        return text
    return str(value)


def frame(fields: Iterable[object]) -> bytes:
    payload = b"".join(field(f).encode() + b"\0" for f in fields)
    return struct.pack(">I", len(payload)) + payload


def raw_frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    """One frame's payload; IncompleteReadError when the peer leaves mid-frame; Malformed for an absurd length."""
    head = await reader.readexactly(4)
    (size,) = struct.unpack(">I", head)
    if size > MAX_FRAME:
        raise Malformed(f"frame of {size} bytes")
    return await reader.readexactly(size)


def split(payload: bytes) -> list[str]:
    """A request's fields (the trailing empty element after the last NUL dropped)."""
    parts = payload.decode("utf-8", errors="replace").split("\0")
    if parts and parts[-1] == "":
        parts.pop()
    return parts


class Fields:
    """A cursor over one request's fields."""

    def __init__(self, values: list[str]) -> None:
        self.values = values
        self.pos = 0

    def str(self) -> str:
        if self.pos >= len(self.values):
            raise Malformed(f"message too short ({len(self.values)} fields)")
        value = self.values[self.pos]
        self.pos += 1
        return value

    def int(self, default: int = 0) -> int:
        text = self.str().strip()
        if not text:
            return default
        try:
            return int(text)
        except ValueError:
            try:
                return int(Decimal(text))
            except (InvalidOperation, ValueError):
                raise Malformed(f"not an integer: {text!r}") from None

    def bool(self) -> bool:
        return self.int() != 0

    def decimal(self) -> Decimal | None:
        """A number (None for empty or TWS's unset sentinels)."""
        text = self.str().strip()
        if not text or text == UNSET_DOUBLE or text == str(UNSET_INTEGER):
            return None
        if text == "Infinite":
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise Malformed(f"not a number: {text!r}") from None
        if not value.is_finite() or value >= Decimal("1E300"):
            return None
        return value

    def skip(self, n: builtins.int = 1) -> None:
        for _ in range(n):
            self.str()

    @property
    def left(self) -> builtins.int:
        return len(self.values) - self.pos

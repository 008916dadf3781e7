"""Request parameters: raw query + raw body (query wins), typed accessors with Binance's error codes."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Mapping, TypeVar
from urllib.parse import parse_qsl, unquote_to_bytes

from . import errors

WIRE_NUMBER = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
WIRE_INT = re.compile(r"^-?[0-9]{1,19}$")
INT64_MAX = 2**63 - 1
MAX_DECIMALS = 8
E = TypeVar("E")


def split_pairs(raw: str) -> dict[str, str]:
    """Parse ``a=1&b=2``; a name repeated inside one source is -1101."""
    out: dict[str, str] = {}
    if not raw:
        return out
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise errors.ApiError(-1100, "Illegal characters found in a parameter.") from None
    for key, value in pairs:
        if key in out:
            raise errors.duplicate_param(key)
        out[key] = value
    return out


def strip_signature(raw: str) -> tuple[str, str | None]:
    """Remove the ``signature=`` component from a raw query/body; return (payload, signature)."""
    if "signature=" not in raw:
        return raw, None
    kept: list[str] = []
    signature: str | None = None
    for part in raw.split("&"):
        if part.startswith("signature="):
            signature = unquote_to_bytes(part[len("signature="):]).decode("latin-1")
        else:
            kept.append(part)
    return "&".join(kept), signature


class Params:
    """Merged parameters of one request (query string wins over body), with Binance-style validation."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)

    @classmethod
    def from_raw(cls, query: str, body: str) -> "Params":
        merged = split_pairs(body)
        merged.update(split_pairs(query))
        return cls(merged)

    def has(self, name: str) -> bool:
        return self.values.get(name, "") != ""

    def text(self, name: str, *, required: bool = False, max_len: int = 64) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise errors.mandatory(name)
            return None
        if len(value) > max_len:
            raise errors.invalid_param(name, f"is longer than {max_len} characters")
        return value

    def decimal(self, name: str, *, required: bool = False, max_decimals: int = MAX_DECIMALS) -> Decimal | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        if not WIRE_NUMBER.match(value):
            raise errors.illegal_chars(name)
        frac = value.partition(".")[2].rstrip("0")
        if len(frac) > max_decimals:
            raise errors.bad_precision(name)
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the regex already guards
            raise errors.illegal_chars(name) from None

    def integer(self, name: str, *, required: bool = False, minimum: int | None = None,
                maximum: int | None = None) -> int | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        if not WIRE_INT.match(value):
            raise errors.illegal_chars_plain(name)
        number = int(value)
        if number > INT64_MAX:
            raise errors.illegal_chars_plain(name)
        if minimum is not None and number < minimum:
            raise errors.invalid_param(name, f"is below the minimum {minimum}")
        if maximum is not None and number > maximum:
            raise errors.invalid_param(name, f"is above the maximum {maximum}")
        return number

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.text(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise errors.invalid_param(name, "must be true or false")

    def choice(self, name: str, table: Mapping[str, E], error: errors.ApiError, *,
               required: bool = False) -> E | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            return table[value]
        except KeyError:
            raise error from None

    def limit(self, default: int, maximum: int) -> int:
        value = self.integer("limit")
        if value is None:
            return default
        if value <= 0:
            raise errors.invalid_param("limit", "must be greater than 0")
        return min(value, maximum)

    def symbol_list(self) -> list[str] | None:
        """``symbols=["BTCUSDT","ETHUSDT"]`` (JSON array, raw or percent-encoded)."""
        raw = self.text("symbols", max_len=20000)
        if raw is None:
            return None
        text = raw.strip()
        if not (text.startswith("[") and text.endswith("]")):
            raise errors.ApiError(-1100, "Illegal characters found in parameter 'symbols'; legal range is "
                                  "'^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.")
        items = [item.strip().strip('"') for item in text[1:-1].split(",") if item.strip()]
        if not items:
            raise errors.mandatory("symbols")
        return items

"""Amounts of an asset on screen at the precision the venue trades it in, never a fixed 8 decimals.

An asset that is the base of an instrument shows as many decimals as its finest lot step (BTC 0.00001 -> 5); one
that is only ever a quote (USDT) shows 2. Holdings and fees are exact: digits beyond that (dust from a fee) are shown,
never rounded away. Values and P&L are rounded to it.
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Mapping

from ...model import Instrument, fmt
from .. import format as f

QUOTE_DECIMALS = 2
MAX_DECIMALS = 8


class AssetFormat:
    def __init__(self, instruments: Mapping[str, Instrument] | None = None) -> None:
        self._decimals: dict[str, int] = {}
        self.set_instruments(instruments or {})

    def set_instruments(self, instruments: Mapping[str, Instrument]) -> None:
        out: dict[str, int] = {}
        for ins in instruments.values():
            out[ins.base_asset] = max(out.get(ins.base_asset, 0), ins.qty_decimals)
        self._decimals = out

    def decimals(self, asset: str) -> int:
        return self._decimals.get(asset, QUOTE_DECIMALS)

    def exact(self, value: Decimal | None, asset: str) -> str:
        """``value`` with at least the asset's decimals and every further digit it has (up to 8)."""
        if value is None:
            return f.DASH
        places = self.decimals(asset)
        text = fmt(value.quantize(Decimal(1).scaleb(-MAX_DECIMALS), rounding=ROUND_HALF_EVEN)
                   if _exponent(value) < -MAX_DECIMALS else value)
        whole, _, frac = text.partition(".")
        frac = frac.ljust(places, "0")
        return f"{whole}.{frac}" if frac else whole

    def amount(self, value: Decimal | None, asset: str, *, signed: bool = False, unit: bool = False) -> str:
        """``value`` rounded to the asset's decimals, with thousands separators (values, P&L)."""
        if value is None:
            return f.DASH
        text = f.signed(value, self.decimals(asset)) if signed else f.amount(value, self.decimals(asset))
        return f"{text} {asset}" if unit and asset else text


def _exponent(value: Decimal) -> int:
    exp = value.as_tuple().exponent
    return exp if isinstance(exp, int) else 0

"""The ticket's words for contracts (plain Python): a future's multiplier ("multiplier 50: notional = price x qty x
50"), a contract that trades in lots ("lot 75"), and the amount typed in lots said in units ("2 lots = 150 units")."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ... import model as m

LOTS = "lots"
DERIVATIVES = (m.AssetClass.FUTURE, m.AssetClass.OPTION)


def lot_traded(ins: m.Instrument | None) -> bool:
    """A derivative whose quantity goes in lots of more than one unit (Kite's NFO/MCX contracts)."""
    return ins is not None and ins.asset_class in DERIVATIVES and ins.lot_size > 1


def contract_text(ins: m.Instrument | None) -> str:
    """"ES Dec26 CME future · multiplier 50 (notional = price × qty × 50)"; "" for a plain instrument."""
    if ins is None:
        return ""
    parts = []
    if ins.asset_class in DERIVATIVES:
        parts.append(ins.title)
    if ins.multiplier != 1:
        mult = m.fmt(ins.multiplier)
        parts.append(f"multiplier {mult} (notional = price × qty × {mult})")
    if lot_traded(ins):
        parts.append(f"lot {m.fmt(ins.lot_size)} units")
    return " · ".join(parts)


def lots(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def units_text(ins: m.Instrument, text: str) -> str:
    """The amount typed in lots as units ("150"); the text itself when it is not a number (the draft explains)."""
    n = lots(text)
    return text if n is None else m.fmt(n * ins.lot_size)


def lots_phrase(ins: m.Instrument, text: str) -> str:
    """"2 lots = 150 units" ("" when the text is not a number)."""
    n = lots(text)
    if n is None:
        return ""
    return f"{m.fmt(n)} lot{'' if n == 1 else 's'} = {m.fmt(n * ins.lot_size)} units"

"""The risk limits in the user settings: one entry per venue and environment (``Settings.risk_limits``).

The key is ``"<provider>/<environment>"`` (``"binance/testnet"``, ``"paper/sim"``). An entry is the limits'
``to_dict`` form, with the per-symbol and per-strategy tables as lists of ``[name, limits]`` pairs (the settings
file drops any key that looks like a secret, and a strategy or symbol may be named "Token..."). An entry that does
not read as limits is logged and ignored: no limits are better than wrong ones silently half-applied, and the app
still starts. The old single ``max_order_notional`` setting is the default for an environment without an entry.
"""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from ..storage.settings import Settings
from .limits import RiskLimits, from_dict, to_dict

log = logging.getLogger(__name__)
_TABLES = ("symbols", "strategies")


def key(provider: str, env: str) -> str:
    return f"{provider.strip().lower()}/{env.strip().lower()}"


def limits_for(settings: Settings, provider: str, env: str) -> RiskLimits:
    """The limits saved for ``provider``/``env`` (the legacy ``max_order_notional`` if none)."""
    entry = settings.risk_limits.get(key(provider, env))
    if entry is None:
        legacy = settings.max_order_notional
        try:
            return RiskLimits(max_order_notional=Decimal(legacy) if legacy else None)
        except (ArithmeticError, ValueError):
            log.warning("settings: ignoring max_order_notional %r (not a number >= 0)", legacy)
            return RiskLimits()
    try:
        return from_dict(_from_stored(entry))
    except (ValueError, ArithmeticError) as exc:
        log.warning("settings: the risk limits of %s are ignored: %s", key(provider, env), exc)
        return RiskLimits()


def store(settings: Settings, provider: str, env: str, limits: RiskLimits) -> None:
    """Put ``limits`` in ``settings`` for ``provider``/``env`` (the caller saves the settings)."""
    settings.risk_limits[key(provider, env)] = _to_stored(to_dict(limits))


def _to_stored(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    for table in _TABLES:
        if table in out:
            out[table] = [[name, value] for name, value in sorted(out[table].items())]
    return out


def _from_stored(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    out = dict(entry)
    for table in _TABLES:
        rows = out.get(table)
        if isinstance(rows, list):
            if not all(isinstance(r, list) and len(r) == 2 and isinstance(r[0], str) for r in rows):
                raise ValueError(f"{table}: expected a list of [name, limits] pairs")
            out[table] = {name: value for name, value in rows}
    return out

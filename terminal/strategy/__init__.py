"""Strategies: the Strategy base class, its narrow Context API, typed parameters, built-in classics, a loader for
user files, and the live runner. The same strategy class runs in the backtester and live.

The names below are imported on first use (PEP 562): importing a submodule such as ``terminal.strategy.indicators``
(the chart's studies) does not import the Context and with it pandas, which the window's start-up does not need."""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import Context, Param, ParamError, Params, Strategy
    from .builtin import BUILTIN, BollingerBreakout, DonchianBreakout, RsiReversion, SmaCross

_WHERE = {"Context": "base", "Param": "base", "ParamError": "base", "Params": "base", "Strategy": "base",
          "BUILTIN": "builtin", "BollingerBreakout": "builtin", "DonchianBreakout": "builtin",
          "RsiReversion": "builtin", "SmaCross": "builtin"}

__all__ = ["Context", "Param", "ParamError", "Params", "Strategy", "BUILTIN", "BollingerBreakout",
           "DonchianBreakout", "RsiReversion", "SmaCross"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

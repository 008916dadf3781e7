"""Strategies: the Strategy base class, its narrow Context API, typed parameters, built-in classics, a loader for
user files, and the live runner. The same strategy class runs in the backtester and live."""
from .base import Context, Param, ParamError, Params, Strategy
from .builtin import BUILTIN, BollingerBreakout, DonchianBreakout, RsiReversion, SmaCross

__all__ = ["Context", "Param", "ParamError", "Params", "Strategy", "BUILTIN", "BollingerBreakout",
           "DonchianBreakout", "RsiReversion", "SmaCross"]

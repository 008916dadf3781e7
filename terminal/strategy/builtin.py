"""Built-in classic strategies: SMA crossover, RSI mean reversion, Bollinger breakout, Donchian (turtle) breakout.

All trade "all in" (the whole cash, whole units in the backtester) and are long-only unless told otherwise.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .base import Param, ParamError, Params, Strategy
from .indicators import bollinger, crossings, rolling_max, rolling_min, rsi, sma


class SmaCross(Strategy):
    """Long while the fast SMA is above the slow one: buy on the cross up, exit on the cross down.

    With ``long_short=True`` it reverses instead (short on the cross down), like backtesting.py's example.
    Crosses are strict: fast[-2] < slow[-2] and fast[-1] > slow[-1] (backtesting.lib.crossover).
    """

    name = "sma_cross"
    parameters = {
        "fast": Param(int, 10, minimum=1, help="fast SMA window (bars)"),
        "slow": Param(int, 20, minimum=2, help="slow SMA window (bars), greater than fast"),
        "long_short": Param(bool, False, help="go short on the cross down instead of only exiting"),
    }

    @staticmethod
    def check(p: Params) -> None:
        if p.slow <= p.fast:
            raise ParamError(f"parameter 'slow' ({p.slow}) must be greater than 'fast' ({p.fast})")

    def on_start(self) -> None:
        self.fast = self.ctx.indicator(sma, self.p.fast, name=f"SMA({self.p.fast})")
        self.slow = self.ctx.indicator(sma, self.p.slow, name=f"SMA({self.p.slow})")
        # +1 / -1 on the bar where fast crosses above / below slow (the same test as fast.crossed_above(slow)),
        # from the two SMAs above (cross_sign(close, fast, slow) without computing them again)
        self.cross = self.ctx.indicator(crossings, self.fast, self.slow, name="cross")
        self.long_short = self.p.long_short

    def on_bar(self, bar: Any) -> None:
        x = self.cross[-1]
        if not x:  # no cross on most bars (a float's truth is cheaper than comparing it with an int)
            return
        ctx: Any = self._ctx  # self.ctx without the property (on_bar only runs bound)
        if x > 0.0:
            if self.long_short:
                ctx.close_position()
                ctx.buy()
            elif ctx.position <= 0:
                ctx.buy()
        elif x < 0.0:
            ctx.close_position()
            if self.long_short:
                ctx.sell()


class RsiReversion(Strategy):
    """Buy when RSI crosses below ``lower`` (oversold), exit when it crosses above ``upper``."""

    name = "rsi_reversion"
    parameters = {
        "window": Param(int, 14, minimum=2),
        "lower": Param(float, 30.0, minimum=0, maximum=100),
        "upper": Param(float, 70.0, minimum=0, maximum=100),
    }

    @staticmethod
    def check(p: Params) -> None:
        if p.upper <= p.lower:
            raise ParamError(f"parameter 'upper' ({p.upper}) must be greater than 'lower' ({p.lower})")

    def on_start(self) -> None:
        self.rsi = self.ctx.indicator(rsi, self.p.window, name=f"RSI({self.p.window})")

    def on_bar(self, bar: Any) -> None:
        if self.ctx.position == 0 and self.rsi.crossed_below(self.p.lower):
            self.ctx.buy()
        elif self.ctx.position > 0 and self.rsi.crossed_above(self.p.upper):
            self.ctx.close_position()


def close_minus_upper(values: np.ndarray, window: int, k: float) -> np.ndarray:
    return np.asarray(values, dtype=np.float64) - bollinger(values, window, k)[1]


def close_minus_middle(values: np.ndarray, window: int) -> np.ndarray:
    return np.asarray(values, dtype=np.float64) - sma(values, window)


class BollingerBreakout(Strategy):
    """Buy when the close breaks above the upper band; exit when it falls back below the middle band."""

    name = "bollinger_breakout"
    parameters = {"window": Param(int, 20, minimum=2), "k": Param(float, 2.0, minimum=0.0)}

    def on_start(self) -> None:
        self.above_upper = self.ctx.indicator(close_minus_upper, self.p.window, self.p.k, name="close-upper")
        self.above_mid = self.ctx.indicator(close_minus_middle, self.p.window, name="close-middle")

    def on_bar(self, bar: Any) -> None:
        if self.ctx.position == 0 and self.above_upper.crossed_above(0.0):
            self.ctx.buy()
        elif self.ctx.position > 0 and self.above_mid.crossed_below(0.0):
            self.ctx.close_position()


def previous_high(values: np.ndarray, window: int) -> np.ndarray:
    """Highest value of the ``window`` bars before the current one."""
    out = np.full(len(values), np.nan)
    out[1:] = rolling_max(values, window)[:-1]
    return out


def previous_low(values: np.ndarray, window: int) -> np.ndarray:
    out = np.full(len(values), np.nan)
    out[1:] = rolling_min(values, window)[:-1]
    return out


class DonchianBreakout(Strategy):
    """Turtle-style: buy when the close exceeds the highest high of the last ``entry`` bars, exit below the
    lowest low of the last ``exit`` bars."""

    name = "donchian"
    parameters = {"entry": Param(int, 20, minimum=1), "exit": Param(int, 10, minimum=1)}

    def on_start(self) -> None:
        self.upper = self.ctx.indicator(previous_high, self.p.entry, source="high", name=f"DonchianHigh({self.p.entry})")
        self.lower = self.ctx.indicator(previous_low, self.p.exit, source="low", name=f"DonchianLow({self.p.exit})")
        self.close = self.ctx.indicator(np.asarray, source="close", name="close")

    def on_bar(self, bar: Any) -> None:
        c = self.close[-1]
        if self.ctx.position == 0 and c > self.upper[-1]:
            self.ctx.buy()
        elif self.ctx.position > 0 and c < self.lower[-1]:
            self.ctx.close_position()


BUILTIN: dict[str, type[Strategy]] = {
    cls.name: cls for cls in (SmaCross, RsiReversion, BollingerBreakout, DonchianBreakout)
}

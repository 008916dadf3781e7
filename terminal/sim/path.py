"""Seeded stochastic price paths: the 'fair price' the simulated market trades around.

The model is geometric Brownian motion whose volatility follows a mean-reverting (Ornstein-Uhlenbeck) log
regime, with occasional jumps. The same seed and symbol index always give the same path for the same
sequence of time steps. Floats live only here; callers snap the result to the instrument's tick.
"""
from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

MS_PER_YEAR = 365 * 86_400_000
MINUTES_PER_YEAR = 365 * 1440

VOL_REVERSION_PER_DAY = 3.0  # how fast the volatility regime returns to normal
VOL_OF_VOL = 0.4  # stationary std of the log-volatility regime
JUMPS_PER_DAY = 3.0
JUMP_STD = 0.004  # a jump moves the price by ~0.4 %

# Streams of the seeded generator: one per purpose, so adding draws to one never changes another.
STREAM_LIVE = 1
STREAM_HISTORY = 2
STREAM_FLOW = 3
_INV_SQRT2 = 1 / math.sqrt(2)


def rng_for(seed: int, symbol_index: int, stream: int) -> np.random.Generator:
    """A generator private to (seed, symbol, purpose)."""
    return np.random.default_rng([seed & 0xFFFFFFFF, symbol_index, stream])


class PricePath:
    """The live fair price of one symbol, advanced in small time steps."""

    __slots__ = ("volatility", "_log_price", "_regime", "_rng", "_buf", "_pos")

    _BUF = 3 * 2048

    def __init__(self, seed: int, symbol_index: int, start_price: Decimal | float, volatility: float) -> None:
        if float(start_price) <= 0:
            raise ValueError("start price must be positive")
        self.volatility = float(volatility)
        self._log_price = math.log(float(start_price))
        self._regime = 0.0
        self._rng = rng_for(seed, symbol_index, STREAM_LIVE)
        self._buf = self._rng.standard_normal(self._BUF)
        self._pos = 0

    @property
    def price(self) -> float:
        return math.exp(self._log_price)

    def _normals(self) -> tuple[float, float, float]:
        if self._pos + 3 > self._BUF:
            self._buf = self._rng.standard_normal(self._BUF)
            self._pos = 0
        i = self._pos
        self._pos = i + 3
        b = self._buf
        return float(b[i]), float(b[i + 1]), float(b[i + 2])

    def advance(self, dt_ms: int) -> float:
        """Move the path ``dt_ms`` forward and return the new price."""
        if dt_ms <= 0:
            return self.price
        dt_days = dt_ms / 86_400_000
        z_price, z_vol, z_jump = self._normals()
        # OU on the log-volatility regime, exact discretisation.
        decay = math.exp(-VOL_REVERSION_PER_DAY * dt_days)
        noise = VOL_OF_VOL * math.sqrt(max(0.0, 1.0 - decay * decay))
        self._regime = self._regime * decay + noise * z_vol
        sigma = self.volatility * math.exp(self._regime - VOL_OF_VOL * VOL_OF_VOL / 2)
        dt_years = dt_ms / MS_PER_YEAR
        step = sigma * math.sqrt(dt_years) * z_price - 0.5 * sigma * sigma * dt_years
        # A jump happens with probability rate*dt: P(|Z| > |z|) = erfc(|z|/sqrt 2) is uniform on (0, 1].
        if math.erfc(abs(z_jump) * _INV_SQRT2) < JUMPS_PER_DAY * dt_days:
            step += JUMP_STD if z_vol >= 0 else -JUMP_STD
        self._log_price += step
        return self.price

    def nudge(self, target: float, weight: float) -> float:
        """Pull the path towards ``target`` (market impact of a large trade). ``weight`` in [0, 1]."""
        if target > 0 and 0 < weight <= 1:
            self._log_price += weight * (math.log(target) - self._log_price)
        return self.price

    def reset(self, price: float) -> None:
        self._log_price = math.log(price)


def minute_log_returns(seed: int, symbol_index: int, volatility: float, minutes: int,
                       first_minute_of_day: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised history of the same process at 1-minute resolution.

    Returns ``(returns, sigma)``: per-minute log returns and the per-minute volatility used (for ranges
    and volumes). Includes an intraday seasonality (busier around 13-16 UTC) and jumps.
    """
    rng = rng_for(seed, symbol_index, STREAM_HISTORY)
    # Regime: AR(1) sampled hourly (a few hundred Python steps), held for the hour.
    hours = minutes // 60 + 2
    decay = math.exp(-VOL_REVERSION_PER_DAY / 24)
    shocks = rng.standard_normal(hours) * VOL_OF_VOL * math.sqrt(1 - decay * decay)
    regime = np.empty(hours)
    acc = rng.standard_normal() * VOL_OF_VOL
    for i in range(hours):
        acc = acc * decay + shocks[i]
        regime[i] = acc
    regime_min = np.repeat(regime, 60)[:minutes]
    minute_of_day = (np.arange(minutes) + first_minute_of_day) % 1440
    season = 1.0 + 0.35 * np.exp(-0.5 * ((minute_of_day - 870) / 120.0) ** 2) \
        - 0.2 * np.exp(-0.5 * ((minute_of_day - 240) / 150.0) ** 2)
    sigma = volatility / math.sqrt(MINUTES_PER_YEAR) * np.exp(regime_min - VOL_OF_VOL * VOL_OF_VOL / 2) * season
    returns = sigma * rng.standard_normal(minutes) - 0.5 * sigma * sigma
    jumps = rng.random(minutes) < JUMPS_PER_DAY / 1440
    returns[jumps] += rng.standard_normal(int(jumps.sum())) * JUMP_STD
    return returns, sigma

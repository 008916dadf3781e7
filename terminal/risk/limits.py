"""The risk limits: a typed, declarative configuration (frozen dataclasses), one per venue and environment.

``None`` means "no limit". Amounts are Decimal: an order's value and a position's value are in the instrument's quote
asset; the account's exposure, daily loss and drawdown in ``reference`` (USDT unless configured). The top-level
``max_order_notional`` applies to every symbol; an entry of ``symbols`` overrides it field by field. Likewise
``strategy`` applies to every strategy and ``strategies`` (by the strategy's name) overrides it.

``to_dict``/``from_dict`` give the JSON form kept in the settings (Decimals as text; unknown or badly typed fields
are refused with the path of the field: ``band.max_pct: ...``); ``changes(old, new)`` lists what an edit changed,
for the log and the audit trail.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Mapping

from ..model.numbers import fmt, to_decimal

DEFAULT_REFERENCE = "USDT"


def _check(obj: Any) -> None:
    """Decimals finite and >= 0, integers >= 0 (0 allows nothing: a way to block)."""
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if isinstance(v, Decimal) and not (v.is_finite() and v >= 0):
            raise ValueError(f"{f.name}: must be a number >= 0 (or None for no limit), got {v}")
        if isinstance(v, int) and not isinstance(v, bool) and v < 0:
            raise ValueError(f"{f.name}: must be >= 0 (or None for no limit), got {v}")


@dataclass(frozen=True)
class SymbolLimits:
    """Per order and per position of one symbol (quantities in the base asset, values in the quote asset).

    A position counts the working orders on the same side: the limit holds even if they all fill."""

    max_order_notional: Decimal | None = None
    max_order_qty: Decimal | None = None
    max_position_qty: Decimal | None = None
    max_position_notional: Decimal | None = None

    def __post_init__(self) -> None:
        _check(self)

    def over(self, base: "SymbolLimits") -> "SymbolLimits":
        """These limits where set, else ``base``'s."""
        return SymbolLimits(**{f.name: getattr(self, f.name) if getattr(self, f.name) is not None
                               else getattr(base, f.name) for f in dataclasses.fields(self)})


@dataclass(frozen=True)
class PriceBand:
    """A limit (or stop) price at most ``max_pct`` % and ``max_ticks`` ticks from the market price the order trades
    against (the ask for a buy, the bid for a sell, else the last trade); a market order only while the spread is at
    most ``max_spread_pct`` % of the mid."""

    max_pct: Decimal | None = None
    max_ticks: int | None = None
    max_spread_pct: Decimal | None = None

    def __post_init__(self) -> None:
        _check(self)


@dataclass(frozen=True)
class Throttle:
    """Orders per second and per minute (every origin together), cancels per minute (sliding windows)."""

    orders_per_second: int | None = None
    orders_per_minute: int | None = None
    cancels_per_minute: int | None = None

    def __post_init__(self) -> None:
        _check(self)


@dataclass(frozen=True)
class LossLimits:
    """Realised + unrealised loss of the day (equity at the day's start minus equity now) and drawdown from the
    day's peak equity, in the reference currency. Reaching one halts opening orders until the next day starts
    (``day_start_hour_utc``); closing orders still pass. ``flatten`` also asks for the positions to be closed."""

    max_daily_loss: Decimal | None = None
    max_drawdown: Decimal | None = None
    flatten: bool = False
    day_start_hour_utc: int = 0

    def __post_init__(self) -> None:
        _check(self)
        if not 0 <= self.day_start_hour_utc <= 23:
            raise ValueError(f"day_start_hour_utc: must be 0 to 23, got {self.day_start_hour_utc}")


@dataclass(frozen=True)
class StrategyLimits:
    """One strategy's own limits; reaching one stops that strategy alone. ``capital``: the value (quote asset) its
    position and working orders may reach; ``max_loss``: its realised + unrealised loss since it started trading."""

    capital: Decimal | None = None
    max_loss: Decimal | None = None
    orders_per_minute: int | None = None

    def __post_init__(self) -> None:
        _check(self)

    def over(self, base: "StrategyLimits") -> "StrategyLimits":
        return StrategyLimits(**{f.name: getattr(self, f.name) if getattr(self, f.name) is not None
                                 else getattr(base, f.name) for f in dataclasses.fields(self)})


@dataclass(frozen=True)
class RiskLimits:
    max_order_notional: Decimal | None = None  # every symbol, in its quote asset (``symbols`` overrides)
    check_balance: bool = True
    symbols: Mapping[str, SymbolLimits] = field(default_factory=dict)
    max_gross_exposure: Decimal | None = None  # the account: every position's value + working orders, in reference
    band: PriceBand = field(default_factory=PriceBand)
    throttle: Throttle = field(default_factory=Throttle)
    loss: LossLimits = field(default_factory=LossLimits)
    strategy: StrategyLimits = field(default_factory=StrategyLimits)  # every strategy (``strategies`` overrides)
    strategies: Mapping[str, StrategyLimits] = field(default_factory=dict)
    reference: str = DEFAULT_REFERENCE

    def __post_init__(self) -> None:
        _check(self)
        object.__setattr__(self, "symbols", MappingProxyType({k.strip().upper(): v for k, v in self.symbols.items()}))
        object.__setattr__(self, "strategies", MappingProxyType(dict(self.strategies)))
        object.__setattr__(self, "reference", self.reference.strip().upper() or DEFAULT_REFERENCE)
        object.__setattr__(self, "_resolved", {})

    def for_symbol(self, symbol: str) -> SymbolLimits:
        cache: dict[str, SymbolLimits] = self._resolved  # type: ignore[attr-defined]
        found = cache.get(symbol)
        if found is None:
            base = SymbolLimits(max_order_notional=self.max_order_notional)
            own = self.symbols.get(symbol)
            found = cache[symbol] = base if own is None else own.over(base)
        return found

    def for_strategy(self, name: str) -> StrategyLimits:
        own = self.strategies.get(name)
        return self.strategy if own is None else own.over(self.strategy)

    def replace(self, **changes: Any) -> "RiskLimits":
        return dataclasses.replace(self, **changes)


# ---- JSON form ------------------------------------------------------------------------------------------------
_NESTED = {"band": PriceBand, "throttle": Throttle, "loss": LossLimits, "strategy": StrategyLimits}
_MAPS = {"symbols": SymbolLimits, "strategies": StrategyLimits}


def _plain(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if v is None:
            continue
        if isinstance(v, Decimal):
            out[f.name] = fmt(v)
        elif dataclasses.is_dataclass(v):
            inner = _plain(v)
            if inner:
                out[f.name] = inner
        elif isinstance(v, Mapping):
            if v:
                out[f.name] = {k: _plain(item) for k, item in sorted(v.items())}
        else:
            out[f.name] = v
    return out


def to_dict(limits: RiskLimits) -> dict[str, Any]:
    """JSON-ready: Decimals as text, no-limit (None) fields left out."""
    return _plain(limits)


def _build(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, Mapping):
        raise ValueError(f"{path or 'limits'}: expected an object, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValueError(f"{path + '.' if path else ''}{unknown[0]}: unknown limit (known: {', '.join(fields)})")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        where = f"{path}.{name}" if path else name
        default = getattr(cls(), name)
        if value is None:
            kwargs[name] = None
        elif cls is RiskLimits and name in _NESTED:
            kwargs[name] = _build(_NESTED[name], value, where)
        elif cls is RiskLimits and name in _MAPS:
            if not isinstance(value, Mapping):
                raise ValueError(f"{where}: expected an object of name -> limits")
            kwargs[name] = {str(k): _build(_MAPS[name], v, f"{where}.{k}") for k, v in value.items()}
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{where}: expected true or false, got {value!r}")
            kwargs[name] = value
        elif isinstance(default, str):
            if not isinstance(value, str):
                raise ValueError(f"{where}: expected text, got {value!r}")
            kwargs[name] = value
        elif name in _INT_FIELDS:
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{where}: expected a whole number, got {value!r}")
            kwargs[name] = value
        else:
            kwargs[name] = to_decimal(value, name=where)
    try:
        return cls(**kwargs)
    except ValueError as exc:
        raise ValueError(f"{path + '.' if path else ''}{exc}") from None


_INT_FIELDS = {"max_ticks", "orders_per_second", "orders_per_minute", "cancels_per_minute", "day_start_hour_utc"}


def from_dict(data: Any) -> RiskLimits:
    """The limits a ``to_dict`` (or a hand-written settings entry) describes; ValueError naming the bad field."""
    return _build(RiskLimits, data, "")  # type: ignore[no-any-return]


def flat(limits: RiskLimits) -> dict[str, str]:
    """``{"band.max_pct": "5", "symbols.BTCUSDT.max_order_qty": "0.5", ...}``: every set limit by its path."""
    out: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        else:
            out[prefix] = str(value).lower() if isinstance(value, bool) else str(value)
    walk("", to_dict(limits))
    return out


def changes(old: RiskLimits, new: RiskLimits) -> list[tuple[str, str | None, str | None]]:
    """``(path, old, new)`` for every limit an edit changed (None: no limit), sorted by path."""
    a, b = flat(old), flat(new)
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]

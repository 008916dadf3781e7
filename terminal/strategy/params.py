"""Typed, validated strategy parameters.

A strategy declares ``parameters = {"fast": Param(int, 10, minimum=1), ...}``. Values given by code, by the CLI
(``fast=10`` as text) or by the optimiser are checked against those declarations; every failure is a
``ParamError`` whose message names the parameter and the problem.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Iterator, Mapping

_TYPE_WORDS = {int: "an integer", float: "a number", bool: "true or false", str: "text", Decimal: "a decimal number"}


class ParamError(ValueError):
    """A strategy parameter is unknown, of the wrong type, out of range, or inconsistent with another."""


@dataclass(frozen=True, slots=True)
class Param:
    type: type
    default: Any
    minimum: Any = None
    maximum: Any = None
    choices: tuple[Any, ...] | None = None
    help: str = ""

    def coerce(self, name: str, value: Any) -> Any:
        """Return ``value`` as this parameter's type, or raise ParamError naming the problem."""
        want = _TYPE_WORDS.get(self.type, self.type.__name__)
        if isinstance(value, str) and self.type is not str:
            value = self._parse(name, value, want)
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if self.type is Decimal and isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)
        if not isinstance(value, self.type) or (self.type is not bool and isinstance(value, bool)):
            raise ParamError(f"parameter {name!r} expects {want}, got {type(value).__name__} {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise ParamError(f"parameter {name!r} must be >= {self.minimum}, got {value!r}")
        if self.maximum is not None and value > self.maximum:
            raise ParamError(f"parameter {name!r} must be <= {self.maximum}, got {value!r}")
        if self.choices is not None and value not in self.choices:
            raise ParamError(f"parameter {name!r} must be one of {', '.join(map(str, self.choices))}, got {value!r}")
        return value

    def _parse(self, name: str, text: str, want: str) -> Any:
        t = text.strip()
        try:
            if self.type is bool:
                low = t.lower()
                if low in ("1", "true", "yes", "on"):
                    return True
                if low in ("0", "false", "no", "off"):
                    return False
                raise ValueError(t)
            if self.type is Decimal:
                d = Decimal(t)
                if not d.is_finite():
                    raise ValueError(t)
                return d
            return self.type(t)
        except (ValueError, InvalidOperation):
            raise ParamError(f"parameter {name!r} expects {want}, got {text!r}") from None


class Params(Mapping[str, Any]):
    """Read-only parameter values: ``p.fast`` or ``p["fast"]``."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_values", dict(values))

    @classmethod
    def build(cls, spec: Mapping[str, Param], given: Mapping[str, Any], owner: str = "strategy") -> "Params":
        unknown = sorted(set(given) - set(spec))
        if unknown:
            known = ", ".join(spec) or "none"
            raise ParamError(f"{owner} has no parameter {unknown[0]!r} (parameters: {known})")
        values = {name: p.coerce(name, given[name]) if name in given else p.default for name, p in spec.items()}
        return cls(values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no parameter {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("parameters are read-only")

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return "Params(" + ", ".join(f"{k}={v!r}" for k, v in self._values.items()) + ")"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Params, (self._values,))


def parse_assignments(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["fast=10", "slow=20"]`` -> ``{"fast": "10", "slow": "20"}``; a malformed item raises ParamError."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParamError(f"parameter {item!r} is not of the form name=value")
        out[name.strip()] = value.strip()
    return out

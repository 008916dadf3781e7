"""The body of ``POST /sandbox/faults``, checked whole before any switch moves (``Faults.apply`` then trusts it).

Every key must be known and its value of the right JSON type and range, or the request is answered HTTP 400
``{"code": -1000, "msg": ...}`` naming the key:
- counts (``fail_next``, ``rate_limit_next``, ``delay_next``, ``delay_response_next``): integers 1..1000 (``true``
  is not a number);
- ``status``: an integer 400..599; ``retry_after``: whole seconds 0..60; ``seconds``: a finite number 0..60;
- ``clear``, ``drop_websockets``: ``true`` or ``false``;
- ``skip_depth_sequence``: a listed symbol; ``method``: GET, POST, PUT or DELETE; ``path``: ``/...``.

A modifier without the switch it modifies (``status`` without ``fail_next``...) is refused too: it would do nothing.
A switch ``Faults.apply`` learns to read from JSON gets its line in ``RULES`` (``hold_next_request`` and
``hold_next_response`` are armed from Python only, for now, so they are refused here).
"""
from __future__ import annotations

import math
from typing import Any, Callable, Collection

from . import errors

MAX_COUNT = 1000
MAX_SECONDS = 60
METHODS = ("GET", "POST", "PUT", "DELETE")


def _bad(key: str, rule: str) -> errors.ApiError:
    return errors.ApiError(-1000, f"Bad fault spec: '{key}' must be {rule}.")


def _integer(key: str, value: Any, low: int, high: int, rule: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(key, rule)


def _count(key: str, value: Any) -> None:
    _integer(key, value, 1, MAX_COUNT, f"an integer from 1 to {MAX_COUNT}")


def _status(key: str, value: Any) -> None:
    _integer(key, value, 400, 599, "an HTTP error status, an integer from 400 to 599")


def _retry_after(key: str, value: Any) -> None:
    _integer(key, value, 0, MAX_SECONDS, f"whole seconds, an integer from 0 to {MAX_SECONDS}")


def _seconds(key: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 <= value <= MAX_SECONDS:
        raise _bad(key, f"a number of seconds from 0 to {MAX_SECONDS}")


def _boolean(key: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise _bad(key, "true or false")


def _method(key: str, value: Any) -> None:
    if value not in METHODS:
        raise _bad(key, "one of " + ", ".join(METHODS))


def _path(key: str, value: Any) -> None:
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 256:
        raise _bad(key, "a path starting with '/' (at most 256 characters)")


RULES: dict[str, Callable[[str, Any], None]] = {
    "clear": _boolean, "drop_websockets": _boolean,
    "fail_next": _count, "status": _status,
    "rate_limit_next": _count, "retry_after": _retry_after,
    "delay_next": _count, "seconds": _seconds,
    "delay_response_next": _count,
    "method": _method, "path": _path,
    "skip_depth_sequence": lambda key, value: None,  # checked against the listed symbols below
}
MODIFIES: dict[str, tuple[str, ...]] = {
    "status": ("fail_next",), "retry_after": ("rate_limit_next",), "seconds": ("delay_next", "delay_response_next"),
    "method": ("delay_response_next",), "path": ("delay_response_next",),
}


def validate(spec: Any, symbols: Collection[str]) -> dict[str, Any]:
    """Return ``spec`` unchanged if every key and value is acceptable; raise the ``ApiError`` to answer otherwise."""
    if not isinstance(spec, dict):
        raise errors.ApiError(-1000, "Bad fault spec: expected a JSON object.")
    unknown = sorted(key for key in spec if key not in RULES)
    if unknown:
        raise errors.ApiError(-1000, f"Bad fault spec: unknown key(s) {', '.join(map(repr, unknown))}; "
                              f"known: {', '.join(RULES)}.")
    for key, value in spec.items():
        RULES[key](key, value)
    if "skip_depth_sequence" in spec:
        symbol = spec["skip_depth_sequence"]
        if not isinstance(symbol, str) or symbol.upper() not in symbols:
            raise _bad("skip_depth_sequence", "a listed symbol (" + ", ".join(sorted(symbols)) + ")")
    for key, switches in MODIFIES.items():
        if key in spec and not any(switch in spec for switch in switches):
            raise errors.ApiError(-1000, f"Bad fault spec: '{key}' goes with {' or '.join(map(repr, switches))}.")
    return spec

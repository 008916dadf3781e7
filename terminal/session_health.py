"""Feed health for the session: the venue's per-stream health plus REST figures and the order manager's state."""
from __future__ import annotations

from typing import Any

from .venues.binance.stream import StreamHealth

__all__ = ["StreamHealth", "collect_health"]


def collect_health(venue: Any, reconciles: int, kill_switch: bool) -> dict[str, StreamHealth]:
    """``{stream name: StreamHealth}``. Every entry has ``extra['age_ms']`` (None before the first message);
    'market' also carries the clock offset, REST latency p50/p99, request weight used; 'oms' the reconcile count."""
    out: dict[str, StreamHealth] = dict(venue.health())
    rest = venue.rest
    market = out.get("market")
    if market is not None:
        market.extra.setdefault("rest_latency_p50_ms", rest.latency_ms(50))
        market.extra["rest_latency_p99_ms"] = rest.latency_ms(99)
        market.extra.setdefault("clock_offset_ms", rest.time_offset_ms)
        market.extra.setdefault("weight_used", rest.used_weight)
    for h in out.values():
        age = h.age_s
        h.extra["age_ms"] = None if age is None else int(age * 1000)
    out["oms"] = StreamHealth("oms", extra={"reconciles": reconciles, "kill_switch": kill_switch,
                                            "age_ms": None})
    return out

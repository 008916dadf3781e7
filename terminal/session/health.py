"""Feed health for the session: the venue's per-stream health plus the order manager's state."""
from __future__ import annotations

from ..venues.ports import MarketData, StreamHealth

__all__ = ["StreamHealth", "collect_health"]


def collect_health(venue: MarketData, reconciles: int, kill_switch: bool) -> dict[str, StreamHealth]:
    """``{stream name: StreamHealth}`` from ``venue.health()``. Every entry gets ``extra['age_ms']`` (None before the
    first message); 'oms' carries the reconcile count and the kill switch. What 'market' carries is the adapter's
    (see ``StreamHealth``: clock offset, REST latency, rate use under venue-neutral keys where it has them)."""
    out: dict[str, StreamHealth] = dict(venue.health())
    for h in out.values():
        age = h.age_s
        h.extra["age_ms"] = None if age is None else int(age * 1000)
    out["oms"] = StreamHealth("oms", extra={"reconciles": reconciles, "kill_switch": kill_switch,
                                            "age_ms": None})
    return out

"""The IB paper server's fault switches (state only; ``PaperServer`` sets them on its loop)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Faults:
    #: the next ``pacing_next`` historical requests get error 162 (pacing violation)
    pacing_next: int = 0
    #: reasons for the next orders' error 201, oldest first
    reject_reasons: list[str] = field(default_factory=list)
    #: between connectivity_lost() and connectivity_restored(): no market data is sent
    farm_down: bool = False
    #: orders are accepted and rest, but nothing fills
    hold_fills: bool = False
    #: requests are read but not handled until released (answers are late, in order)
    hold_requests: bool = False
    #: False: the account has no live market data subscription (354 for live, 10167 + delayed for type 3)
    live_data: bool = True

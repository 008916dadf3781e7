"""TrueData's real-time JSON frames, as the server writes them (its own code: the adapter shares none of it).

Control frames carry ``success`` and ``message``; data frames are one key (``trade``, ``bidask``, ``bidaskL2``,
``bar1min``, ``bar5min``) holding a positional array of strings keyed by the symbol id. Times are naive IST
wall-clock ``YYYY-MM-DDTHH:MM:SS`` (the heartbeat's with a fraction, which the official client requires).
"""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any, Iterable, Sequence

from .listing import IST

SERVICE = "TrueData Real Time Data Service"


def ist(ts_ms: int, fraction: bool = False) -> str:
    moment = datetime.fromtimestamp(ts_ms / 1000, IST)
    if fraction:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def num(value: Decimal | int) -> str:
    return str(value) if isinstance(value, int) else format(value.normalize(), "f")


def qty(value: Decimal | int) -> str:
    return str(int(value))


def dump(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"))


def login_ok(segments: Sequence[str], max_symbols: int, subscription: str, validity: str) -> str:
    return dump({"success": True, "message": SERVICE, "segments": list(segments), "maxsymbols": max_symbols,
                 "subscription": subscription, "validity": validity})


def failure(message: str) -> str:
    return dump({"success": False, "message": message})


def heartbeat(ts_ms: int) -> str:
    return dump({"success": True, "message": "HeartBeat", "timestamp": ist(ts_ms, fraction=True)})


def market_status(text: str) -> str:
    return dump({"success": True, "message": "marketstatus", "data": text})


def symbols_added(rows: list[list[str]], added: int, total: int, message: str = "symbols added") -> str:
    return dump({"success": True, "message": message, "symbolsadded": added, "totalsymbolsubscribed": total,
                 "symbollist": rows})


def symbols_removed(items: Iterable[str], removed: int, total: int) -> str:
    return dump({"success": True, "message": "symbols removed", "symbolsremoved": removed,
                 "totalsymbolsubscribed": total, "symbollist": list(items)})


def data(key: str, values: Sequence[str]) -> str:
    return dump({key: list(values)})

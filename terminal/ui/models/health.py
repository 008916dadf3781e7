"""Feed health per stream (from ``session.health()``): state, messages, rate, last-message age, gaps, reconnects."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Hashable

from ... import model as m
from .. import format as f
from .table import LEFT, Column, RowTableModel


@dataclass
class StreamRow:
    stream: str
    connected: bool | None = None
    messages: int = 0
    rate: float = 0.0  # messages per second (display only)
    age_ms: int | None = None
    reconnects: int = 0
    gaps: int = 0
    resyncs: int = 0
    errors: int = 0
    note: str = ""
    _t: float = field(default=0.0, repr=False)


def _state(h: StreamRow) -> str:
    if h.connected is None:
        return "—" if h.age_ms is None else ("live" if h.age_ms < 5000 else "stale")
    return "connected" if h.connected else "down"


def _state_color(h: StreamRow) -> str | None:
    s = _state(h)
    return "up" if s in ("connected", "live") else ("down" if s in ("down", "stale") else "muted")


def _age(h: StreamRow) -> str:
    if h.age_ms is None:
        return f.DASH
    return f"{h.age_ms} ms" if h.age_ms < 10_000 else f"{h.age_ms // 1000} s"


class HealthModel(RowTableModel[StreamRow]):
    columns = [
        Column("Stream", lambda h: h.stream, LEFT),
        Column("State", _state, LEFT, color=_state_color),
        Column("Msgs", lambda h: str(h.messages), raw=lambda h: h.messages),
        Column("Msg/s", lambda h: f"{h.rate:.1f}", raw=lambda h: h.rate),
        Column("Last msg", _age, raw=lambda h: h.age_ms),
        Column("Reconn.", lambda h: str(h.reconnects), raw=lambda h: h.reconnects,
               color=lambda h: "warn" if h.reconnects else None),
        Column("Gaps", lambda h: str(h.gaps), raw=lambda h: h.gaps, color=lambda h: "warn" if h.gaps else None),
        Column("Resyncs", lambda h: str(h.resyncs), raw=lambda h: h.resyncs),
        Column("Errors", lambda h: str(h.errors), raw=lambda h: h.errors, color=lambda h: "down" if h.errors else None),
        Column("Note", lambda h: h.note, LEFT),
    ]

    def key(self, row: StreamRow) -> Hashable:
        return row.stream

    def on_health(self, health: dict[str, Any]) -> None:
        """``health``: stream -> an object with messages, reconnects, gaps, resyncs, errors, extra (duck-typed)."""
        now = time.monotonic()
        for name, h in health.items():
            extra = dict(getattr(h, "extra", {}) or {})
            row = self.lookup(name)
            new = row is None
            if row is None:
                row = StreamRow(name)
            msgs = int(getattr(h, "messages", 0) or 0)
            if row._t:
                dt = now - row._t
                if dt > 0:
                    row.rate = 0.5 * row.rate + 0.5 * max(0, msgs - row.messages) / dt
            row._t = now
            row.messages = msgs
            c = extra.get("connected")
            row.connected = c if isinstance(c, bool) else None
            age = extra.get("age_ms")
            row.age_ms = int(age) if age is not None else None
            for attr in ("reconnects", "gaps", "resyncs", "errors"):
                setattr(row, attr, int(getattr(h, attr, 0) or 0))
            notes = []
            if "synced" in extra:
                notes.append("synced" if extra["synced"] else "resyncing")
            if "reconciles" in extra:
                notes.append(f"reconciles {extra['reconciles']}")
            if extra.get("kill_switch"):
                notes.append("KILL SWITCH")
            row.note = ", ".join(notes)
            if new:
                self.put(row)
            else:
                self.touch(name)

    def on_connections(self, events: list[m.ConnectionChanged]) -> None:
        for e in events:
            row = self.lookup(e.stream)
            if row is not None:
                row.connected = e.connected
                row.note = e.reason
                self.touch(e.stream)

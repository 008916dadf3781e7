"""The recorded-feed file format: one gzip'd JSON-lines file per venue, symbol and UTC day.

``<folder>/<venue>/<SYMBOL>/<YYYY-MM-DD>.jsonl.gz``; each line is one record, in the order it was received:

- a market frame exactly as the venue sent it: ``{"ts_recv": <ms>, "frame": {"stream": "btcusdt@trade", "data": ...}}``
- a REST depth snapshot (the book the diffs start from): ``{"ts_recv": <ms>, "snapshot": {"symbol": "BTCUSDT",
  "lastUpdateId": ..., "bids": [...], "asks": [...]}}``

Appending to a day's file adds a gzip member (a second recording of the same day simply continues it). Reading never
fails on bad content: a line that is not JSON or lacks its fields, or a file cut short (a crash while writing), is
counted in ``ReadStats.corrupt`` and skipped (a cut file ends where it was cut).
"""
from __future__ import annotations

import datetime as dt
import gzip
import heapq
import logging
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

log = logging.getLogger(__name__)

SUFFIX = ".jsonl.gz"
SNAPSHOT = "@snapshot"  # the stream name a snapshot record gets: "<symbol lower>@snapshot"


def day_of(ts_ms: int) -> str:
    return dt.datetime.fromtimestamp(ts_ms / 1000, dt.timezone.utc).strftime("%Y-%m-%d")


def file_path(folder: str | Path, venue: str, symbol: str, day: str) -> Path:
    return Path(folder) / venue / symbol.upper() / f"{day}{SUFFIX}"


def frame_line(ts_recv: int, frame: bytes | str) -> bytes:
    """One frame record; the frame's own bytes are kept (re-encoded only if it spans lines)."""
    raw = frame.encode() if isinstance(frame, str) else frame
    if b"\n" in raw or b"\r" in raw:
        raw = orjson.dumps(orjson.loads(raw))
    return b'{"ts_recv":%d,"frame":%s}\n' % (ts_recv, raw)


def snapshot_line(ts_recv: int, symbol: str, snapshot: dict[str, Any]) -> bytes:
    body = {"symbol": symbol.upper(), "lastUpdateId": snapshot.get("lastUpdateId"),
            "bids": snapshot.get("bids", []), "asks": snapshot.get("asks", [])}
    return orjson.dumps({"ts_recv": ts_recv, "snapshot": body}, default=str) + b"\n"


@dataclass(frozen=True, slots=True)
class Recorded:
    """One record: ``stream`` is the market stream name, or ``<symbol>@snapshot`` for a depth snapshot."""
    ts_recv: int
    stream: str
    data: Any

    @property
    def is_snapshot(self) -> bool:
        return self.stream.endswith(SNAPSHOT)

    @property
    def symbol(self) -> str:
        return self.stream.partition("@")[0].upper()


@dataclass
class ReadStats:
    lines: int = 0
    corrupt: int = 0
    files: list[Path] = field(default_factory=list)


def _parse(line: bytes) -> Recorded | None:
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict) or type(obj.get("ts_recv")) is not int:
        return None
    frame = obj.get("frame")
    if isinstance(frame, dict):
        stream, data = frame.get("stream"), frame.get("data")
        if isinstance(stream, str) and "@" in stream and data is not None:
            return Recorded(obj["ts_recv"], stream, data)
        return None
    snap = obj.get("snapshot")
    if (isinstance(snap, dict) and isinstance(snap.get("symbol"), str) and type(snap.get("lastUpdateId")) is int
            and isinstance(snap.get("bids"), list) and isinstance(snap.get("asks"), list)):
        return Recorded(obj["ts_recv"], snap["symbol"].lower() + SNAPSHOT, snap)
    return None


def read_file(path: Path, stats: ReadStats) -> Iterator[Recorded]:
    """The records of one file in order; bad lines and a cut end are counted and skipped."""
    stats.files.append(path)
    try:
        with gzip.open(path, "rb") as fh:
            for line in fh:
                if not line.strip():
                    continue
                stats.lines += 1
                rec = _parse(line)
                if rec is None:
                    stats.corrupt += 1
                    continue
                yield rec
    except (EOFError, OSError, zlib.error) as exc:  # a file cut short, or not gzip at all
        stats.corrupt += 1
        log.warning("%s: unreadable from here on (%s); the rest of the file is skipped", path, type(exc).__name__)


def files(folder: str | Path, venue: str | None = None, symbols: Iterable[str] | None = None) -> list[Path]:
    """The recording's files (every venue unless ``venue``), sorted by symbol and day."""
    root = Path(folder)
    wanted = {s.upper() for s in symbols} if symbols is not None else None
    out = []
    for path in sorted(root.glob(f"*/*/*{SUFFIX}")):
        if venue is not None and path.parent.parent.name != venue:
            continue
        if wanted is not None and path.parent.name not in wanted:
            continue
        out.append(path)
    return out


def read_recording(folder: str | Path, stats: ReadStats | None = None, *, venue: str | None = None,
                   symbols: Iterable[str] | None = None) -> Iterator[Recorded]:
    """Every record of the recording in receive order: each symbol's days in turn, symbols merged by ``ts_recv``
    (stable: records of one symbol never change order, even with equal or backwards receive times)."""
    stats = stats if stats is not None else ReadStats()
    by_symbol: dict[Path, list[Path]] = {}
    for path in files(folder, venue, symbols):
        by_symbol.setdefault(path.parent, []).append(path)

    def chain(paths: list[Path]) -> Iterator[Recorded]:
        for p in paths:
            yield from read_file(p, stats)

    return heapq.merge(*(chain(p) for p in by_symbol.values()), key=lambda r: r.ts_recv)

"""Recorded market feeds: record the raw frames of a venue's streams (``record``), read them back in receive order
(``read_recording``), and build bars from recorded trades for the backtester (``bars_from_recording``). The sandbox
replays a recording on its streams (``trading-terminal sandbox --replay-feed DIR``)."""
from __future__ import annotations

from .files import ReadStats, Recorded, read_recording
from .recorder import Recorder, RecordStats, record

__all__ = ["ReadStats", "RecordStats", "Recorded", "Recorder", "read_recording", "record"]

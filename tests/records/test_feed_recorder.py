"""The recorder never holds up the feed: with its writer stuck (the day's file is a FIFO nobody reads yet), a burst
of frames returns at once, the bounded queue keeps what fits and the rest is dropped and counted; once the writer
can go on, what was kept is written in receive order."""
from __future__ import annotations

import gzip
import json
import os
from typing import Any

from terminal.records.feed import Recorder
from terminal.records.feed.files import day_of, file_path

T0 = 1_764_892_800_000  # 2025-12-05 00:00 UTC


class FakeMarket:
    """What the recorder needs of a market stream: the tap attribute and (un)subscribe."""

    def __init__(self) -> None:
        self.on_frame: Any = None
        self.subscriptions: frozenset[str] = frozenset({"btcusdt@trade"})  # the session already watches trades
        self.subscribed: list[str] = []
        self.unsubscribed: list[str] = []

    async def subscribe(self, streams: list[str]) -> None:
        self.subscribed += streams

    async def unsubscribe(self, streams: list[str]) -> None:
        self.unsubscribed += streams


async def _no_depth(symbol: str) -> dict[str, Any]:
    raise AssertionError("no depth frames here")


async def test_a_stuck_writer_drops_and_counts_frames_without_blocking_the_feed(tmp_path) -> None:
    fifo = file_path(tmp_path, "binance", "BTCUSDT", day_of(T0))
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    market = FakeMarket()
    recorder = Recorder(market, _no_depth, ["BTCUSDT"], tmp_path, max_queue=10)
    await recorder.start()
    assert "btcusdt@trade" not in market.subscribed and "btcusdt@depth@100ms" in market.subscribed
    burst = 5_000
    for i in range(burst):  # returns although the writer is stuck opening the FIFO
        msg = {"stream": "btcusdt@trade", "data": {"e": "trade", "t": i, "p": "1.00", "q": "1", "T": T0 + i}}
        market.on_frame(msg, json.dumps(msg), T0 + i)
    market.on_frame({"stream": "ethusdt@trade", "data": {}}, "{}", T0)  # not a recorded symbol: ignored
    assert recorder.stats.dropped >= burst - 11
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # the writer can open its file now
    try:
        stats = await recorder.stop()
        chunks = []
        while chunk := os.read(reader, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(reader)
    assert market.on_frame is None and sorted(market.unsubscribed) == sorted(market.subscribed)
    assert stats.frames + stats.dropped == burst and stats.frames in (10, 11)
    lines = gzip.decompress(b"".join(chunks)).splitlines()
    ids = [json.loads(line)["frame"]["data"]["t"] for line in lines]
    assert len(ids) == stats.frames and ids == sorted(set(ids))  # what was kept, in receive order
    assert ids[:10] == list(range(10))  # the queue's ten (the eleventh got in when the writer took the first)

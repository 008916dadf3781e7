"""Playback of a recorded feed: frames served in recorded order on their streams, the recorded snapshot on REST
depth, corrupt lines and a file cut short counted and skipped (never fatal), orders filled against the recorded top
of book, the CLI's --speed checked."""
from __future__ import annotations

import asyncio
import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest
import requests
import websockets

from terminal.records.feed.files import ReadStats, frame_line, read_file, snapshot_line
from terminal.venues.sandbox import SandboxServer
from terminal.venues.sandbox.cli import main as sandbox_main

from .signer import body, new_account, public, signed

DAY_MS = 1_764_892_800_000  # 2025-12-05 00:00 UTC


def _trade(i: int) -> dict[str, Any]:
    return {"e": "trade", "E": DAY_MS + i, "s": "ETHUSDT", "t": i, "p": f"{3000 + i}.00", "q": "0.5000",
            "T": DAY_MS + i, "m": i % 2 == 0, "M": True}


def _write_recording(root: Path) -> tuple[list[dict[str, Any]], int]:
    """ETHUSDT: a snapshot, five trades and three bad lines; BTCUSDT: a file cut short. -> trades, bad lines."""
    trades = [_trade(i) for i in range(5)]
    eth = root / "binance" / "ETHUSDT" / "2025-12-05.jsonl.gz"
    eth.parent.mkdir(parents=True)
    lines = [snapshot_line(DAY_MS, "ETHUSDT", {"lastUpdateId": 42, "bids": [["2999.00", "1.0"]],
                                               "asks": [["3001.00", "2.0"]]})]
    bad = [b"this is not json\n", b'{"ts_recv": "soon", "frame": {}}\n', b'{"ts_recv": 5, "frame": {"stream": 7}}\n']
    for i, t in enumerate(trades):
        lines.append(frame_line(DAY_MS + i, json.dumps({"stream": "ethusdt@trade", "data": t})))
        if i < len(bad):
            lines.append(bad[i])
    with gzip.open(eth, "wb") as fh:
        fh.writelines(lines)
    btc = root / "binance" / "BTCUSDT" / "2025-12-05.jsonl.gz"
    btc.parent.mkdir(parents=True)
    whole = gzip.compress(b"".join(frame_line(DAY_MS + i, json.dumps({"stream": "btcusdt@trade", "data": _trade(i)}))
                                   for i in range(200)))
    btc.write_bytes(whole[: len(whole) // 2])  # a recorder killed mid-write
    return trades, len(bad)


async def _until(condition: Callable[[], Any], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("speed", [None, 10.0])
async def test_playback_serves_recorded_frames_and_skips_corrupt_lines(tmp_path: Path, speed: float | None) -> None:
    trades, bad = _write_recording(tmp_path)
    alone = ReadStats()
    assert len(list(read_file(tmp_path / "binance" / "ETHUSDT" / "2025-12-05.jsonl.gz", alone))) == 6
    assert alone.corrupt == bad
    server = SandboxServer(host="127.0.0.1", port=0, replay_feed=tmp_path, replay_feed_speed=speed)
    server.start()
    try:
        assert server.playback is not None
        snap = requests.get(server.url + "/api/v3/depth", params={"symbol": "ETHUSDT"}, timeout=10).json()
        assert snap == {"lastUpdateId": 42, "bids": [["2999.00", "1.0"]], "asks": [["3001.00", "2.0"]]}
        async with websockets.connect(server.ws_url + "/ws/ethusdt@trade") as ws:
            got = [json.loads(await asyncio.wait_for(ws.recv(), 10)) for _ in trades]
        assert got == trades  # every good frame, in order, as recorded
        playback = server.playback
        await _until(playback.done.is_set)
        assert playback.stats.corrupt >= bad + 1  # the three bad lines and the cut file
        health = requests.get(server.url + "/sandbox/health", timeout=10)
        assert health.status_code == 200  # the sandbox carries on
        other = requests.get(server.url + "/api/v3/depth", params={"symbol": "XRPUSDT"}, timeout=10)
        assert other.status_code == 200 and "lastUpdateId" in other.json()  # other symbols: the engine's book
    finally:
        server.stop()


def _write_quotes(root: Path) -> None:
    """ETHUSDT: a trade, then two bookTicker frames (the last one is the market when the playback ends)."""
    path = root / "binance" / "ETHUSDT" / "2025-12-05.jsonl.gz"
    path.parent.mkdir(parents=True)
    frames = [("ethusdt@trade", _trade(0)),
              ("ethusdt@bookTicker", {"u": 1, "s": "ETHUSDT", "b": "2990.00", "B": "3.0", "a": "2995.00", "A": "3.0"}),
              ("ethusdt@bookTicker", {"u": 2, "s": "ETHUSDT", "b": "2999.00", "B": "1.0", "a": "3001.00", "A": "0.7"})]
    with gzip.open(path, "wb") as fh:
        fh.writelines(frame_line(DAY_MS + i, json.dumps({"stream": s, "data": d})) for i, (s, d) in enumerate(frames))


async def test_orders_fill_against_the_recorded_top_of_book(tmp_path: Path) -> None:
    _write_quotes(tmp_path)
    server = SandboxServer(host="127.0.0.1", port=0, replay_feed=tmp_path, replay_feed_speed=None)
    server.start()
    try:
        assert server.playback is not None
        server.call(server.playback.start)
        await _until(server.playback.done.is_set)
        top = body(public(server, "/api/v3/ticker/bookTicker", symbol="ETHUSDT"))
        assert tuple(Decimal(top[k]) for k in ("bidPrice", "bidQty", "askPrice", "askQty")) == \
            (Decimal("2999.00"), Decimal("1.0"), Decimal("3001.00"), Decimal("0.7"))
        key, secret = new_account(server, {"USDT": "100000", "ETH": "10"})
        buy = body(signed(server, "POST", "/api/v3/order", {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET",
                                                           "quantity": "0.5", "newOrderRespType": "FULL"},
                          key=key, secret=secret))
        assert buy["status"] == "FILLED" and [Decimal(f["price"]) for f in buy["fills"]] == [Decimal("3001")]
        sell = body(signed(server, "POST", "/api/v3/order", {"symbol": "ETHUSDT", "side": "SELL", "type": "LIMIT",
                                                            "timeInForce": "GTC", "quantity": "0.4", "price": "2995.00",
                                                            "newOrderRespType": "FULL"}, key=key, secret=secret))
        assert sell["status"] == "FILLED" and [Decimal(f["price"]) for f in sell["fills"]] == [Decimal("2999")]
        assert server.playback.quote_rejects == 0
    finally:
        server.stop()


@pytest.mark.parametrize("speed", ["0", "fast", "-10"])
def test_cli_refuses_a_bad_replay_speed(speed: str, tmp_path: Path, capsys: Any) -> None:
    with pytest.raises(SystemExit) as exc:
        sandbox_main(["--port", "0", "--replay-feed", str(tmp_path), "--speed", speed])
    assert exc.value.code == 2
    assert "is not a speed" in capsys.readouterr().err


def test_cli_says_when_the_folder_holds_no_recording(tmp_path: Path, capsys: Any) -> None:
    assert sandbox_main(["--port", "0", "--replay-feed", str(tmp_path)]) == 2
    assert "no recorded feed here" in capsys.readouterr().err

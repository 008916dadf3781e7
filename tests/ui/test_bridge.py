"""The bridge: bus events are only recorded; one batch per kind per frame, coalesced per symbol."""
from __future__ import annotations

import logging
from decimal import Decimal

from terminal import model as m
from terminal.bus import Bus
from terminal.ui.bridge import Bridge

D = Decimal


def test_bus_events_are_batched_and_coalesced_per_frame(qtbot):
    bus = Bus()
    br = Bridge()
    br.attach(bus)
    got: dict[str, list] = {"quotes": [], "trades": [], "orders": [], "books": []}
    br.quotes.connect(lambda b: got["quotes"].append(b))
    br.trades.connect(lambda b: got["trades"].append(b))
    br.orders.connect(lambda b: got["orders"].append(b))
    br.books.connect(lambda b: got["books"].append(b))
    for i in range(100):
        bus.publish(m.QuoteTick("BTCUSDT", D(i), D(1), D(i + 1), D(1)))
        bus.publish(m.TradeTick("BTCUSDT", D(i), D(1), i, m.Side.BUY))
    o = m.Order("BTCUSDT", m.Side.BUY, m.OrderType.LIMIT, "c1", D(1), price=D(1))
    bus.publish(m.OrderUpdated(o))
    bus.publish(m.OrderUpdated(o.with_status(m.OrderStatus.NEW)))
    bus.publish(m.BookUpdated("BTCUSDT", 1, (), ()))
    assert all(not v for v in got.values())  # nothing reaches Qt before the frame
    with qtbot.waitSignal(br.frame):
        br.flush()
    assert len(got["quotes"]) == 1 and got["quotes"][0][0].bid == D(99)
    assert len(got["trades"]) == 1 and len(got["trades"][0]) == 100
    assert len(got["orders"][0]) == 1 and got["orders"][0][0].status is m.OrderStatus.NEW
    assert list(got["books"][0]) == ["BTCUSDT"]
    br.flush()
    assert len(got["quotes"]) == 1
    br.detach()
    bus.publish(m.QuoteTick("BTCUSDT", D(1), D(1), D(2), D(1)))
    br.flush()
    assert len(got["quotes"]) == 1


def test_log_records_from_any_thread_are_drained_per_frame(qtbot):
    br = Bridge()
    rows = []
    br.logs.connect(rows.extend)
    logger = logging.getLogger("terminal.test.bridge")
    logger.addHandler(br.log_buffer)
    try:
        logger.warning("hello %s", "world")
    finally:
        logger.removeHandler(br.log_buffer)
    br.flush()
    assert rows and rows[0][1:] == ("WARNING", "terminal.test.bridge", "hello world", "")  # no venue


def test_the_frame_timer_runs_when_started(qtbot):
    br = Bridge(frame_ms=5)
    br.start()
    qtbot.waitUntil(lambda: br.frames >= 3, timeout=2000)
    br.stop()

"""Alerts at scale and off the loop: saves go to the background writer (coalesced, flushed on close, errors logged
there), and a tick of one symbol evaluates that symbol's alerts only."""
from __future__ import annotations

import json
import logging
import threading
from decimal import Decimal

import pytest

from terminal.bus import Bus
from terminal.market.alerts import AlertBook, AlertKind, AlertTriggered
from terminal.model import Fill, Liquidity, QuoteTick, Side, TradeTick
from terminal.storage.writer import shared

D = Decimal


@pytest.fixture
def writer():
    """The app's shared writer (a book uses it unless given another), idle at the start and at the end."""
    w = shared()
    assert w.flush(timeout=10)
    yield w
    assert w.flush(timeout=10)


@pytest.fixture
def gate(writer):
    """Keeps the writer busy (as a slow disk would) until set; set at the end whatever happened."""
    event = threading.Event()
    writer.submit("busy", event.wait)
    yield event
    event.set()


def _fill(symbol: str, trade_id: int) -> Fill:
    return Fill(symbol, f"c{trade_id}", 9, trade_id, Side.BUY, D("96"), D("1"), D("96"), D("0"), "USDT",
                Liquidity.TAKER)


def _saved(path) -> list[dict]:
    return json.loads(path.read_text())["alerts"]


def test_an_alert_is_saved_by_the_writer_thread_not_on_the_caller(writer, gate, tmp_path) -> None:
    path = tmp_path / "alerts.json"
    book = AlertBook(Bus(), path)  # the writer is busy (a slow disk): the caller must not wait for it
    alert = book.add("crosses_above", "BTCUSDT", "70000")
    assert not path.exists()  # add() returned before anything was written
    gate.set()
    assert writer.flush(timeout=10)
    assert [a["id"] for a in _saved(path)] == [alert.id]
    book.close()


def test_a_burst_of_1000_changes_is_saved_as_the_last_state_in_far_fewer_writes(writer, gate, tmp_path) -> None:
    path = tmp_path / "alerts.json"
    book = AlertBook(Bus(), path)
    writes = writer.writes  # the busy job is running: it counts when it ends
    for i in range(1000):
        book.add("crosses_above", f"S{i % 10}", str(100 + i))
    book.remove(1)
    book.set_active(2, False)
    assert not path.exists()
    gate.set()
    assert writer.flush(timeout=10)
    saved = _saved(path)
    assert len(saved) == 999 and saved[0]["id"] == 2 and saved[0]["active"] is False and saved[-1]["value"] == "1099"
    assert writer.writes - writes == 2  # the busy job, then the book once with its last state: not 1,002 writes
    book.close()


def test_close_flushes_so_a_reopen_sees_the_last_state(writer, gate, tmp_path) -> None:
    path = tmp_path / "alerts.json"
    book = AlertBook(Bus(), path)
    writes = writer.writes  # the busy job is running: it counts when it ends
    for i in range(20):
        book.add("fill", note=f"n{i}")
    threading.Timer(0.05, gate.set).start()  # the disk frees up while close() waits for it
    book.close()
    assert writer.writes - writes == 2 and writer.pending == 0  # written by the writer, all of it before close()
    assert [a.note for a in AlertBook(Bus(), path).all()] == [f"n{i}" for i in range(20)]


def test_a_failed_save_is_logged_by_the_writer_and_the_next_save_succeeds(writer, tmp_path, caplog) -> None:
    folder = tmp_path / "alerts"
    folder.write_text("a file where the folder should be")
    path = folder / "alerts.json"
    book = AlertBook(Bus(), path)
    with caplog.at_level(logging.ERROR):
        book.add("fill", note="first")
        assert writer.flush(timeout=10)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and str(path) in errors[0].getMessage()
    assert errors[0].thread != threading.get_ident()  # reported where the write happened, not on the caller
    folder.unlink()
    book.add("fill", note="second")
    book.close()
    assert [a["note"] for a in _saved(path)] == ["first", "second"]


def test_5000_alerts_on_1000_symbols_a_quote_evaluates_only_its_symbols_alerts() -> None:
    bus = Bus()
    fired: list[AlertTriggered] = []
    bus.subscribe(AlertTriggered, fired.append)
    now = [0.0]
    book = AlertBook(bus, clock=lambda: now[0])
    for i in range(1000):
        sym = f"S{i:04d}"
        book.add("crosses_above", sym, "101")
        book.add("crosses_below", sym, "99")
        book.add("move_pct", sym, "5", window_s=60)
        book.add("spread_wider", sym, "1")
        book.add("fill", sym)  # not a price condition: a quote never evaluates it
    assert len(book.alerts) == 5000
    sym = "S0500"
    before = book.evaluations
    bus.publish(QuoteTick(sym, D("99.95"), D("1"), D("100.05"), D("1"), 1))  # arms the crossings
    assert book.evaluations - before == 4  # crosses above/below, move, spread of S0500: none of the other 4,996
    before = book.evaluations
    bus.publish(TradeTick(sym, D("102"), D("1"), 2, Side.BUY))
    assert book.evaluations - before == 3  # a trade: the crossings and the move
    assert [(e.alert.symbol, e.alert.kind) for e in fired] == [(sym, AlertKind.CROSSES_ABOVE)]
    bus.publish(QuoteTick(sym, D("90"), D("1"), D("100"), D("1"), 3))  # 10.5% wide; its trade stays the price
    assert [(e.alert.symbol, e.alert.kind) for e in fired[1:]] == [(sym, AlertKind.SPREAD_WIDER)]
    bus.publish(TradeTick(sym, D("96"), D("1"), 4, Side.SELL))  # down 5.9% within the window, through 99
    assert [(e.alert.symbol, e.alert.kind) for e in fired[2:]] == [(sym, AlertKind.CROSSES_BELOW),
                                                                    (sym, AlertKind.MOVE_PCT)]
    bus.publish(_fill(sym, 1))
    assert [(e.alert.symbol, e.alert.kind) for e in fired[4:]] == [(sym, AlertKind.FILL)]
    assert all(a.times == 0 for a in book.alerts.values() if a.symbol != sym)
    book.close()


def test_a_fill_reaches_its_symbols_alert_and_the_any_symbol_alert_in_the_order_they_were_set() -> None:
    bus = Bus()
    fired: list[AlertTriggered] = []
    bus.subscribe(AlertTriggered, fired.append)
    book = AlertBook(bus)
    anyone = book.add("fill", "", repeat=True)
    other = book.add("fill", "ETHUSDT", repeat=True)
    mine = book.add("fill", "BTCUSDT", repeat=True)
    bus.publish(_fill("BTCUSDT", 1))
    assert [e.alert.id for e in fired] == [anyone.id, mine.id] and other.id not in [e.alert.id for e in fired]
    book.remove(mine.id)
    bus.publish(_fill("BTCUSDT", 2))
    assert [e.alert.id for e in fired[2:]] == [anyone.id]
    book.close()

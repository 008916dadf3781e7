"""The risk engine's day state (open, peak, halt) is saved by the background writer (storage.writer), never on the
caller's thread (the loop); a restart reads a state still queued; a failed save is logged and written again at the
next refresh."""
from __future__ import annotations

import json
import logging
import threading
from decimal import Decimal

import pytest

from terminal.risk.limits import LossLimits, RiskLimits
from terminal.storage.writer import shared

from .test_engine import Desk

D = Decimal


@pytest.fixture
def gate():
    """Keeps the app's writer busy (a slow disk) until set; set at the end whatever happened."""
    writer = shared()
    assert writer.flush(timeout=10)
    event = threading.Event()
    writer.submit("busy", event.wait)
    yield event
    event.set()
    assert writer.flush(timeout=10)


def test_the_days_state_is_saved_by_the_writer_and_a_restart_reads_it_back(gate, tmp_path) -> None:
    desk = Desk(RiskLimits(loss=LossLimits(max_daily_loss=D("500"))), usdt="10000", btc="0.1")
    desk.engine.state_path = tmp_path / "risk.json"
    desk.engine.refresh()  # the day opens at 10,000 + 0.1 x 80,000.01
    assert not (tmp_path / "risk.json").exists()  # queued: the caller did not wait for the disk
    again = Desk(RiskLimits(loss=LossLimits(max_daily_loss=D("500"))), usdt="10000", btc="0.2")
    again.clock.set(desk.clock.now_ms())
    again.engine.state_path = tmp_path / "risk.json"
    threading.Timer(0.05, gate.set).start()  # the disk frees up while the restart waits for the queued state
    again.engine._restore()
    assert again.engine.status().day_open == D("18000.001")
    assert json.loads((tmp_path / "risk.json").read_text())["open"] == "18000.001"


def test_a_failed_save_is_logged_and_written_again_at_the_next_refresh(tmp_path, caplog) -> None:
    folder = tmp_path / "state"
    folder.write_text("a file where the folder should be")
    desk = Desk(RiskLimits(loss=LossLimits(max_daily_loss=D("500"))), usdt="10000", btc="0.1")
    desk.engine.state_path = folder / "risk.json"
    with caplog.at_level(logging.ERROR):
        desk.engine.refresh()
        assert shared().flush(timeout=10)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "risk state" in errors[0].getMessage() and errors[0].thread == shared().thread_id
    folder.unlink()
    desk.engine.refresh()  # nothing changed, but the last save failed: written now
    assert shared().flush(timeout=10)
    assert json.loads((folder / "risk.json").read_text())["open"] == "18000.001"

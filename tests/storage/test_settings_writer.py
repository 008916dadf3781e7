"""Settings saves through the background writer: ``save_later`` returns before the disk is touched, a burst is
written once with its last state, ``save`` keeps the order with what was queued, ``load`` reads a queued save back,
and a failed save is logged while the next one succeeds."""
from __future__ import annotations

import json
import logging
import threading

import pytest

from terminal.storage import settings as store
from terminal.storage.writer import shared


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


def test_save_later_returns_before_the_disk_and_a_burst_of_1000_is_written_once_as_the_last_state(gate,
                                                                                                  tmp_path) -> None:
    writer = shared()
    writes = writer.writes  # the busy job counts when it ends
    s = store.Settings()
    futures = []
    for i in range(1000):
        s.chart_symbol = f"S{i}"
        futures.append(store.save_later(s, tmp_path))
    assert not store.settings_path(tmp_path).exists()  # nothing written on the caller's thread
    gate.set()
    assert futures[-1].result(timeout=10) == store.settings_path(tmp_path)
    assert writer.flush(timeout=10)
    assert json.loads(store.settings_path(tmp_path).read_text())["chart_symbol"] == "S999"
    assert writer.writes - writes == 2  # the busy job and one settings write, not 1,000
    assert all(f.result(timeout=0) == store.settings_path(tmp_path) for f in futures)


def test_save_waits_and_a_save_queued_before_it_never_lands_after_it(gate, tmp_path) -> None:
    s = store.Settings(theme="light")
    queued = store.save_later(s, tmp_path)
    s.theme = "dark"
    threading.Timer(0.05, gate.set).start()  # the disk frees up while save() waits
    assert store.save(s, tmp_path) == store.settings_path(tmp_path)
    assert queued.done() and json.loads(store.settings_path(tmp_path).read_text())["theme"] == "dark"
    assert shared().flush(timeout=10)
    assert json.loads(store.settings_path(tmp_path).read_text())["theme"] == "dark"


def test_load_reads_back_a_save_still_queued(gate, tmp_path) -> None:
    store.save_later(store.Settings(environment="testnet"), tmp_path)
    threading.Timer(0.05, gate.set).start()
    assert store.load(tmp_path).environment == "testnet"


def test_a_failed_save_is_logged_by_the_writer_and_the_next_save_succeeds(tmp_path, caplog) -> None:
    folder = tmp_path / "config"
    folder.write_text("a file where the folder should be")
    with caplog.at_level(logging.ERROR):
        failed = store.save_later(store.Settings(theme="light"), folder)
        assert isinstance(failed.exception(timeout=10), OSError)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "settings" in errors[0].getMessage() and str(folder) in errors[0].getMessage()
    assert errors[0].thread == shared().thread_id != threading.get_ident()
    folder.unlink()
    assert store.save_later(store.Settings(theme="light"), folder).result(timeout=10) == store.settings_path(folder)
    assert store.load(folder).theme == "light"

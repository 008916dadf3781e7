"""The background writer (storage.writer): writes leave the calling thread, in order, coalesced by key, flushed on
close, and a failed write is logged while the next one succeeds."""
from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from terminal.storage.writer import Writer, write_atomic


@pytest.fixture
def writer():
    w = Writer()
    yield w
    w.close()


def test_a_write_runs_on_the_writer_thread_not_on_the_caller(writer, tmp_path) -> None:
    threads: list[int] = []

    def job() -> Path:
        threads.append(threading.get_ident())
        return write_atomic(tmp_path / "a.json", "{}")

    assert writer.submit("a", job).result(timeout=10) == tmp_path / "a.json"
    assert threads == [writer.thread_id] and threads[0] != threading.get_ident()


def test_a_burst_of_1000_saves_of_one_file_ends_with_the_last_state_in_far_fewer_writes(writer, tmp_path) -> None:
    path = tmp_path / "state.json"
    gate = threading.Event()
    writer.submit("gate", gate.wait)  # the thread is busy while the burst arrives, as a slow disk would keep it
    futures = [writer.submit(path, lambda i=i: write_atomic(path, json.dumps({"n": i}))) for i in range(1000)]
    gate.set()
    assert writer.flush(timeout=10)
    assert json.loads(path.read_text()) == {"n": 999}
    assert writer.writes == 2 and writer.coalesced == 999  # the gate, then one write: the last state
    assert all(f.result(timeout=0) == path for f in futures)  # every caller's future says its state is on disk


def test_jobs_without_a_key_all_run_in_the_order_they_were_submitted(writer) -> None:
    seen: list[int] = []
    for i in range(200):
        writer.submit(None, lambda i=i: seen.append(i))
    assert writer.flush(timeout=10)
    assert seen == list(range(200))


def test_close_flushes_what_is_queued_so_a_reopen_sees_the_last_state(tmp_path) -> None:
    path = tmp_path / "state.json"
    w = Writer()
    gate = threading.Event()
    w.submit("gate", gate.wait)
    for i in range(50):
        w.submit(path, lambda i=i: write_atomic(path, json.dumps({"n": i})))
    threading.Timer(0.05, gate.set).start()  # released from elsewhere while close() waits
    w.close()
    assert json.loads(path.read_text()) == {"n": 49}
    # a save after close is not dropped: it is written on the caller's thread
    w.submit(path, lambda: write_atomic(path, json.dumps({"n": 50}))).result(timeout=0)
    assert json.loads(path.read_text()) == {"n": 50}


def test_a_failed_write_is_logged_and_the_next_write_succeeds(writer, tmp_path, caplog) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    bad = writer.submit("bad", lambda: write_atomic(blocker / "state.json", "{}"))
    with caplog.at_level(logging.ERROR, logger="terminal.storage.writer"):
        assert writer.flush(timeout=10)
    assert isinstance(bad.exception(timeout=0), OSError)
    assert any("could not write bad" in r.getMessage() and "Error" in r.getMessage() for r in caplog.records)
    caplog.clear()
    good = tmp_path / "state.json"
    assert writer.submit(good, lambda: write_atomic(good, "{}")).result(timeout=10) == good
    assert good.read_text() == "{}" and writer.errors == 1


def test_the_shared_writer_writes_what_is_queued_when_the_interpreter_exits(tmp_path) -> None:
    path = tmp_path / "state.json"
    script = (
        "import json, sys, threading\n"
        "from terminal.storage.writer import shared, write_atomic\n"
        "w = shared()\n"
        "w.submit('busy', threading.main_thread().join)  # the disk is busy until the program has ended\n"
        "for i in range(1000):\n"
        "    w.submit(sys.argv[1], lambda i=i: write_atomic(sys.argv[1], json.dumps({'n': i})))\n")
    done = subprocess.run([sys.executable, "-c", script, str(path)], cwd=Path(__file__).parents[2], timeout=60,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(path.read_text()) == {"n": 999}

"""``AuditLog.note``: the order path's records are numbered and timestamped when noted, chained and hashed later
(by the writer thread, or at the next read of a log in memory), in order, exactly as ``record`` writes them."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

from terminal.model import Side
from terminal.storage.audit import AuditLog

ROOT = Path(__file__).resolve().parents[2]


def test_noted_and_recorded_entries_chain_in_the_order_they_were_made_and_read_as_record_writes_them(tmp_path):
    path = tmp_path / "audit-testnet.jsonl"
    clock = iter(range(1000, 2000))
    log = AuditLog(path, "testnet", now_ms=lambda: next(clock))
    log.note("order.sent", "user", symbol="BTCUSDT", side=Side.BUY, qty=Decimal("0.00100000"), api_key="k" * 20)
    third = None
    log.note("order.cancel", "strategy:S", client_order_id="abc", origin="S")
    third = log.record("kill_switch", "user", on=True)
    log.note("order.sent", "user", price=Decimal("1E+1"), n=4)
    assert log.flush()
    recs = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["seq"], r["ts_ms"], r["action"]) for r in recs] == [
        (1, 1000, "order.sent"), (2, 1001, "order.cancel"), (3, 1002, "kill_switch"), (4, 1003, "order.sent")]
    assert recs[0]["details"] == {"api_key": "****", "qty": "0.00100000", "side": "BUY", "symbol": "BTCUSDT"}
    assert recs[3]["details"] == {"n": 4, "price": "10"}
    assert recs[2]["prev"] == recs[1]["hash"] == third.prev and recs[2]["hash"] == third.hash
    assert AuditLog(path, read_only=True).verify().ok

    # the same entries through record() give the same lines
    clock2 = iter(range(1000, 2000))
    again = AuditLog(tmp_path / "again.jsonl", "testnet", now_ms=lambda: next(clock2))
    again.record("order.sent", "user", symbol="BTCUSDT", side=Side.BUY, qty=Decimal("0.00100000"), api_key="k" * 20)
    again.record("order.cancel", "strategy:S", client_order_id="abc", origin="S")
    again.record("kill_switch", "user", on=True)
    again.record("order.sent", "user", price=Decimal("1E+1"), n=4)
    again.flush()
    assert (tmp_path / "again.jsonl").read_text() == path.read_text()


def test_a_noted_value_that_could_change_later_is_recorded_as_it_was_when_noted():
    log = AuditLog(None, "sandbox")
    legs = ["tp", "sl"]
    log.note("protection.place", "user", legs=legs)
    legs.append("changed")
    assert json.loads(next(iter(log.lines())))["details"] == {"legs": ["tp", "sl"]}


def test_notes_from_many_threads_are_all_chained_once_in_memory_and_on_disk(tmp_path):
    for log in (AuditLog(None, "sandbox"), AuditLog(tmp_path / "audit.jsonl", "testnet")):
        threads = [threading.Thread(target=lambda k=k: [log.note("order.sent", f"strategy:S{k}", n=i)
                                                        for i in range(200)]) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        result = log.verify()
        assert result.ok and result.records == 800, result
        assert sorted(json.loads(line)["seq"] for line in log.lines()) == list(range(1, 801))


def test_one_writer_thread_serves_record_after_record_and_writes_without_being_asked(tmp_path):
    path = tmp_path / "audit-w.jsonl"
    log = AuditLog(path, "w")
    log.note("order.sent", "user", n=1)
    assert log.flush()
    writers = [t for t in threading.enumerate() if t.name == "audit-w"]
    log.note("order.sent", "user", n=2)
    assert log.flush()
    # the same thread wrote both (one started per batch put its start-up on the order's path each time)
    assert [t for t in threading.enumerate() if t.name == "audit-w"] == writers and len(writers) == 1
    log.note("order.cancel", "user", n=3)
    deadline = time.monotonic() + 10
    while len(path.read_text().splitlines()) < 3:  # written within the writer's period, nobody flushing
        assert time.monotonic() < deadline, "the third record never reached the file"
        time.sleep(0.01)
    assert log.verify().ok


def test_records_noted_just_before_the_program_ends_are_written(tmp_path):
    path = tmp_path / "audit-x.jsonl"
    code = ("import sys; from decimal import Decimal; from terminal.storage.audit import AuditLog; "
            "log = AuditLog(sys.argv[1], 'x'); [log.note('order.sent', 'user', n=i, qty=Decimal('0.1')) "
            "for i in range(50)]")
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60, cwd=ROOT)
    lines = path.read_text().splitlines()
    assert len(lines) == 50 and AuditLog(path, read_only=True).verify().ok

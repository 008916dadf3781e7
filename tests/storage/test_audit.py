"""The audit trail: an append-only hash chain on disk; verify names the first bad record for any single changed byte,
a deleted, inserted or reordered record, and records cut from the end; secrets never reach the file."""
from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from terminal.model import Side
from terminal.storage import redaction
from terminal.storage.audit import GENESIS, AuditLog


def clock():
    t = iter(range(1_780_000_000_000, 1_780_000_000_000 + 10**6, 250))
    return lambda: next(t)


def write(path: Path, n: int = 3) -> AuditLog:
    log = AuditLog(path, "testnet", now_ms=clock())
    for i in range(n):
        log.record("order.sent", "strategy:SmaCross" if i % 2 else "user", symbol="BTCUSDT", side=Side.BUY,
                   qty=Decimal("0.00100000"), price=Decimal("64000.5"), n=i)
    assert log.flush()  # on disk: the writer thread has appended and fsync'd them
    return log


def test_records_chain_each_to_the_one_before_and_continue_after_a_reopen(tmp_path):
    path = tmp_path / "audit-testnet.jsonl"
    write(path, 2)
    again = AuditLog(path, "testnet")
    third = again.record("kill_switch", "user", on=True)
    again.flush()
    lines = path.read_text().splitlines()
    recs = [json.loads(x) for x in lines]
    assert [r["seq"] for r in recs] == [1, 2, 3] and recs[0]["prev"] == GENESIS
    assert recs[1]["prev"] == recs[0]["hash"] and recs[2]["prev"] == recs[1]["hash"] == third.prev
    assert recs[0]["details"] == {"n": 0, "price": "64000.5", "qty": "0.00100000", "side": "BUY", "symbol": "BTCUSDT"}
    assert recs[1]["actor"] == "strategy:SmaCross" and recs[2]["env"] == "testnet"
    assert json.loads((tmp_path / "audit-testnet.jsonl.head").read_text()) == {"seq": 3, "hash": third.hash}
    assert AuditLog(path, read_only=True).verify().ok
    assert str(AuditLog(path, read_only=True).verify()) == "3 records, chain intact"


def test_any_single_byte_changed_is_caught_at_the_record_that_holds_it(tmp_path):
    path = tmp_path / "a.jsonl"
    write(path, 3)
    original = path.read_bytes()
    starts = [0] + [i + 1 for i, b in enumerate(original) if b == 0x0A][:-1]
    assert len(original) > 600
    for offset in range(len(original)):
        changed = bytearray(original)
        changed[offset] = ord("x") if original[offset] != ord("x") else ord("y")
        path.write_bytes(bytes(changed))
        result = AuditLog(path, read_only=True).verify()
        holder = max(i for i, s in enumerate(starts) if s <= offset) + 1
        assert not result.ok, f"byte {offset} changed and not caught"
        assert result.bad_record == holder, (offset, result)
    path.write_bytes(original)
    assert AuditLog(path, read_only=True).verify().ok


@pytest.mark.parametrize("delete, bad", [(1, 1), (2, 2), (4, 4), (5, 5)])
def test_a_deleted_record_is_named(tmp_path, delete, bad):
    path = tmp_path / "a.jsonl"
    write(path, 5)
    lines = path.read_text().splitlines(keepends=True)
    del lines[delete - 1]
    path.write_text("".join(lines))
    result = AuditLog(path, read_only=True).verify()
    assert (result.ok, result.bad_record) == (False, bad)
    if delete == 5:  # the chain itself is intact: the head file knows there were five
        assert "the log ends at record 4 but its head says 5 were written" in result.reason
    else:
        assert f"numbered {delete + 1} where {delete} was expected: a record was deleted" in result.reason


def test_reordered_and_inserted_records_are_named(tmp_path):
    path = tmp_path / "a.jsonl"
    write(path, 4)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([lines[0], lines[2], lines[1], lines[3]]))
    result = AuditLog(path, read_only=True).verify()
    assert (result.bad_record, result.reason) == (2, "numbered 3 where 2 was expected: a record was deleted, "
                                                     "inserted or moved before it")
    path.write_text("".join([lines[0], lines[1], lines[1], lines[2], lines[3]]))
    assert AuditLog(path, read_only=True).verify().bad_record == 3


def test_opening_a_log_cut_at_the_end_records_the_evidence(tmp_path, caplog):
    path = tmp_path / "a.jsonl"
    write(path, 3)
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:2]))
    log = AuditLog(path, "testnet")  # the app starts again on the cut file
    assert "does not match its head" in caplog.text
    log.record("kill_switch", on=False)
    log.flush()
    result = AuditLog(path, read_only=True).verify()
    assert (result.ok, result.bad_record) == (False, 3)
    assert "its head said record 3, the file ended at 2" in result.reason


def test_a_process_killed_between_the_records_and_the_head_is_no_tampering(tmp_path, caplog):
    """The writer appends (fsync) and then replaces the head: a SIGKILL between the two leaves a log one batch ahead
    of its head, every record well chained. That is an interrupted write, not records changed or removed."""
    path = tmp_path / "a.jsonl"
    write(path, 3)
    head = path.with_name(path.name + ".head")
    before = head.read_text()
    log = AuditLog(path, "testnet")
    log.record("order.sent", symbol="BTCUSDT")
    log.record("order.sent", symbol="ETHUSDT")
    log.flush()
    head.write_text(before)  # as if killed after the append, before the head's update
    assert AuditLog(path, read_only=True).verify().ok
    reopened = AuditLog(path, "testnet")
    assert "does not match its head" not in caplog.text
    assert [r.action for r in reopened.records()][-1] == "order.sent"  # no audit.tampered record
    assert json.loads(head.read_text())["seq"] == 5  # the head caught up
    head.write_text(before.replace(json.loads(before)["hash"], "f" * 64))  # a head naming no record of the log
    assert not AuditLog(path, read_only=True).verify().ok


def test_secrets_never_reach_the_file(tmp_path):
    secret = "Zq9wLr0S3cr3tV4lueThatNeverLeaks000111"
    redaction.register(secret)
    path = tmp_path / "a.jsonl"
    log = AuditLog(path, "live")
    log.record("keys.saved", "user", env="live", api_key="vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuI",
               api_secret=secret, note=f"saved with secret={secret}", nested={"password": "hunter2", "ok": "yes"},
               key_hint="…h8A")
    log.flush()
    text = path.read_text()
    assert secret not in text and "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuI" not in text and "hunter2" not in text
    details = json.loads(text)["details"]
    assert details["api_key"] == details["api_secret"] == details["nested"]["password"] == "****"
    assert details["key_hint"] == "…h8A" and details["nested"]["ok"] == "yes"
    assert log.verify().ok


def test_export_writes_one_csv_row_per_record(tmp_path):
    path = tmp_path / "a.jsonl"
    write(path, 3)
    out = tmp_path / "x.csv"
    assert AuditLog(path, read_only=True).export_csv(out) == 3
    rows = list(csv.DictReader(out.open(newline="", encoding="utf-8")))
    assert [r["seq"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["time_utc"] == "2026-05-28 20:26:40.000" and rows[1]["actor"] == "strategy:SmaCross"
    assert json.loads(rows[2]["details"])["n"] == 2


def test_a_read_only_log_refuses_to_append(tmp_path):
    path = tmp_path / "a.jsonl"
    write(path, 1)
    with pytest.raises(PermissionError):
        AuditLog(path, read_only=True).record("x")


def test_in_memory_log_for_a_session_without_a_data_dir():
    log = AuditLog(None, "sandbox")
    log.record("order.sent", symbol="BTCUSDT")
    log.record("order.cancelled", symbol="BTCUSDT")
    assert [r.action for r in log.records()] == ["order.sent", "order.cancelled"] and log.verify().ok


def test_records_from_several_threads_make_one_valid_chain(tmp_path):
    import threading

    log = AuditLog(tmp_path / "a.jsonl", "testnet")
    threads = [threading.Thread(target=lambda k=k: [log.record("order.sent", f"strategy:S{k}", n=i)
                                                    for i in range(50)]) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert log.flush() and log.write_error == ""
    result = AuditLog(tmp_path / "a.jsonl", read_only=True).verify()
    assert (result.ok, result.records) == (True, 200)


def test_a_failed_write_is_reported_and_never_raised_at_the_caller(tmp_path, caplog):
    folder = tmp_path / "logs"
    log = AuditLog(folder / "a.jsonl", "testnet")
    folder.rmdir()
    folder.write_text("not a folder any more")
    log.record("kill_switch", on=True)  # returns at once; the writer thread meets the error
    assert log.flush()
    assert log.write_error.startswith("NotADirectoryError") and "cannot write 1 record(s)" in caplog.text

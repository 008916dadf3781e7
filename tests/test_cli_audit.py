"""``trading-terminal audit verify|export``: exit code 0 on an intact log, 1 naming the first bad record (one byte
changed, a record deleted, records reordered), 2 when there is no log; listed by --help."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from terminal.__main__ import main
from terminal.storage.audit import AuditLog


def make_log(directory: Path, env: str = "testnet", n: int = 4) -> Path:
    log = AuditLog.for_environment(env, directory)
    for i in range(n):
        log.record("order.sent", "user", symbol="BTCUSDT", n=i)
    assert log.path is not None and log.flush()
    return log.path


def test_verify_an_intact_log_then_one_with_a_byte_changed_through_the_installed_command(tmp_path):
    path = make_log(tmp_path)
    exe = Path(sys.executable).with_name("trading-terminal")
    ok = subprocess.run([str(exe), "audit", "verify", "--file", str(path)], capture_output=True, text=True, timeout=60)
    assert (ok.returncode, ok.stdout.strip()) == (0, f"{path}: 4 records, chain intact")
    data = bytearray(path.read_bytes())
    third = data.index(b'"n":2')
    data[third + 4] = ord("7")  # "n":2 -> "n":7 in record 3
    path.write_bytes(bytes(data))
    bad = subprocess.run([str(exe), "audit", "verify", "--file", str(path)], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert bad.stderr.strip() == (f"{path}: record 3: its content does not match its hash: the record was changed")


@pytest.mark.parametrize("edit, record, words", [
    (lambda lines: lines[:1] + lines[2:], 2, "numbered 3 where 2 was expected"),  # a record deleted
    (lambda lines: [lines[0], lines[2], lines[1], lines[3]], 2, "a record was deleted, inserted or moved"),
    (lambda lines: lines[:3], 4, "records were deleted from the end"),
])
def test_verify_names_the_record_in_the_default_data_dir(tmp_path, capsys, monkeypatch, edit, record, words):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    path = make_log(tmp_path / "trading-terminal")
    make_log(tmp_path / "trading-terminal", env="live")
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(edit(lines)))
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr()
    assert f"audit-testnet.jsonl: record {record}: " in out.err and words in out.err
    assert "audit-live.jsonl: 4 records, chain intact" in out.out  # the other environment's log is checked too


def test_export_to_csv_and_refusals(tmp_path, capsys):
    path = make_log(tmp_path)
    out = tmp_path / "x.csv"
    assert main(["audit", "export", "--out", str(out), "--file", str(path)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote 4 records to {out}"
    assert [r["action"] for r in csv.DictReader(out.open(newline=""))] == ["order.sent"] * 4
    assert main(["audit", "export", "--out", str(out), "--env", "testnet", "--data-dir", str(tmp_path)]) == 0
    make_log(tmp_path, env="live")
    assert main(["audit", "export", "--out", str(out), "--data-dir", str(tmp_path)]) == 2
    assert "several logs (audit-live.jsonl, audit-testnet.jsonl): choose one with --env or --file" in \
        capsys.readouterr().err
    assert main(["audit", "verify", "--file", str(tmp_path / "nope.jsonl")]) == 2
    assert "no audit log at" in capsys.readouterr().err


def test_help_lists_the_audit_command(capsys):
    assert main(["--help"]) == 0
    assert "audit     verify the audit trail's hash chain" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["audit", "verify", "--help"])
    assert exit_.value.code == 0
    assert "--file FILE" in capsys.readouterr().out

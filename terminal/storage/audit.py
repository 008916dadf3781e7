"""The audit trail: an append-only, tamper-evident log of what users and strategies did.

One file per environment under the data dir (``audit-<environment>.jsonl``, named as the journal is), one JSON
record a line, written in one canonical form (sorted keys, no spaces) and fsync'd before ``record`` returns::

    {"action":"order.sent","actor":"strategy:SmaCross","details":{...},"env":"testnet",
     "hash":"<sha256 of this record without its hash>","prev":"<hash of the record before>","seq":17,"ts_ms":...}

Each record carries the SHA-256 of the one before, so an edited byte, a deleted, inserted or reordered record
breaks the chain at that record; ``verify()`` names the first bad one. A small head file (``<log>.head``: the last
record's number and hash, replaced atomically after each append) also catches records cut from the end. Opening a
log whose head does not match its end records an ``audit.tampered`` record, which ``verify`` reports: the evidence
stays in the log. (The chain has no secret key: it proves the file was not edited by hand or by a tool unaware of
the chain; a forger who recomputes every hash is not caught.)

Details never hold secrets: every text goes through ``storage.redaction`` and values under secret-like names
(secret, password, api key, signature, token...) are replaced by ``****``.

The command line: ``trading-terminal audit verify [--file F | --env E]`` (exit code 1 naming the first bad record)
and ``trading-terminal audit export --out x.csv [--file F | --env E]``.
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import enum
import hashlib
import json
import logging
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, Protocol

from . import redaction

log = logging.getLogger(__name__)
GENESIS = "0" * 64
TAMPERED = "audit.tampered"
_SECRET_NAME = re.compile(r"secret|password|passphrase|private|signature|token|api_?key", re.I)
_FIELDS = ("seq", "ts_ms", "env", "actor", "action", "details", "prev", "hash")


class AuditSink(Protocol):
    """Where actions are recorded (``AuditLog``; tests may pass any object with this method)."""

    def record(self, action: str, actor: str = "user", **details: Any) -> Any: ...


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    ts_ms: int
    env: str
    actor: str  # "user", "strategy:<name>", "risk", "system"
    action: str  # dotted: order.sent, order.cancelled, order.modified, kill_switch, risk.limits, keys.saved...
    details: dict[str, Any]
    prev: str
    hash: str


@dataclass(frozen=True)
class Verification:
    ok: bool
    records: int  # records read
    bad_record: int | None = None  # the first bad record's number (1-based), None when ok
    reason: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"{self.records} records, chain intact"
        return f"record {self.bad_record}: {self.reason}"


def _canonical(obj: dict[str, Any]) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(body).encode("utf-8")).hexdigest()


def clean(value: Any, depth: int = 0) -> Any:
    """A JSON-safe, secret-free copy: Decimals as plain text, enums by name, texts redacted."""
    if depth > 8:
        return "…"
    kind = type(value)
    if kind is str:  # the usual values first, by exact type (each record of an order holds a dozen)
        return redaction.redact(value)
    if kind is Decimal:
        return format(value, "f")
    if kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        return _clean_dict(value, depth)
    if isinstance(value, bool) or isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, enum.Enum):
        return value._name_
    if isinstance(value, str):
        return redaction.redact(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return _clean_dict(value, depth)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [clean(v, depth + 1) for v in value]
    return redaction.redact(str(value))


def _clean_dict(value: dict[Any, Any], depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    redact, deeper = redaction.redact, depth + 1
    for k, v in value.items():
        key = k if type(k) is str else str(k)
        if _secret_name(key) and v not in (None, ""):
            out[key] = redaction.MASK
            continue
        kind = type(v)
        if kind is str:
            out[key] = redact(v)
        elif kind is Decimal:
            out[key] = format(v, "f")
        elif v is None or kind is int or kind is bool:
            out[key] = v
        else:
            out[key] = clean(v, deeper)
    return out


#: how long the writer thread waits for more records before it ends (a program ending that soon after its last
#: record waits that long for it: the writer is not a daemon)
WRITER_IDLE_S = 0.5
#: how often the running writer looks for records to write (``flush`` has them written at once)
WRITER_PERIOD_S = 0.05
_IMMUTABLE = frozenset({str, int, bool, float, Decimal, type(None)})
_secret_names: dict[str, bool] = {}


def _secret_name(key: str) -> bool:
    """Whether a detail's name is secret-like (remembered per name: records reuse a handful of names)."""
    found = _secret_names.get(key)
    if found is None:
        found = bool(_SECRET_NAME.search(key))
        if len(_secret_names) < 4096:
            _secret_names[key] = found
    return found


def _with_hash(canonical_body: str, digest: str) -> str:
    """The canonical line of a record from the canonical text of its body (without ``hash``): ``hash`` sorts just
    before ``prev``, the body's last text value (only numbers follow it), so it goes before the last ``,"prev":``."""
    at = canonical_body.rindex(',"prev":"')
    return f'{canonical_body[:at]},"hash":"{digest}"{canonical_body[at:]}'


class AuditLog:
    """Append-only; thread-safe. ``path`` None keeps the records in memory (an embedded sandbox's session).

    ``record`` numbers, chains and queues a record at once (microseconds: it runs on the event loop); a writer
    thread of the log's own appends what is queued with one write and one fsync, then replaces the head file (also
    fsync'd): about 6 ms per batch on this machine, which the caller never waits for. The writer looks for records
    every ``WRITER_PERIOD_S`` and ends after ``WRITER_IDLE_S`` without any. ``flush()`` waits until
    everything recorded is on disk; reading the log (``lines``, ``verify``...) flushes first. The writer is not a
    daemon: records queued when the program ends are still written.

    ``note`` is ``record`` for the order path: it numbers and timestamps the record and queues its details as given
    (only immutable values: texts, numbers, Decimals, enums; anything else is recorded at once); cleaning, chaining
    and hashing happen in order later, in the writer thread (or at the next read or ``record`` of a log in memory)."""

    def __init__(self, path: str | Path | None, env: str = "", *, now_ms: Any = None, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.env = env
        self._now_ms = now_ms or (lambda: int(time.time() * 1000))
        self._lock = threading.Condition()
        self._memory: list[str] = []
        self._seq, self._last = 0, GENESIS
        self._pending: list[str] = []
        #: noted records not chained yet: (seq, ts_ms, actor, action, details)
        self._raw: list[tuple[int, int, str, str, dict[str, Any]]] = []
        self._writer: threading.Thread | None = None
        self._busy = False  # the writer is writing a batch
        self._flush_asked = False  # flush() waits: write now
        self._written = 0  # the last record number on disk
        self.write_error: str = ""  # why the last write failed ("" = it did not)
        self.read_only = read_only  # verify and export only: no head check, nothing appended
        if self.path is not None and not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._open_existing()

    @classmethod
    def for_environment(cls, name: str, data_dir: str | Path | None = None) -> "AuditLog":
        """The log of one environment (``name`` as the journal's: ``testnet``, ``paper-sim``...)."""
        from .settings import data_dir as default_dir
        base = Path(data_dir) if data_dir is not None else default_dir()
        return cls(base / f"audit-{name}.jsonl", env=name)

    @property
    def head_path(self) -> Path | None:
        return None if self.path is None else self.path.with_name(self.path.name + ".head")

    # ---- writing ------------------------------------------------------------------------------------------
    def _open_existing(self) -> None:
        assert self.path is not None
        tail = _last_line(self.path)
        if tail is not None:
            try:
                rec = json.loads(tail)
                self._seq, self._last = int(rec["seq"]), str(rec["hash"])
            except (ValueError, KeyError, TypeError):
                self._seq, self._last = _count_lines(self.path), _sha(tail)
        self._written = self._seq
        head = _read_head(self.head_path)
        if head is not None and (head.get("seq"), head.get("hash")) != (self._seq, self._last) \
                and _head_in_chain(self.path, head):
            # the records were appended and fsync'd, the process died before the head was replaced: catch up
            self._write_head(self._seq, self._last)
            log.info("audit log %s: the head caught up with the end (record %d) after an interrupted write",
                     self.path, self._seq)
        elif head is not None and (head.get("seq"), head.get("hash")) != (self._seq, self._last):
            log.error("audit log %s: its end (record %d) does not match its head (record %s): records were removed "
                      "or changed", self.path, self._seq, head.get("seq"))
            self.record(TAMPERED, "system", head_seq=head.get("seq"), head_hash=head.get("hash"),
                        found_seq=self._seq, found_hash=self._last)

    def record(self, action: str, actor: str = "user", **details: Any) -> AuditRecord:
        """Number, chain and queue one record (written and fsync'd by the writer thread); return it."""
        if self.read_only:
            raise PermissionError(f"audit log {self.path} was opened read-only")
        with self._lock:
            self._chain()
            body = self._chained(self._seq + 1, int(self._now_ms()), str(actor), str(action), details)
            self._seq = body["seq"]
            self._wake_writer()
        return AuditRecord(**body)

    def note(self, action: str, actor: str = "user", **details: Any) -> None:
        """As ``record``, without returning the record: its chaining and hashing are left to the writer thread."""
        if self.read_only:
            raise PermissionError(f"audit log {self.path} was opened read-only")
        for v in details.values():
            if type(v) not in _IMMUTABLE and not isinstance(v, enum.Enum):
                self.record(action, actor, **details)  # a value that could change before it is chained: now
                return
        with self._lock:
            self._seq += 1
            self._raw.append((self._seq, int(self._now_ms()), str(actor), str(action), details))
            self._wake_writer()

    def _wake_writer(self) -> None:
        """(Holding the lock.) Start the writer if it is not running (a running one looks every WRITER_PERIOD_S)."""
        if self.path is not None and self._writer is None:
            self._writer = threading.Thread(target=self._write_queued, name=f"audit-{self.env}")
            self._writer.start()

    def _chain(self) -> None:
        """(Holding the lock.) Chain and queue the noted records, in order."""
        raw, self._raw = self._raw, []
        for seq, ts_ms, actor, action, details in raw:
            self._chained(seq, ts_ms, actor, action, details)

    def _chained(self, seq: int, ts_ms: int, actor: str, action: str, details: dict[str, Any]) -> dict[str, Any]:
        """(Holding the lock.) One record chained to the one before and queued; returns its fields."""
        body = {"seq": seq, "ts_ms": ts_ms, "env": self.env, "actor": actor, "action": action,
                "details": clean(details), "prev": self._last}
        text = _canonical(body)  # once: the line is this text with the hash spliced in
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        (self._memory if self.path is None else self._pending).append(_with_hash(text, digest))
        self._last = body["hash"] = digest
        return body

    def _write_queued(self) -> None:
        """The writer thread: every WRITER_PERIOD_S (at once for ``flush``), chain what was noted and append every
        queued record (one write, one fsync), then the head; it ends once nothing has come for WRITER_IDLE_S. It is
        not woken per record: a thread started, or woken to contend for the interpreter, at each order would sit on
        the order's path."""
        idle_since = time.monotonic()
        while True:
            with self._lock:
                self._chain()
                if not self._pending:
                    self._busy = False
                    self._lock.notify_all()
                    if time.monotonic() - idle_since >= WRITER_IDLE_S:
                        self._writer = None
                        return
                    self._lock.wait_for(lambda: self._flush_asked, WRITER_PERIOD_S)
                    self._flush_asked = False
                    continue
                idle_since = time.monotonic()
                self._busy = True
                batch, self._pending = self._pending, []
                seq, last = self._seq, self._last  # the batch holds every record up to this one
            try:
                self._append(batch)
                self._write_head(seq, last)
                error = ""
            except OSError as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.error("audit log %s: cannot write %d record(s): %s", self.path, len(batch), error)
            with self._lock:
                self._written, self.write_error = seq, error
                self._lock.notify_all()

    def flush(self, timeout_s: float | None = 10.0) -> bool:
        """Wait until every record so far is on disk (or its write failed). False if the wait timed out."""
        with self._lock:
            if self.path is None:
                self._chain()
            elif self._pending or self._raw:
                self._wake_writer()
                self._flush_asked = True
                self._lock.notify_all()
            return self._lock.wait_for(lambda: not self._busy and not self._pending and not self._raw, timeout_s)

    def _append(self, lines: list[str]) -> None:
        assert self.path is not None
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            data = "".join(line + "\n" for line in lines).encode("utf-8")
            if os.fstat(fd).st_size and not _ends_with_newline(self.path):
                data = b"\n" + data  # a torn last line stays a bad record of its own
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    def _write_head(self, seq: int, last: str) -> None:
        head = self.head_path
        assert head is not None
        tmp = head.with_name(head.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps({"seq": seq, "hash": last}))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, head)

    # ---- reading ------------------------------------------------------------------------------------------
    def lines(self) -> Iterator[str]:
        if self.path is None or not self.read_only:
            self.flush()
        if self.path is None:
            yield from list(self._memory)
            return
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8", errors="replace", newline="\n") as f:
            for raw in f:
                yield raw[:-1] if raw.endswith("\n") else raw

    def records(self) -> Iterator[AuditRecord]:
        """Every record that parses (use ``verify`` to know whether they are genuine)."""
        for line in self.lines():
            try:
                data = json.loads(line)
                yield AuditRecord(**{k: data[k] for k in _FIELDS})
            except (ValueError, KeyError, TypeError):
                continue

    def verify(self) -> Verification:
        """Check every record's hash, number and link to the one before, and the end against the head. A log that
        goes on, well chained, past the record its head names is a crash between the append and the head's update
        (the head is written after the records), not tampering."""
        head = _read_head(self.head_path)
        prev, n = GENESIS, 0
        head_matched = False
        for n, line in enumerate(self.lines(), start=1):
            problem = _check_line(line, n, prev)
            if problem:
                return Verification(False, n, n, problem)
            prev = json.loads(line)["hash"]
            if head is not None and n == head.get("seq") and prev == head.get("hash"):
                head_matched = True
        if head is not None and (head.get("seq"), head.get("hash")) != (n, prev) and not head_matched:
            seq = head.get("seq")
            if isinstance(seq, int) and seq > n:
                return Verification(False, n, n + 1, f"missing: the log ends at record {n} but its head says "
                                                     f"{seq} were written (records were deleted from the end)")
            return Verification(False, n, min(n, seq + 1) if isinstance(seq, int) and seq >= 0 else n,
                                "the log's end does not match its head file (records were changed or added)")
        return Verification(True, n)

    def export_csv(self, out: str | Path) -> int:
        """Every record as a CSV row (details as JSON). Returns the number of rows."""
        count = 0
        with open(out, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["seq", "time_utc", "ts_ms", "env", "actor", "action", "details", "hash"])
            for r in self.records():
                when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(r.ts_ms / 1000)) + f".{r.ts_ms % 1000:03d}"
                w.writerow([r.seq, when, r.ts_ms, r.env, r.actor, r.action, _canonical(r.details), r.hash])
                count += 1
        return count


def _check_line(line: str, n: int, prev: str) -> str:
    try:
        data = json.loads(line)
    except ValueError:
        return "not valid JSON: the record was edited or cut"
    if not isinstance(data, dict) or set(data) != set(_FIELDS):
        return "not a record of this log: its fields were edited"
    if _canonical(data) != line:
        return "not in the form the log writes: the record was edited"
    body = {k: v for k, v in data.items() if k != "hash"}
    if _digest(body) != data["hash"]:
        return "its content does not match its hash: the record was changed"
    if data["seq"] != n:
        return (f"numbered {data['seq']} where {n} was expected: a record was deleted, inserted or moved "
                "before it")
    if data["prev"] != prev:
        return f"does not follow record {n - 1}: a record was deleted, inserted or moved"
    if data["action"] == TAMPERED:
        return (f"the log found records missing or changed when it was opened (its head said record "
                f"{data['details'].get('head_seq')}, the file ended at {data['details'].get('found_seq')})")
    return ""


def _sha(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def _head_in_chain(path: Path, head: dict[str, Any]) -> bool:
    """The head names a record of the log (by number and hash) and every record after it chains on from it."""
    seq, want = head.get("seq"), head.get("hash")
    if not isinstance(seq, int) or not isinstance(want, str):
        return False
    prev, found = GENESIS, seq == 0 and want == GENESIS
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            line = line.rstrip("\n")
            if _check_line(line, n, prev):
                return False
            prev = json.loads(line)["hash"]
            if n == seq:
                found = prev == want
                if not found:
                    return False
    return found


def _read_head(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"seq": None, "hash": None}
    return data if isinstance(data, dict) else {"seq": None, "hash": None}


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def _last_line(path: Path) -> str | None:
    """The file's last non-empty line, read from the end (the file may be large)."""
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        return None
    with f:
        f.seek(0, os.SEEK_END)
        end = f.tell()
        chunk, data = 4096, b""
        while end > 0:
            start = max(0, end - chunk)
            f.seek(start)
            data = f.read(end - start) + data
            end = start
            stripped = data.rstrip(b"\n")
            if b"\n" in stripped or end == 0:
                return stripped.rsplit(b"\n", 1)[-1].decode("utf-8", "replace") if stripped else None
    return None


def _count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


# ---- command line ---------------------------------------------------------------------------------------------
def _logs(args: argparse.Namespace) -> list[Path]:
    if args.file:
        return [Path(args.file)]
    from .settings import data_dir
    base = Path(args.data_dir) if args.data_dir else data_dir()
    if args.env:
        return [base / f"audit-{args.env}.jsonl"]
    return sorted(base.glob("audit-*.jsonl"))


def main(argv: list[str] | None = None) -> int:
    """``trading-terminal audit verify|export``. Exit codes: 0 intact, 1 a bad record (or none readable), 2 usage."""
    p = argparse.ArgumentParser(prog="trading-terminal audit", description="Verify or export the audit trail.")
    sub = p.add_subparsers(dest="command", required=True)
    for name, text in (("verify", "check every record's hash chain; names the first bad record"),
                       ("export", "write the records as CSV")):
        sp = sub.add_parser(name, help=text, description=text)
        sp.add_argument("--file", help="an audit log file (default: the data dir's audit-*.jsonl)")
        sp.add_argument("--env", help="the environment whose log to use (sandbox, testnet, live, paper-sim...)")
        sp.add_argument("--data-dir", help="where the logs are (default: the user data dir)")
        if name == "export":
            sp.add_argument("--out", required=True, help="the CSV file to write")
    args = p.parse_args(argv)
    paths = _logs(args)
    missing = [x for x in paths if not x.exists()]
    if missing or not paths:
        where = missing[0] if missing else (args.data_dir or "the data dir")
        print(f"trading-terminal audit: no audit log at {where}", file=sys.stderr)
        return 2
    if args.command == "export":
        if len(paths) > 1:
            print("trading-terminal audit export: several logs (" + ", ".join(x.name for x in paths)
                  + "): choose one with --env or --file", file=sys.stderr)
            return 2
        audit = AuditLog(paths[0], read_only=True)
        rows = audit.export_csv(args.out)
        result = audit.verify()
        print(f"wrote {rows} records to {args.out}")
        if not result.ok:
            print(f"warning: {paths[0]}: {result}", file=sys.stderr)
            return 1
        return 0
    status = 0
    for path in paths:
        audit = AuditLog(path, read_only=True)
        result = audit.verify()
        print(f"{path}: {result}", file=sys.stdout if result.ok else sys.stderr)
        status = status or (0 if result.ok else 1)
    return status

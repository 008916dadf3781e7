"""Alerts: price and condition alerts on one session's bus, persisted, delivered as ``AlertTriggered`` events and to
library callbacks.

Kinds (``AlertKind``):
- ``CROSSES_ABOVE`` / ``CROSSES_BELOW`` ``value``: the last price (trade, else mid quote) of ``symbol`` goes from below
  (above) ``value`` to at or above (below) it. The first price seen only arms the alert: an alert set under the
  market fires when the price comes down through it, never at once because the market was already there;
- ``MOVE_PCT`` ``value`` within ``window_s``: the price moved by at least ``value`` percent (either way) from any price
  of the last ``window_s`` seconds;
- ``SPREAD_WIDER`` ``value``: the quote's spread is wider than ``value`` percent of the mid;
- ``FILL``: a fill on ``symbol`` ("" = any symbol);
- ``STRATEGY_STOPPED``: a strategy stopped on an error or by its risk limit ("" = any strategy, else its name);
- ``RISK_LIMIT``: a risk limit halted trading or stopped a strategy;
- ``CONNECTION_LOST``: a market or account stream dropped.

An alert fires once and is done (``repeat=False``, the default), or fires every time its condition newly becomes true
(``repeat=True``; a price alert re-arms once the price is back on the other side). The book is saved (JSON, atomically)
after each change when it has a path, so alerts survive a restart: by the background writer (``storage.writer``), never
on the event loop; saves coalesce (a burst of changes writes the file a few times, with the last state) and ``close()``
flushes them. No Qt: the window shows ``AlertTriggered`` as a desktop notification; a script passes ``on_trigger``.

Alerts are indexed by symbol: a tick of one symbol evaluates that symbol's alerts only (``evaluations`` counts the
alert conditions checked), so thousands of alerts on other symbols cost a tick nothing.
"""
from __future__ import annotations

import collections
import enum
import itertools
import json
import logging
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from ..bus import Bus
from ..model import ConnectionChanged, Fill, LogRecorded, QuoteTick, TradeTick
from ..model.numbers import InvalidArgument
from ..risk.events import RiskHalted, StrategyLimitReached
from ..storage.writer import Writer, shared, write_atomic

log = logging.getLogger(__name__)


class AlertKind(enum.Enum):
    CROSSES_ABOVE = "crosses_above"
    CROSSES_BELOW = "crosses_below"
    MOVE_PCT = "move_pct"
    SPREAD_WIDER = "spread_wider"
    FILL = "fill"
    STRATEGY_STOPPED = "strategy_stopped"
    RISK_LIMIT = "risk_limit"
    CONNECTION_LOST = "connection_lost"

    @property
    def needs_value(self) -> bool:
        return self in (AlertKind.CROSSES_ABOVE, AlertKind.CROSSES_BELOW, AlertKind.MOVE_PCT, AlertKind.SPREAD_WIDER)

    @property
    def needs_symbol(self) -> bool:
        return self in (AlertKind.CROSSES_ABOVE, AlertKind.CROSSES_BELOW, AlertKind.MOVE_PCT, AlertKind.SPREAD_WIDER)


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    kind: AlertKind
    symbol: str = ""  # "" = any (fills), or a strategy's name (STRATEGY_STOPPED)
    value: Decimal | None = None  # a price, or a percentage (MOVE_PCT, SPREAD_WIDER)
    window_s: int = 300  # MOVE_PCT's window
    repeat: bool = False
    note: str = ""
    active: bool = True
    created_ms: int = 0
    triggered_ms: int | None = None
    times: int = 0

    def describe(self) -> str:
        v = format(self.value, "f") if self.value is not None else ""
        what = {
            AlertKind.CROSSES_ABOVE: f"{self.symbol} crosses above {v}",
            AlertKind.CROSSES_BELOW: f"{self.symbol} crosses below {v}",
            AlertKind.MOVE_PCT: f"{self.symbol} moves {v}% within {self.window_s // 60 or 1} min"
                                if self.window_s >= 60 else f"{self.symbol} moves {v}% within {self.window_s} s",
            AlertKind.SPREAD_WIDER: f"{self.symbol} spread wider than {v}%",
            AlertKind.FILL: f"a fill on {self.symbol}" if self.symbol else "any fill",
            AlertKind.STRATEGY_STOPPED: f"strategy {self.symbol} stops" if self.symbol else "a strategy stops",
            AlertKind.RISK_LIMIT: "a risk limit is hit",
            AlertKind.CONNECTION_LOST: "a connection is lost",
        }[self.kind]
        return what + (f" ({self.note})" if self.note else "")

    def to_json(self) -> dict[str, Any]:
        raw = asdict(self)
        raw["kind"] = self.kind.value
        raw["value"] = None if self.value is None else format(self.value, "f")
        return raw

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> "Alert":
        raw = dict(raw)
        raw["kind"] = AlertKind(raw["kind"])
        raw["value"] = None if raw.get("value") is None else Decimal(raw["value"])
        return cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})


def _num(x: Decimal) -> str:
    """A price for a message: no trailing zeros, never an exponent."""
    text = format(x, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _pct(x: Decimal) -> str:
    return f"{x:.2f}" if abs(x) >= Decimal("0.01") else f"{x:.4f}"


@dataclass(frozen=True, slots=True)
class AlertTriggered:
    """``alert`` fired (its state after firing); ``message`` says what happened, in words."""

    alert: Alert
    message: str
    ts_recv: int = 0


@dataclass
class _Watch:
    last: Decimal | None = None
    window: collections.deque[tuple[float, Decimal]] = field(default_factory=collections.deque)
    wide: bool = False  # the spread is wider than the alert's threshold now (fires on the way in)


_CROSSES = (AlertKind.CROSSES_ABOVE, AlertKind.CROSSES_BELOW)


class AlertBook:
    def __init__(self, bus: Bus, path: str | Path | None = None, *, now_ms: Callable[[], int] | None = None,
                 clock: Callable[[], float] = time.monotonic, writer: Writer | None = None) -> None:
        self.bus = bus
        self.path = Path(path) if path is not None else None
        self._now_ms = now_ms or (lambda: int(time.time() * 1000))
        self._clock = clock
        self._writer = writer
        #: every alert by id (change it only through the book: the symbol index and the saves follow it)
        self.alerts: dict[int, Alert] = {}
        self._by_symbol: dict[str, dict[int, Alert]] = {}  # symbol -> {id: alert}, in id order
        self._lock = threading.Lock()  # the writer thread reads the alerts while the loop changes them
        #: alert conditions checked against a price or a quote (a tick of one symbol checks that symbol's only)
        self.evaluations = 0
        self._watch: dict[int, _Watch] = {}
        self._callbacks: list[Callable[[AlertTriggered], None]] = []
        self._traded: set[str] = set()  # symbols with trades: their last trade is the price (else the mid quote)
        self._ids = itertools.count(1)
        self._load()
        self._unsubscribe = [
            bus.subscribe(TradeTick, self._on_trade), bus.subscribe(QuoteTick, self._on_quote),
            bus.subscribe(Fill, self._on_fill), bus.subscribe(ConnectionChanged, self._on_connection),
            bus.subscribe(LogRecorded, self._on_log), bus.subscribe(StrategyLimitReached, self._on_strategy_limit),
            bus.subscribe(RiskHalted, self._on_halt)]

    # ---- the book ----------------------------------------------------------------------------------------------
    def add(self, kind: AlertKind | str, symbol: str = "", value: Decimal | str | int | None = None, *,
            window_s: int = 300, repeat: bool = False, note: str = "") -> Alert:
        """A new active alert (InvalidArgument for a kind without its symbol/value, or a bad value)."""
        try:
            kind = kind if isinstance(kind, AlertKind) else AlertKind(str(kind).strip().lower())
        except ValueError:
            raise InvalidArgument(f"kind: expected one of {', '.join(k.value for k in AlertKind)}, got {kind!r}",
                                  "kind") from None
        if not isinstance(symbol, str):
            raise InvalidArgument(f"symbol: expected a string, got {type(symbol).__name__}", "symbol")
        symbol = symbol.strip().upper() if kind is not AlertKind.STRATEGY_STOPPED else symbol.strip()
        if kind.needs_symbol and not symbol:
            raise InvalidArgument(f"symbol: a {kind.value} alert needs a symbol", "symbol")
        amount: Decimal | None = None
        if kind.needs_value:
            if value is None or isinstance(value, (float, bool)):
                raise InvalidArgument(f"value: a {kind.value} alert needs a price or percentage as str, int or "
                                      f"Decimal, got {value!r}", "value")
            try:
                amount = Decimal(str(value).strip())
            except ArithmeticError:
                raise InvalidArgument(f"value: {value!r} is not a number", "value") from None
            if not amount.is_finite() or amount <= 0:
                raise InvalidArgument(f"value: must be positive, got {value!r}", "value")
        if not isinstance(window_s, int) or isinstance(window_s, bool) or not 1 <= window_s <= 86_400:
            raise InvalidArgument(f"window_s: expected 1 to 86400 seconds, got {window_s!r}", "window_s")
        alert = Alert(next(self._ids), kind, symbol, amount, window_s, bool(repeat), str(note)[:200],
                      created_ms=self._now_ms())
        self._put(alert)
        self._save()
        return alert

    def remove(self, alert_id: int) -> bool:
        gone = self._drop(alert_id)
        self._watch.pop(alert_id, None)
        if gone:
            self._save()
        return gone

    def set_active(self, alert_id: int, active: bool) -> Alert:
        alert = replace(self.alerts[alert_id], active=active)
        self._put(alert)
        self._watch.pop(alert_id, None)  # re-armed from the next price
        self._save()
        return alert

    def all(self) -> list[Alert]:
        return sorted(self.alerts.values(), key=lambda a: a.id)

    def on_trigger(self, fn: Callable[[AlertTriggered], None]) -> Callable[[], None]:
        """Call ``fn(AlertTriggered)`` on the loop each time an alert fires; returns the unsubscribe."""
        self._callbacks.append(fn)
        return lambda: self._callbacks.remove(fn) if fn in self._callbacks else None

    def use_file(self, path: str | Path) -> None:
        """Keep the book in ``path`` from now on: the alerts saved there join the ones here (the window keeps its
        alerts in its own folder, so they survive restarts even on an in-memory session)."""
        mine = self.all()
        self.path = Path(path)
        self._reset([])
        self._load()
        for alert in mine:
            self._put(replace(alert, id=max(self.alerts, default=0) + 1))
        self._ids = itertools.count(max(self.alerts, default=0) + 1)
        self._watch.clear()
        self._save()

    def close(self) -> None:
        """Stop listening and wait until the last save is on disk (a reopen sees the last state)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._writer is not None:
            self._writer.flush()

    # ---- the index ---------------------------------------------------------------------------------------------
    def _put(self, alert: Alert) -> None:
        with self._lock:
            old = self.alerts.get(alert.id)
            if old is not None and old.symbol != alert.symbol:
                self._by_symbol.get(old.symbol, {}).pop(alert.id, None)
            self.alerts[alert.id] = alert
            self._by_symbol.setdefault(alert.symbol, {})[alert.id] = alert

    def _drop(self, alert_id: int) -> bool:
        with self._lock:
            old = self.alerts.pop(alert_id, None)
            if old is None:
                return False
            same = self._by_symbol.get(old.symbol, {})
            same.pop(alert_id, None)
            if not same:
                self._by_symbol.pop(old.symbol, None)
            return True

    def _reset(self, alerts: list[Alert]) -> None:
        with self._lock:
            self.alerts.clear()
            self._by_symbol.clear()
        for alert in alerts:
            self._put(alert)

    # ---- persistence -------------------------------------------------------------------------------------------
    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
            loaded = [Alert.from_json(raw) for raw in rows.get("alerts", [])]
            for alert in loaded:
                self._put(alert)
        except (OSError, ValueError, TypeError, KeyError, ArithmeticError) as exc:
            log.error("alerts file %s could not be read (%s): starting with none; it is kept as .bad", self.path,
                      type(exc).__name__)
            try:
                self.path.replace(self.path.with_suffix(".bad"))
            except OSError:
                pass
            self._reset([])
        self._ids = itertools.count(max(self.alerts, default=0) + 1)

    def _save(self) -> None:
        """Queue a save of the book on the writer: it reads the alerts when it runs, so a burst of changes is
        written once with the last state (errors are logged there: "could not write alerts ...")."""
        if self.path is None:
            return
        if self._writer is None:
            self._writer = shared()
        path = self.path
        self._writer.submit(path, lambda: self._write(path), label=f"alerts to {path}")

    def _write(self, path: Path) -> None:  # on the writer thread
        with self._lock:  # held for a copy only: the loop changes the book meanwhile
            alerts = list(self.alerts.values())
        alerts.sort(key=lambda a: a.id)
        write_atomic(path, json.dumps({"alerts": [a.to_json() for a in alerts]}, indent=1))

    # ---- conditions --------------------------------------------------------------------------------------------
    def _on_trade(self, event: TradeTick) -> None:
        self._traded.add(event.symbol)
        self._on_price(event.symbol, event.price)

    def _on_quote(self, event: QuoteTick) -> None:
        if event.bid > 0 and event.ask > 0:
            mid = (event.bid + event.ask) / 2
            spread_pct = (event.ask - event.bid) / mid * 100
            for alert in self._active(AlertKind.SPREAD_WIDER, event.symbol):
                self.evaluations += 1
                w = self._watch.setdefault(alert.id, _Watch())
                wide = spread_pct > (alert.value or 0)
                if wide and not w.wide:
                    self._fire(alert, f"{event.symbol} spread {_pct(spread_pct)}% is wider than {alert.value}% "
                                      f"(bid {_num(event.bid)}, ask {_num(event.ask)})")
                w.wide = wide
            if event.symbol not in self._traded:  # no trades seen: the mid is the price
                self._on_price(event.symbol, mid)

    def _on_price(self, symbol: str, price: Decimal) -> None:
        now = self._clock()
        for alert in list(self._by_symbol.get(symbol, {}).values()):
            if not alert.active or (alert.kind not in _CROSSES and alert.kind is not AlertKind.MOVE_PCT):
                continue
            self.evaluations += 1
            if alert.kind in _CROSSES:
                w = self._watch.setdefault(alert.id, _Watch())
                target = alert.value or Decimal(0)
                above = alert.kind is AlertKind.CROSSES_ABOVE
                crossed = w.last is not None and (
                    (above and w.last < target <= price) or (not above and w.last > target >= price))
                w.last = price
                if crossed:
                    word = "above" if above else "below"
                    self._fire(alert, f"{symbol} crossed {word} {_num(target)}: last {_num(price)}")
            elif alert.kind is AlertKind.MOVE_PCT:
                w = self._watch.setdefault(alert.id, _Watch())
                while w.window and now - w.window[0][0] > alert.window_s:
                    w.window.popleft()
                w.window.append((now, price))
                lo = min(p for _, p in w.window)
                hi = max(p for _, p in w.window)
                pct = alert.value or Decimal(0)
                if lo > 0 and (price - lo) / lo * 100 >= pct:
                    self._fire(alert, f"{symbol} rose {_pct((price - lo) / lo * 100)}% within "
                                      f"{alert.window_s} s: {_num(lo)} -> {_num(price)}")
                    w.window = collections.deque([(now, price)])  # the next move is measured from here
                elif hi > 0 and (hi - price) / hi * 100 >= pct:
                    self._fire(alert, f"{symbol} fell {_pct((hi - price) / hi * 100)}% within "
                                      f"{alert.window_s} s: {_num(hi)} -> {_num(price)}")
                    w.window = collections.deque([(now, price)])

    def _on_fill(self, fill: Fill) -> None:
        for alert in self._active(AlertKind.FILL, fill.symbol, any_symbol=True):
            self._fire(alert, f"fill: {fill.side.name} {_num(fill.qty)} {fill.symbol} @ {_num(fill.price)}")

    def _on_connection(self, event: ConnectionChanged) -> None:
        if not event.connected:
            for alert in self._active(AlertKind.CONNECTION_LOST, "", any_symbol=True):
                self._fire(alert, f"connection lost: {event.stream}" + (f" ({event.reason})" if event.reason else ""))

    def _on_log(self, event: LogRecorded) -> None:
        if event.level == "ERROR" and event.source.startswith("strategy.") and "stopped" in event.message:
            name = event.source.removeprefix("strategy.")
            for alert in self._active(AlertKind.STRATEGY_STOPPED, name, any_symbol=True):
                self._fire(alert, event.message)

    def _on_strategy_limit(self, event: StrategyLimitReached) -> None:
        for alert in self._active(AlertKind.RISK_LIMIT, "", any_symbol=True):
            self._fire(alert, f"strategy {event.strategy}: risk limit {event.limit}: {event.message}")

    def _on_halt(self, event: RiskHalted) -> None:
        for alert in self._active(AlertKind.RISK_LIMIT, "", any_symbol=True):
            self._fire(alert, f"trading halted: {event.limit}: {event.message}")

    def _active(self, kind: AlertKind, symbol: str, any_symbol: bool = False) -> list[Alert]:
        """The active alerts of ``kind`` on ``symbol`` (and on any symbol, "", with ``any_symbol``), in id order."""
        found = [a for a in self._by_symbol.get(symbol, {}).values() if a.active and a.kind is kind]
        if any_symbol and symbol:
            found += [a for a in self._by_symbol.get("", {}).values() if a.active and a.kind is kind]
            found.sort(key=lambda a: a.id)
        return found

    def _fire(self, alert: Alert, message: str) -> None:
        now = self._now_ms()
        fired = replace(alert, triggered_ms=now, times=alert.times + 1, active=alert.repeat)
        self._put(fired)
        self._save()
        log.warning("alert %d: %s", alert.id, message)
        event = AlertTriggered(fired, message, now)
        self.bus.publish(event)
        for fn in list(self._callbacks):
            try:
                fn(event)
            except Exception as exc:  # noqa: BLE001 - a caller's callback never breaks the alerts
                log.error("alert callback %r failed: %s: %s", fn, type(exc).__name__, exc)

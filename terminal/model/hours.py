"""Trading hours: when an instrument's market is open, kept in the exchange's own time zone.

``TradingHours`` holds a time zone name (``zoneinfo``), weekly sessions (each a ``Phase``: pre-open, regular or
post-market, with local start and end times and the weekdays it runs on) and holidays (local dates on which no
session starts). Instants are epoch ms. A session's local times are converted through the zone on each date, so a
daylight-saving change moves the UTC times of 09:30 New York, never its local time. A session whose end is not after
its start runs past midnight and belongs to the day it starts. A local time that does not exist on a date (inside a
spring-forward gap) is read with the offset in force before the gap (``fold=0``), as ``datetime`` does.

    hours = us_equity_hours(holidays={date(2026, 12, 25)})
    hours.is_open(ts_ms)                 # regular session only
    hours.is_open(ts_ms, EXTENDED)       # pre-market and after-hours too
    hours.next_open(ts_ms)               # epoch ms of the next regular open
    hours.closed_phrase(ts_ms)           # "market closed, opens Mon 09:30 ET"
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Phase(enum.Enum):
    PRE_OPEN = "pre_open"  # pre-market / pre-open call auction: orders accepted where the venue allows it
    REGULAR = "regular"
    POST = "post"  # after-hours / post-close session


REGULAR = frozenset({Phase.REGULAR})
EXTENDED = frozenset(Phase)  # regular plus pre-open and post-market sessions
WEEKDAYS = frozenset(range(5))  # Monday = 0 ... Friday = 4
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SEARCH_DAYS = 400  # next_open looks this far ahead (a year of holidays cannot hide every session)


@dataclass(frozen=True, slots=True)
class TradingSession:
    """One weekly session in local time: ``start`` <= t < ``end`` on each of ``weekdays`` (Monday = 0)."""

    phase: Phase
    start: time
    end: time
    weekdays: frozenset[int] = WEEKDAYS

    def __post_init__(self) -> None:
        if not self.weekdays or any(not 0 <= d <= 6 for d in self.weekdays):
            raise ValueError(f"session weekdays must be 0 (Monday) to 6 (Sunday), got {sorted(self.weekdays)}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("session times are local wall-clock times: give them without a tzinfo")

    @property
    def overnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True, slots=True)
class TradingHours:
    """Weekly sessions of one market in the time zone ``tz`` (an IANA name such as ``America/New_York``).

    ``label`` names the zone in phrases ("ET"); without one the zone's own abbreviation at that instant is used
    ("IST", "EST"/"EDT").
    """

    tz: str
    sessions: tuple[TradingSession, ...]
    holidays: frozenset[date] = frozenset()
    label: str | None = None

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.tz!r}; use an IANA name such as 'America/New_York'") from None
        if not self.sessions:
            raise ValueError("trading hours need at least one session")
        object.__setattr__(self, "sessions", tuple(self.sessions))
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)  # ZoneInfo caches its instances

    # ------------------------------------------------------------------ queries
    def session_at(self, ts_ms: int) -> TradingSession | None:
        """The session running at ``ts_ms``, or None when the market is shut."""
        window = self._window_at(ts_ms)
        return None if window is None else window[2]

    def phase_at(self, ts_ms: int) -> Phase | None:
        session = self.session_at(ts_ms)
        return None if session is None else session.phase

    def is_open(self, ts_ms: int, phases: Iterable[Phase] = REGULAR) -> bool:
        """True while a session of one of ``phases`` runs (default: the regular session only)."""
        return self.phase_at(ts_ms) in frozenset(phases)

    def next_open(self, ts_ms: int, phases: Iterable[Phase] = REGULAR) -> int | None:
        """Epoch ms of the first start of a session of ``phases`` after ``ts_ms`` (None if none within a year)."""
        wanted = frozenset(phases)
        for start, _end, session in self._windows(self._local_date(ts_ms) - timedelta(days=1), _SEARCH_DAYS):
            if start > ts_ms and session.phase in wanted:
                return start
        return None

    def closes_at(self, ts_ms: int) -> int | None:
        """Epoch ms at which the session running at ``ts_ms`` ends (None when shut)."""
        window = self._window_at(ts_ms)
        return None if window is None else window[1]

    # ------------------------------------------------------------------ words
    def closed_phrase(self, ts_ms: int) -> str:
        """Why an order for the regular session is refused at ``ts_ms``: "market closed, opens 09:15 IST" (later the
        same local day), "market closed, opens Mon 09:30 ET" (within a week), with the date when further off."""
        nxt = self.next_open(ts_ms)
        if nxt is None:
            return "market closed"
        return f"market closed, opens {self.when(nxt, ts_ms)}"

    def status(self, ts_ms: int) -> str:
        """A status line for the UI: "open until 16:00 ET", "pre-open until 09:15 IST", or the closed phrase."""
        phase = self.phase_at(ts_ms)
        if phase is None:
            return self.closed_phrase(ts_ms)
        end = self.closes_at(ts_ms)
        name = {Phase.REGULAR: "open", Phase.PRE_OPEN: "pre-open", Phase.POST: "post-market"}[phase]
        return name if end is None else f"{name} until {self.when(end, ts_ms)}"

    def when(self, target_ms: int, now_ms: int) -> str:
        """``target_ms`` in local words relative to ``now_ms``: "09:30 ET", "Mon 09:30 ET", "Mon 5 Jan 09:30 ET"."""
        zone = self.zone
        target = _local(target_ms, zone)
        days = (target.date() - _local(now_ms, zone).date()).days
        clock = f"{target:%H:%M} {self.label or target.tzname()}"
        if days == 0:
            return clock
        day = _DAY_NAMES[target.weekday()]
        if 0 < days < 7:
            return f"{day} {clock}"
        return f"{day} {target.day} {target:%b} {clock}"

    # ------------------------------------------------------------------ internals
    def _local_date(self, ts_ms: int) -> date:
        return _local(ts_ms, self.zone).date()

    def _window_at(self, ts_ms: int) -> tuple[int, int, TradingSession] | None:
        for window in self._windows(self._local_date(ts_ms) - timedelta(days=1), 2):
            if window[0] <= ts_ms < window[1]:
                return window
        return None

    def _windows(self, first: date, days: int) -> Iterator[tuple[int, int, TradingSession]]:
        """(start ms, end ms, session) of the sessions starting on ``days`` local dates from ``first``, in order."""
        zone = self.zone
        by_start = sorted(self.sessions, key=lambda s: s.start)
        for i in range(days):
            day = first + timedelta(days=i)
            if day in self.holidays:
                continue
            weekday = day.weekday()
            for session in by_start:
                if weekday not in session.weekdays:
                    continue
                end_day = day + timedelta(days=1) if session.overnight else day
                yield (_epoch_ms(day, session.start, zone), _epoch_ms(end_day, session.end, zone), session)


def _local(ts_ms: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc).astimezone(zone)


def _epoch_ms(day: date, at: time, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, at, tzinfo=zone).timestamp() * 1000)


# ---------------------------------------------------------------------------------------------- common markets
def us_equity_hours(holidays: Iterable[date] = (), *, label: str = "ET") -> TradingHours:
    """US stock exchanges: pre-market 04:00-09:30, regular 09:30-16:00, after-hours 16:00-20:00 New York time."""
    return TradingHours("America/New_York", (
        TradingSession(Phase.PRE_OPEN, time(4, 0), time(9, 30)),
        TradingSession(Phase.REGULAR, time(9, 30), time(16, 0)),
        TradingSession(Phase.POST, time(16, 0), time(20, 0)),
    ), frozenset(holidays), label)


def nse_equity_hours(holidays: Iterable[date] = ()) -> TradingHours:
    """NSE cash market: pre-open order entry 09:00-09:08, regular 09:15-15:30, post-close 15:40-16:00 IST."""
    return TradingHours("Asia/Kolkata", (
        TradingSession(Phase.PRE_OPEN, time(9, 0), time(9, 8)),
        TradingSession(Phase.REGULAR, time(9, 15), time(15, 30)),
        TradingSession(Phase.POST, time(15, 40), time(16, 0)),
    ), frozenset(holidays))


__all__ = ["Phase", "REGULAR", "EXTENDED", "WEEKDAYS", "TradingSession", "TradingHours", "us_equity_hours",
           "nse_equity_hours"]

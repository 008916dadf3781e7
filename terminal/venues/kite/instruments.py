"""Kite's daily instruments dump: parsed into Instruments, cached on disk once a day, searched by how people type.

The key. Every instrument's ``symbol`` is its Kite ``tradingsymbol`` (``INFY``, ``NIFTY 50``, ``NIFTY26JANFUT``), as
on Kite's own screens; when the same tradingsymbol is listed on several exchanges (``INFY`` on NSE and BSE) the first
in ``EXCHANGE_ORDER`` keeps the bare name and the others are ``EXCHANGE:TRADINGSYMBOL`` (``BSE:INFY``). Lookups take
either form and the instrument token (``Catalog.find``). The wire always gets the exchange and the tradingsymbol.

Quantities are in units (shares, or contracts' units for F&O, as Kite's ``quantity`` is): ``step_size`` and
``min_qty`` are the lot size, so an F&O order of part of a lot is refused before sending; ``multiplier`` is 1 (Kite's
prices are per unit). Indices are listed (for quotes and charts) with no order types.

Search (``Catalog.search``): the text is split into words and each word must occur in the tradingsymbol or the name;
month names and four-digit years are folded to Kite's spelling ("NIFTY 24 DEC FUT", "nifty dec 2024 fut" and
"NIFTY24DECFUT" all find NIFTY24DECFUT). Best first: exact symbol, the words joined being the symbol or its start,
a symbol starting with the first word, equities and indices before derivatives, nearest expiry, shortest symbol. One pass over ~100k precomputed strings.
"""
from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable

from ...model import AssetClass, Instrument, OptionRight, OrderType
from ...model.hours import Phase, TradingHours, TradingSession, nse_equity_hours

log = logging.getLogger(__name__)
NAME = "kite"
CURRENCY = "INR"
EXCHANGE_ORDER = ("NSE", "NFO", "MCX", "CDS", "BSE", "BFO", "BCD")
ORDER_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT})
IST_ZONE = timezone(timedelta(hours=5, minutes=30))
_MONTHS = {m: m[:3] for m in ("JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER",
                              "OCTOBER", "NOVEMBER", "DECEMBER")}
_MONTHS.update({"SEPT": "SEP"})
_WORD = re.compile(r"[A-Z0-9.&-]+")
DEFAULT_TICK = Decimal("0.05")


def _session_hours(start: time, end: time) -> TradingHours:
    return TradingHours("Asia/Kolkata", (TradingSession(Phase.REGULAR, start, end),))


_HOURS = {
    "NSE": nse_equity_hours(), "BSE": nse_equity_hours(),
    "NFO": _session_hours(time(9, 15), time(15, 30)), "BFO": _session_hours(time(9, 15), time(15, 30)),
    "CDS": _session_hours(time(9, 0), time(17, 0)), "BCD": _session_hours(time(9, 0), time(17, 0)),
    "MCX": _session_hours(time(9, 0), time(23, 30)),
}


@dataclass(frozen=True, slots=True)
class Listing:
    """What the wire needs about one instrument."""

    token: int
    exchange: str
    tradingsymbol: str
    lot_size: int


class Catalog:
    """Every instrument of one dump, by symbol, by ``EXCHANGE:TRADINGSYMBOL`` and by token, with the search."""

    def __init__(self, instruments: dict[str, Instrument], listings: dict[str, Listing]) -> None:
        self.instruments = instruments
        self.listings = listings  # symbol -> Listing
        self._by_wire = {(l.exchange, l.tradingsymbol): s for s, l in listings.items()}
        self._by_token = {l.token: s for s, l in listings.items()}
        self._haystack = [(f"{i.symbol.split(':')[-1]} {i.description} {i.base_asset}".upper(), s)
                          for s, i in instruments.items()]

    def __len__(self) -> int:
        return len(self.instruments)

    def find(self, key: str | int) -> str | None:
        """Our symbol for a symbol, ``EXCHANGE:TRADINGSYMBOL`` or an instrument token (None if unknown)."""
        if isinstance(key, int):
            return self._by_token.get(key)
        if key in self.instruments:
            return key
        exchange, sep, tradingsymbol = key.partition(":")
        return self._by_wire.get((exchange.upper(), tradingsymbol)) if sep else None

    def symbol_of(self, exchange: str, tradingsymbol: str) -> str:
        """Our symbol for a wire pair (``EXCHANGE:TRADINGSYMBOL`` if the dump does not list it)."""
        return self._by_wire.get((exchange, tradingsymbol)) or f"{exchange}:{tradingsymbol}"

    def symbol_of_token(self, token: int) -> str | None:
        return self._by_token.get(token)

    def listing(self, symbol: str) -> Listing | None:
        found = self.find(symbol)
        return self.listings.get(found) if found is not None else None

    def search(self, text: str, limit: int = 50) -> list[Instrument]:
        words = query_words(text)
        if not words:
            return []
        joined = "".join(words)
        hits = [s for hay, s in self._haystack if all(w in hay for w in words)]
        if not hits and len(words) > 1:  # "NIFTY24 DECFUT": the words may cut a symbol anywhere
            hits = [s for hay, s in self._haystack if hay.startswith(joined)]
        hits.sort(key=lambda s: self._rank(s, words, joined))
        return [self.instruments[s] for s in hits[:limit]]

    def _rank(self, symbol: str, words: list[str], joined: str) -> tuple[int, int, int, int, date, int, str]:
        inst = self.instruments[symbol]
        bare = symbol.split(":")[-1].upper()
        exact = 0 if bare == joined else 1 if bare.startswith(joined) else 2
        leading = 0 if bare.startswith(words[0]) else 1  # "NIFTY FUT": NIFTY's futures before BANKNIFTY's
        derivative = 1 if inst.asset_class in (AssetClass.FUTURE, AssetClass.OPTION) else 0
        return (exact, leading, derivative, 0 if inst.exchange in ("NSE", "NFO") else 1, inst.expiry or date.min,
                len(bare), symbol)


def query_words(text: str) -> list[str]:
    """The words of a search, in Kite's spelling: upper case, months as JAN..DEC, 2024 -> 24 next to a month."""
    words = [_MONTHS.get(w, w) for w in _WORD.findall(text.upper())]
    has_month = any(w in _MONTHS.values() for w in words)
    return [w[2:] if has_month and len(w) == 4 and w.startswith("20") and w.isdigit() else w for w in words]


def parse_dump(text: str, venue: str = NAME, *, today: date | None = None) -> Catalog:
    """The instruments CSV (reference §6) -> Catalog. A row that cannot be read is skipped and counted in the log;
    expired derivatives (before ``today``) are left out."""
    rows = list(csv.DictReader(io.StringIO(text.strip())))
    order = {e: i for i, e in enumerate(EXCHANGE_ORDER)}
    rows.sort(key=lambda r: order.get(r.get("exchange", ""), len(order)))
    instruments: dict[str, Instrument] = {}
    listings: dict[str, Listing] = {}
    decimals: dict[str, Decimal] = {}
    bad = 0
    for row in rows:
        try:
            inst, listing = _instrument(row, venue, decimals, instruments)
        except (KeyError, ValueError, InvalidOperation, TypeError):
            bad += 1
            continue
        if inst.expiry is not None and today is not None and inst.expiry < today:
            continue
        instruments[inst.symbol] = inst
        listings[inst.symbol] = listing
    if bad:
        log.warning("instruments dump: %d unreadable row(s) skipped", bad)
    return Catalog(instruments, listings)


def _dec(text: str, cache: dict[str, Decimal]) -> Decimal:
    value = cache.get(text)
    if value is None:
        value = cache[text] = Decimal(text)
    if not value.is_finite():
        raise ValueError("not a number")
    return value


def _instrument(row: dict[str, str], venue: str, decimals: dict[str, Decimal],
                taken: dict[str, Instrument]) -> tuple[Instrument, Listing]:
    token = int(row["instrument_token"])
    exchange, tradingsymbol = row["exchange"].strip(), row["tradingsymbol"].strip()
    if not exchange or not tradingsymbol:
        raise ValueError("no exchange or tradingsymbol")
    symbol = tradingsymbol if tradingsymbol not in taken else f"{exchange}:{tradingsymbol}"
    segment, kind = row["segment"].strip(), row["instrument_type"].strip()
    lot = int(row["lot_size"] or 0)
    tick = _dec(row["tick_size"] or "0", decimals)
    name = row.get("name", "").strip()
    expiry = date.fromisoformat(row["expiry"]) if len(row.get("expiry", "")) == 10 else None
    common = dict(symbol=symbol, quote_asset=CURRENCY, venue=venue, exchange=exchange, segment=segment,
                  description=name, venue_id=str(token), hours=_HOURS.get(exchange),
                  tick_size=tick if tick > 0 else DEFAULT_TICK, base_precision=0, quote_precision=2)
    if segment == "INDICES":
        inst = Instrument(base_asset=tradingsymbol, asset_class=AssetClass.INDEX, step_size=Decimal(1),
                          order_types=frozenset(), status="NOT_TRADABLE", **common)  # type: ignore[arg-type]
        return inst, Listing(token, exchange, tradingsymbol, 0)
    step = Decimal(max(lot, 1))
    if kind in ("FUT", "CE", "PE"):
        asset_class = AssetClass.FUTURE if kind == "FUT" else AssetClass.OPTION
        strike = _dec(row["strike"], decimals) if kind != "FUT" else None
        right = None if kind == "FUT" else OptionRight.CALL if kind == "CE" else OptionRight.PUT
        inst = Instrument(base_asset=name or tradingsymbol, asset_class=asset_class, step_size=step, min_qty=step,
                          order_types=ORDER_TYPES, expiry=expiry, strike=strike, right=right,
                          **common)  # type: ignore[arg-type]
    else:
        inst = Instrument(base_asset=tradingsymbol, asset_class=AssetClass.EQUITY, step_size=step, min_qty=step,
                          order_types=ORDER_TYPES, **common)  # type: ignore[arg-type]
    return inst, Listing(token, exchange, tradingsymbol, max(lot, 1))


def ist_date(now: datetime | None = None) -> date:
    """Today's date in India (the dump is generated once a day, before the session)."""
    return (now or datetime.now(timezone.utc)).astimezone(IST_ZONE).date()


class DumpCache:
    """One file per day: ``<dir>/kite-instruments-<env>-<YYYY-MM-DD>.csv`` (IST date); older days are removed."""

    def __init__(self, directory: Path, environment: str) -> None:
        self.directory = Path(directory)
        self.prefix = f"kite-instruments-{environment}-"

    def path(self, day: date) -> Path:
        return self.directory / f"{self.prefix}{day.isoformat()}.csv"

    def load(self, day: date) -> str | None:
        try:
            return self.path(day).read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            return None

    def store(self, day: date, text: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path(day)
        tmp = target.with_suffix(".part")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
        for old in self._files():
            if old != target:
                old.unlink(missing_ok=True)

    def _files(self) -> Iterable[Path]:
        return self.directory.glob(f"{self.prefix}*.csv") if self.directory.is_dir() else ()

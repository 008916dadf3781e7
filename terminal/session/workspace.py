"""A Workspace: several Sessions (venues) at once, instruments addressed by qualified id (``BTCUSDT@binance``).

    ws = Workspace()                                   # reference currency USDT, FX table {USDUSDT: 1}
    await ws.add("sandbox")                            # Binance against the embedded sandbox -> venue "binance"
    await ws.add("paper", always_open=True)            # simulated US equities -> venue "paper"
    await ws.buy("BTCUSDT@binance", "0.001", price="20000")
    await ws.buy("AAPL@paper", "1")
    ws.equity()                                        # per venue and in total, in the reference currency
    ws.route("BTCUSDT@binance", data="feed")           # quotes from the session named "feed", orders to binance
    await ws.close()

A session is known by its *venue name*: the adapter's registry name (``session.provider``) unless ``add(...,
name=...)`` gives another (two sessions of one provider). The workspace id of an instrument is ``symbol@name``, which
is ``Instrument.qualified_id`` for a session under its own provider name.

Every event of every session is republished on ``ws.bus`` as a ``VenueEvent(venue, event, source)``: ``venue`` is the
venue the event is about (for market data: the venue of the instrument it is routed to), ``source`` the session that
delivered it. Market data of an instrument whose data is routed elsewhere is not republished from its own venue.

Money: each venue's equity is valued in the workspace's reference currency (USDT by default). An account whose
assets cannot be priced in it on its own venue (the paper venue holds USD) is valued in a currency of the FX table and
converted: ``FxTable`` defaults to ``USDUSDT = 1`` (a stablecoin peg, an assumption the window states).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Awaitable, Callable, Mapping, NamedTuple

from ..bus import Bus
from ..model import (Bar, BookUpdated, ConnectionChanged, Instrument, Order, QuoteTick, Ticker24h,
                     TradeTick)
from ..model.instrument import parse_qualified_id
from ..model.numbers import ZERO, InvalidArgument
from .connecting import connect as _connect
from .facade import Session

log = logging.getLogger(__name__)

__all__ = ["Workspace", "VenueEvent", "FxTable", "VenueEquity", "WorkspaceEquity", "DEFAULT_FX"]

MARKET_DATA = (QuoteTick, TradeTick, Ticker24h, BookUpdated, Bar)
DEFAULT_FX: Mapping[str, Decimal] = {"USDUSDT": Decimal(1)}


class VenueEvent(NamedTuple):
    """``event`` (any bus event) of venue ``venue``, delivered by the session named ``source``. (A NamedTuple: one is
    made per market event, and a frozen dataclass costs about 1 us more to build.)"""

    venue: str
    event: object
    source: str


class FxTable:
    """Conversion rates between currencies: ``{"USDUSDT": Decimal(1)}`` means 1 USD = 1 USDT. Inverse pairs are
    derived; a currency converts to itself at 1."""

    def __init__(self, rates: Mapping[str, Decimal | str] | None = None) -> None:
        self.rates: dict[tuple[str, str], Decimal] = {}
        for pair, rate in (DEFAULT_FX if rates is None else rates).items():
            self.set_rate(pair, rate)

    def set_rate(self, pair: str, rate: Decimal | str) -> None:
        """``pair`` is ``"USDUSDT"`` or ``"USD/USDT"``; ``rate`` a positive Decimal (or its text)."""
        value = Decimal(rate) if isinstance(rate, str) else rate
        if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
            raise InvalidArgument(f"rate: expected a positive Decimal for {pair}, got {rate!r}", "rate")
        base, quote = self._split(pair)
        self.rates[(base, quote)] = value

    def _split(self, pair: str) -> tuple[str, str]:
        text = pair.strip().upper()
        if "/" in text:
            base, _, quote = text.partition("/")
            return base, quote
        for quote in ("USDT", "USDC", "USD", "EUR", "INR", "GBP", "JPY", "BTC"):
            if text.endswith(quote) and len(text) > len(quote):
                return text[: -len(quote)], quote
        raise InvalidArgument(f"pair: cannot split {pair!r}; write it as BASE/QUOTE", "pair")

    def rate(self, frm: str, to: str) -> Decimal | None:
        """How many ``to`` one ``frm`` is worth, or None if the table cannot say."""
        if frm == to:
            return Decimal(1)
        direct = self.rates.get((frm, to))
        if direct is not None:
            return direct
        inverse = self.rates.get((to, frm))
        return None if inverse is None else Decimal(1) / inverse

    def currencies(self) -> set[str]:
        return {c for pair in self.rates for c in pair}

    def describe(self) -> str:
        """``"1 USD = 1 USDT"`` per pair, for the window to state the assumption."""
        return ", ".join(f"1 {b} = {r.normalize():f} {q}" for (b, q), r in sorted(self.rates.items()))


@dataclass(frozen=True, slots=True)
class VenueEquity:
    """One venue's equity: ``native`` in ``currency`` (the currency it could be valued in), ``value`` the same in the
    workspace's reference currency (None if no rate), ``unpriced`` held assets left out."""

    venue: str
    currency: str
    native: Decimal
    value: Decimal | None
    unpriced: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WorkspaceEquity:
    reference: str
    venues: dict[str, VenueEquity] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        """The sum of the venues that could be valued in the reference currency."""
        return sum((v.value for v in self.venues.values() if v.value is not None), ZERO)

    @property
    def incomplete(self) -> tuple[str, ...]:
        """Venues whose value leaves something out (an asset without a price, a currency without a rate)."""
        return tuple(name for name, v in self.venues.items() if v.value is None or v.unpriced)


Connector = Callable[..., Awaitable[Session]]


class Workspace:
    def __init__(self, reference: str = "USDT", fx: FxTable | Mapping[str, Decimal | str] | None = None, *,
                 connect: Connector | None = None) -> None:
        self.reference = reference.strip().upper()
        self.fx = fx if isinstance(fx, FxTable) else FxTable(fx)
        self.bus = Bus()
        self.sessions: dict[str, Session] = {}
        self._connect = connect or _connect
        self._unsubs: dict[str, Callable[[], None]] = {}
        self._routes: dict[str, tuple[str, str]] = {}  # qualified id -> (data session name, its symbol)
        self.connection_states: dict[tuple[str, str], ConnectionChanged] = {}  # (venue, stream) -> latest

    # ---- sessions ------------------------------------------------------------------------------------------
    async def add(self, provider: str = "sandbox", *, name: str | None = None, **options: Any) -> Session:
        """Connect ``provider`` (as ``terminal.connect``, options passed on) and hold its session under ``name``
        (default: the adapter's registry name, e.g. ``"binance"`` for ``"sandbox"``)."""
        if name is not None and name in self.sessions:
            raise InvalidArgument(f"name: a venue named {name!r} is already in this workspace", "name")
        session = await self._connect(provider, **options)
        venue = name or session.provider
        if venue in self.sessions:
            await session.close()
            raise InvalidArgument(f"provider: {venue!r} is already in this workspace; pass name= to add another "
                                  f"session of it", "provider")
        self.attach(venue, session)
        return session

    def attach(self, venue: str, session: Session) -> None:
        """Hold an already connected session under ``venue``."""
        if venue in self.sessions or "@" in venue or not venue:
            raise InvalidArgument(f"venue: {venue!r} is taken or not a name", "venue")
        self.sessions[venue] = session
        def republish(event: object) -> None:
            self._republish(venue, event)
        self._unsubs[venue] = session.bus.subscribe(None, republish)
        for stream, health in session.health().items():  # until the first ConnectionChanged of each stream
            if stream in ("market", "user"):
                up = bool(health.extra.get("connected", True))
                self.connection_states[(venue, stream)] = ConnectionChanged(stream, up, "connected" if up else "down")

    def detach(self, venue: str) -> Session:
        """Stop holding ``venue``'s session (its routes go too) without closing it."""
        session = self.session(venue)
        self._unsubs.pop(venue)()
        del self.sessions[venue]
        self._routes = {q: r for q, r in self._routes.items() if r[0] != venue and self._venue_of(q) != venue}
        for key in [k for k in self.connection_states if k[0] == venue]:
            del self.connection_states[key]
        return session

    async def remove(self, venue: str) -> None:
        """Detach and close ``venue``'s session."""
        await self.detach(venue).close()

    async def close(self) -> None:
        for venue in list(self.sessions):
            await self.remove(venue)

    async def __aenter__(self) -> "Workspace":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def session(self, venue: str) -> Session:
        try:
            return self.sessions[venue]
        except KeyError:
            raise InvalidArgument(f"venue: no venue {venue!r} in this workspace (have: "
                                  f"{', '.join(self.sessions) or 'none'})", "venue") from None

    # ---- instruments ---------------------------------------------------------------------------------------
    def qualified(self, venue: str, symbol: str) -> str:
        return f"{symbol}@{venue}"

    def instruments(self) -> dict[str, Instrument]:
        """Every instrument of every venue, by workspace id."""
        return {self.qualified(v, sym): ins for v, s in self.sessions.items() for sym, ins in s.instruments.items()}

    def resolve(self, qualified_id: str) -> tuple[str, Session, str]:
        """``"AAPL@paper"`` -> (venue name, its session, symbol). A bare symbol is accepted when exactly one venue
        lists it."""
        if not isinstance(qualified_id, str):
            raise InvalidArgument(f"instrument: expected 'SYMBOL@VENUE', got {type(qualified_id).__name__}",
                                  "instrument")
        try:
            symbol, venue = parse_qualified_id(qualified_id)
        except ValueError as exc:
            raise InvalidArgument(f"instrument: {exc}", "instrument") from None
        symbol = symbol.upper()
        if venue is None:
            listed = [v for v, s in self.sessions.items() if symbol in s.instruments]
            if len(listed) != 1:
                where = f"listed by {', '.join(listed)}" if listed else "listed by no venue"
                raise InvalidArgument(f"instrument: {symbol} is {where}; write it as {symbol}@VENUE", "instrument")
            venue = listed[0]
        session = self.session(venue)
        if symbol not in session.instruments:
            raise InvalidArgument(f"instrument: {venue} lists no {symbol}", "instrument")
        return venue, session, symbol

    def instrument(self, qualified_id: str) -> Instrument:
        _, session, symbol = self.resolve(qualified_id)
        return session.instruments[symbol]

    async def search(self, text: str, limit: int = 20) -> list[tuple[str, Instrument]]:
        """``(workspace id, instrument)`` matching ``text`` on every venue (see ``Session.search``), each venue's best
        first, venues in the order they were added. A venue whose search fails is left out (logged)."""
        out: list[tuple[str, Instrument]] = []
        for venue, session in list(self.sessions.items()):
            try:
                found = await session.search(text, limit)
            except InvalidArgument:
                raise
            except Exception as exc:  # noqa: BLE001 - one venue down does not spoil the others' answers
                log.warning("search on %s failed: %s", venue, type(exc).__name__)
                continue
            out += [(self.qualified(venue, ins.symbol), ins) for ins in found]
        return out

    def _venue_of(self, qualified_id: str) -> str:
        return qualified_id.rpartition("@")[2]

    # ---- market-data routing -------------------------------------------------------------------------------
    def route(self, qualified_id: str, data: str | None = None, symbol: str | None = None) -> None:
        """Take the market data of ``qualified_id`` from the session named ``data`` (its ``symbol``, default the same
        symbol); orders still go to the instrument's own venue. ``data=None`` goes back to the venue's own data."""
        venue, _, sym = self.resolve(qualified_id)
        key = self.qualified(venue, sym)
        if data is None or data == venue:
            self._routes.pop(key, None)
            return
        source = self.session(data)
        data_symbol = (symbol or sym).upper()
        if data_symbol not in source.instruments:
            raise InvalidArgument(f"data: {data} lists no {data_symbol} to take {key}'s market data from", "data")
        self._routes[key] = (data, data_symbol)

    def data_source(self, qualified_id: str) -> tuple[str, str]:
        """(session name, symbol) the market data of ``qualified_id`` comes from."""
        venue, _, sym = self.resolve(qualified_id)
        return self._routes.get(self.qualified(venue, sym), (venue, sym))

    def routes(self) -> dict[str, tuple[str, str]]:
        return dict(self._routes)

    async def watch(self, qualified_id: str) -> None:
        data, sym = self.data_source(qualified_id)
        await self.session(data).watch(sym)

    async def unwatch(self, qualified_id: str) -> None:
        data, sym = self.data_source(qualified_id)
        await self.session(data).unwatch(sym)

    async def quote(self, qualified_id: str) -> QuoteTick:
        data, sym = self.data_source(qualified_id)
        return await self.session(data).quote(sym)

    def _republish(self, source: str, event: object) -> None:
        if isinstance(event, ConnectionChanged):
            self.connection_states[(source, event.stream)] = event
        if self._routes and isinstance(event, MARKET_DATA):
            symbol = event.symbol
            if f"{symbol}@{source}" not in self._routes:  # its own data, unless routed to another provider
                self.bus.publish(VenueEvent(source, event, source))
            for qid, (data, sym) in self._routes.items():
                if data == source and sym == symbol:
                    self.bus.publish(VenueEvent(self._venue_of(qid), event, source))
            return
        self.bus.publish(VenueEvent(source, event, source))

    def on(self, event_type: type, fn: Callable[[str, Any], None]) -> Callable[[], None]:
        """Call ``fn(venue, event)`` for every event of ``event_type`` of any venue. Returns an unsubscribe."""
        def deliver(e: VenueEvent) -> None:
            if isinstance(e.event, event_type):
                fn(e.venue, e.event)
        return self.bus.subscribe(VenueEvent, deliver)

    # ---- orders --------------------------------------------------------------------------------------------
    async def buy(self, qualified_id: str, quantity: Any = None, price: Any = None, **kwargs: Any) -> Order:
        _, session, sym = self.resolve(qualified_id)
        return await session.buy(sym, quantity, price, **kwargs)

    async def sell(self, qualified_id: str, quantity: Any = None, price: Any = None, **kwargs: Any) -> Order:
        _, session, sym = self.resolve(qualified_id)
        return await session.sell(sym, quantity, price, **kwargs)

    async def cancel_order(self, qualified_id: str, client_order_id: str) -> Order:
        _, session, sym = self.resolve(qualified_id)
        return await session.cancel_order(sym, client_order_id)

    def open_orders(self) -> list[tuple[str, Order]]:
        return [(v, o) for v, s in self.sessions.items() for o in s.open_orders()]

    # ---- money ---------------------------------------------------------------------------------------------
    def equity(self, reference: str | None = None) -> WorkspaceEquity:
        """Each venue's equity (every balance, shares included, at the last prices) in ``reference`` (default: the
        workspace's), and their total. A venue is valued in the reference currency if its own prices allow, else in
        the FX table's currency that leaves the fewest assets unpriced, converted at the table's rate."""
        ref = (reference or self.reference).strip().upper()
        return WorkspaceEquity(ref, {v: self.venue_equity(v, ref) for v in self.sessions})

    def venue_equity(self, venue: str, reference: str | None = None) -> VenueEquity:
        ref = (reference or self.reference).strip().upper()
        session = self.session(venue)
        best: VenueEquity | None = None
        for currency in [ref] + sorted(self.fx.currencies() - {ref}):
            rate = self.fx.rate(currency, ref)
            eq = session.equity(currency)
            native = eq.total
            candidate = VenueEquity(venue, currency, native, None if rate is None else native * rate, eq.unpriced)
            if best is None or len(candidate.unpriced) < len(best.unpriced):
                best = candidate
            if not candidate.unpriced:
                break
        assert best is not None
        return best

"""The ports every provider adapter implements, and the venue-neutral outcomes they report.

The order manager, risk, session and UI talk to a venue only through these types. An adapter lives in one folder
under ``terminal/venues/<name>/``, exports one factory registered in ``venues/registry.py``, and declares what it can
do (``Capabilities``), which credentials it needs (``CredentialSpec``) and which environments it reaches
(``EnvironmentSpec``). Venue quirks (wire codes, endpoints, weights) stay inside the adapter: it translates its
errors into the outcomes below.

Outcomes (exceptions), from the caller's point of view:

``MayHaveLanded``   the request may or may not have reached the venue (timeout, 5xx, dropped socket): look the order
                    up by its client id, ``settle_ms`` from now, before any retry.
``RateLimited``     nothing happened; try again after ``retry_after_s``.
``DuplicateOrder``  the client order id already exists at the venue: an earlier attempt landed; adopt it.
``Rejected``        the venue refused the request; ``reason`` is its message, in words.
``UnknownOrder``    the venue has no order with that id.
``AuthError``       missing/invalid/unauthorised credentials: stop trading, ask for keys.
``SessionExpired``  a login that expires (e.g. a daily access token) has expired: log in again.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol, runtime_checkable

from ..model.enums import AssetClass  # re-exported: the model owns it (instruments carry it)
from ..model.fees import FeeRule, FeeSchedule  # re-exported: adapters declare their schedule with them

if TYPE_CHECKING:
    from ..bus import Bus
    from ..model import (Balance, Bar, Fill, Holding, Instrument, Interval, Order, OrderBook, OrderRequest,
                         QuoteTick, Ticker24h)


# ---------------------------------------------------------------------------------------------------------- outcomes
class VenueError(Exception):
    """Anything a venue answered or failed with. ``code`` is the venue's own error code when there is one (for logs
    and messages only: nothing outside the adapter branches on it)."""

    def __init__(self, message: str, code: int | None = None, http_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status


class TemporaryError(VenueError):
    """Network failure, 5xx, timeout on a read: retry with backoff."""


class MayHaveLanded(TemporaryError):
    """A state-changing request whose outcome is unknown: it may still land during the next ``settle_ms`` (counted
    from when this is raised; e.g. what is left of Binance's recvWindow, plus the clock offset, counted from the
    request's own timestamp). 0: whatever happened has happened. Query by client id before any retry; "unknown to the
    venue" is only final once ``settle_ms`` has passed."""

    def __init__(self, message: str, code: int | None = None, http_status: int | None = None,
                 settle_ms: int = 0) -> None:
        super().__init__(message, code, http_status)
        self.settle_ms = settle_ms


class RateLimited(VenueError):
    """429 / 418, pacing violation or an order-rate limit: nothing was done. ``retry_after_s`` says when to retry."""

    def __init__(self, message: str, code: int | None = None, http_status: int | None = None,
                 retry_after_s: float = 1.0) -> None:
        super().__init__(message, code, http_status)
        self.retry_after_s = retry_after_s


class Rejected(VenueError):
    """The venue refused the request (filters, balance, market closed...). ``reason`` is its message in words."""

    @property
    def reason(self) -> str:
        return self.message


OrderRejected = Rejected  # the name the core used before the ports were venue-neutral


class DuplicateOrder(Rejected):
    """The client order id is already known to the venue: an earlier attempt landed. Adopt that order."""


class UnknownOrder(Rejected):
    """The venue has no order with this id."""


class AuthError(VenueError):
    """Missing, invalid or unauthorised credentials, or a bad signature: stop trading and ask for keys."""


class SessionExpired(AuthError):
    """A login session (e.g. Kite's daily access token) has expired: the user must log in again."""


# ---------------------------------------------------------------------------------------------------- declarations
@dataclass(frozen=True, slots=True)
class RateLimit:
    """``limit`` units (requests, orders or weight) per ``interval_s`` seconds."""

    kind: str  # "requests" | "orders" | "weight" | "subscriptions"
    limit: int
    interval_s: float


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What an adapter can do. The UI offers only what is declared; the core checks before sending."""

    asset_classes: frozenset[AssetClass]
    order_types: frozenset[str]  # names of model.OrderType members
    time_in_force: frozenset[str]  # names of model.TimeInForce members
    native_oco: bool = False
    native_bracket: bool = False
    native_trailing: bool = False
    depth_levels: tuple[int, ...] = ()
    history_limit: int = 1000  # bars per history request
    intervals: tuple[str, ...] = ()  # Interval values the venue serves
    rate_limits: tuple[RateLimit, ...] = ()
    market_hours: bool = False  # instruments have trading sessions (closed outside them)
    streaming_quotes: bool = True
    streaming_depth: bool = True
    trading: bool = True  # False for a data-only provider
    cancel_on_disconnect: bool = False
    native_replace: bool = False  # modify in place (IB); otherwise the OMS cancels and places a copy
    #: a broker's margin account (IB, Kite): the venue checks buying power itself (short sales, futures on margin),
    #: so the local spot check "a BUY spends its notional, a SELL its holding" does not apply
    margin_account: bool = False
    #: the ``OrderOptions`` fields the venue takes (e.g. "trail_amount", "trail_percent", "expire_ms", "at_close",
    #: "parent_id", "oca_group", "params"); an order using another one is refused before sending
    order_options: frozenset[str] = frozenset()
    #: the names of venue-specific ``OrderOptions.params`` it takes, with their allowed values (Kite: product, variety)
    order_params: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: what the venue charges per trade (the ticket's estimate); None: not known, no estimate is shown
    fees: FeeSchedule | None = None


@dataclass(frozen=True, slots=True)
class CredentialField:
    """One credential: ``name`` (key in the keyring), a label, whether it is secret, and the environment variable
    that may supply it for one run (never stored)."""

    name: str
    label: str
    secret: bool = False
    env_var: str | None = None
    optional: bool = False
    multiline: bool = False


@dataclass(frozen=True, slots=True)
class CredentialSpec:
    fields: tuple[CredentialField, ...] = ()
    #: a login that expires and must be redone (Kite's daily token): the UI offers "log in again"
    daily_login: bool = False

    def from_environment(self, environ: Mapping[str, str]) -> dict[str, str] | None:
        """The credentials supplied by environment variables, if every required field is there."""
        values = {f.name: environ[f.env_var] for f in self.fields if f.env_var and environ.get(f.env_var)}
        required = [f.name for f in self.fields if not f.optional]
        return values if required and all(n in values for n in required) else None


@dataclass(frozen=True, slots=True)
class EnvironmentSpec:
    """One place an adapter can connect to. ``live`` environments are never a default and are always confirmed."""

    name: str  # "sandbox" | "paper" | "testnet" | "live" | ...
    label: str
    live: bool = False
    needs_credentials: bool = True
    default: bool = False
    #: the exchange is created in this process for each connection (its ids start again every run), so nothing the
    #: terminal keeps about it outlives the run (the order journal stays in memory)
    in_process: bool = False
    #: where it connects, for messages ("cannot reach testnet.binance.vision"); "" when it is in this process
    address: str = ""


@dataclass(frozen=True, slots=True)
class ConnectOption:
    """An option the user gives when connecting (IB's host, port and client id), offered by File > Add venue… for
    the environments it applies to (``()`` = all) and passed to ``connect(provider, name=value)``."""

    name: str
    label: str
    default: str = ""
    kind: str = "text"  # "text" | "int" | "decimal" (a positive amount)
    environments: tuple[str, ...] = ()
    help: str = ""

    def applies_to(self, environment: str) -> bool:
        return not self.environments or environment in self.environments

    def parse(self, text: str) -> Any:
        """The value for ``connect``; ValueError naming the option for a bad one."""
        text = text.strip() or self.default
        if self.kind == "int":
            try:
                return int(text)
            except ValueError:
                raise ValueError(f"{self.label}: expected a whole number, got {text!r}") from None
        if self.kind == "decimal":
            try:
                value = Decimal(text)
            except ArithmeticError:
                value = Decimal("NaN")
            if not value.is_finite() or value <= 0:
                raise ValueError(f"{self.label}: expected a positive amount such as {self.default}, got {text!r}")
            return value
        return text


@dataclass(frozen=True, slots=True)
class AdapterInfo:
    """What the registry knows about a provider before connecting."""

    name: str  # registry name, e.g. "binance"
    title: str  # "Binance Spot"
    environments: tuple[EnvironmentSpec, ...]
    credentials: CredentialSpec
    capabilities: Capabilities
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: what the user may give when connecting (host, port, client id...): File > Add venue… asks for them
    options: tuple[ConnectOption, ...] = ()

    def environment(self, name: str) -> EnvironmentSpec:
        for env in self.environments:
            if env.name == name:
                return env
        known = ", ".join(e.name for e in self.environments)
        raise ValueError(f"{self.title} has no environment {name!r}; use one of: {known}")


# ----------------------------------------------------------------------------------------------------------- health
@dataclass(slots=True)
class StreamHealth:
    """Liveness of one stream (or of a whole connection), as ``MarketData.health()`` reports it. Times are monotonic
    seconds / epoch ms.

    ``errors`` counts every failure on the stream (dropped messages and consumer failures); ``dropped`` counts the
    malformed messages among them. ``extra`` holds the adapter's figures under venue-neutral keys where they exist:
    ``connected``, ``clock_offset_ms``, ``rest_latency_p50_ms``/``_p99_ms``, ``rate_used``/``rate_limit``/``rate_use``
    (request budget used, its size per minute, and their ratio 0..1), ``age_ms``."""

    name: str
    messages: int = 0
    last_message_mono: float = 0.0
    reconnects: int = 0
    gaps: int = 0
    resyncs: int = 0
    errors: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    dropped: int = 0

    @property
    def age_s(self) -> float | None:
        """Seconds since the last message (None if none yet)."""
        return None if not self.last_message_mono else time.monotonic() - self.last_message_mono

    def snapshot(self) -> "StreamHealth":
        return replace(self, extra=dict(self.extra))


# ------------------------------------------------------------------------------------------------------------ ports
@runtime_checkable
class MarketData(Protocol):
    """Market data: instruments, snapshots, history and subscriptions. Subscribed data is published on ``bus``
    as model events (QuoteTick, TradeTick, BookUpdated, Bar, ConnectionChanged)."""

    bus: "Bus"

    async def instruments(self, refresh: bool = False) -> "dict[str, Instrument]": ...
    async def ticker(self, symbol: str) -> "Ticker24h": ...
    async def quote(self, symbol: str) -> "QuoteTick": ...
    async def depth(self, symbol: str, limit: int = 100) -> "tuple[int, list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]": ...
    async def klines(self, symbol: str, interval: "Interval", start_ms: int | None = None,
                     end_ms: int | None = None, limit: int = 1000) -> "list[Bar]": ...
    async def watch_quotes(self, symbol: str) -> None: ...
    async def unwatch_quotes(self, symbol: str) -> None: ...
    async def watch_book(self, symbol: str, wait_synced_s: float | None = None) -> "OrderBook": ...
    async def unwatch_book(self, symbol: str) -> None: ...
    async def watch_bars(self, symbol: str, interval: "Interval") -> None: ...
    async def unwatch_bars(self, symbol: str, interval: "Interval") -> None: ...
    def health(self) -> dict[str, StreamHealth]: ...


@runtime_checkable
class Execution(Protocol):
    """Trading and account state. Reports also arrive on ``bus`` (OrderUpdated, Fill, BalancesUpdated) once
    ``start_user_stream`` has run. Every call raises only the outcomes above."""

    def now_ms(self) -> int: ...
    def settle_ms(self) -> int: ...  # how long after it is sent an unanswered request may still land
    async def submit(self, request: "OrderRequest") -> "tuple[Order, list[Fill]]": ...
    async def test_order(self, request: "OrderRequest") -> None: ...
    async def cancel_order(self, symbol: str, client_order_id: str) -> "Order": ...
    async def cancel_all(self, symbol: str) -> "list[Order]": ...
    async def query_order(self, symbol: str, client_order_id: str) -> "Order": ...
    async def open_orders(self, symbol: str | None = None) -> "list[Order]": ...
    async def order_history(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> "list[Order]": ...
    async def fills(self, symbol: str, start_ms: int | None = None, limit: int = 500) -> "list[Fill]": ...
    async def balances(self) -> "list[Balance]": ...
    async def positions(self) -> "list[Holding]": ...  # spot: holdings from balances; brokers: the venue's positions
    async def replace_order(self, symbol: str, client_order_id: str, quantity: Decimal | None = None,
                            price: Decimal | None = None) -> "Order": ...  # native modify; Rejected if unsupported
    async def start_user_stream(self, on_connect: Callable[[bool], None] | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class KeyPermissions:
    """What a venue says about the API key in use (Binance's apiRestrictions). ``None`` fields: not said."""

    ip_restricted: bool | None = None
    can_read: bool | None = None
    can_trade: bool | None = None
    can_withdraw: bool | None = None
    can_transfer: bool | None = None  # internal / universal transfers between accounts or wallets
    other_products: tuple[str, ...] = ()  # margin, futures, options... enabled on the key
    created_ms: int | None = None
    trading_expires_ms: int | None = None

    def warnings(self, now_ms: int, *, trading: bool = True) -> list[str]:
        """What the user should change at the venue, most serious first, in words."""
        out: list[str] = []
        if self.can_withdraw:
            out.append("this key can WITHDRAW funds: a trading terminal never needs that — turn off withdrawals "
                       "for this key at the exchange (API management)")
        if self.can_transfer:
            out.append("this key can move funds between accounts or wallets: turn off transfers for this key")
        if self.ip_restricted is False and (trading or self.can_trade):
            out.append("this key is not restricted to your IP addresses: restrict it at the exchange, so a leaked key "
                       "cannot be used from elsewhere")
        if trading and self.can_trade is False:
            out.append("this key cannot trade (spot trading is off for it): orders will be refused")
        if self.other_products:
            out.append(f"this key also enables {', '.join(self.other_products)}: turn off what you do not use")
        if self.trading_expires_ms is not None and self.trading_expires_ms - now_ms < 7 * 86_400_000:
            days = max(0, (self.trading_expires_ms - now_ms) // 86_400_000)
            out.append(f"the key's trading permission expires in {days} day(s): renew it at the exchange")
        if self.created_ms and now_ms - self.created_ms > 365 * 86_400_000:
            out.append("this key is more than a year old: consider rotating it")
        return out


@runtime_checkable
class KeyInspection(Protocol):
    """A venue that can say what its API key may do (``None``: it cannot tell in this environment, e.g. testnet)."""

    async def key_permissions(self) -> KeyPermissions | None: ...


@runtime_checkable
class InstrumentSearch(Protocol):
    """A venue whose instruments are found by asking (IB's contract search, Kite's daily dump): ``search`` answers
    instruments matching ``text`` ("ES", "NIFTY 24 DEC FUT", "apple"), best first, ready to trade and subscribe (the
    venue keeps what it found); ``Session.search`` adds them to the session's instruments."""

    async def search(self, text: str) -> "list[Instrument]": ...


@runtime_checkable
class NativeProtection(Protocol):
    """Protective order groups held by the venue itself (declared by ``Capabilities.native_bracket``/``native_oco``).
    Each leg is an OrderRequest with its own client order id (journaled before the group is sent); the answer is every
    leg's Order. The legs of a bracket carry ``options.parent_id`` = the entry's client id; an OCO's legs share
    ``options.oca_group``."""

    async def submit_bracket(self, entry: "OrderRequest", take_profit: "OrderRequest | None",
                             stop_loss: "OrderRequest | None") -> "list[Order]": ...
    async def submit_oco(self, first: "OrderRequest", second: "OrderRequest") -> "list[Order]": ...


@runtime_checkable
class Venue(MarketData, Execution, Protocol):
    """One connected provider in one environment: both ports, plus its declarations and lifecycle."""

    info: AdapterInfo
    environment: str

    async def start(self) -> None: ...
    async def close(self) -> None: ...

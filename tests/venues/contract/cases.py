"""How to build each registered adapter with its loopback server, for the port-contract suite.

One ``VenueCase`` per registry name. A case says how to connect a Session to the adapter against its loopback
exchange (``connect``), which symbols to trade, a sensible quantity and how far from the market a resting order goes,
and which of the loopback server's fault switches exist (``drop``, ``rate_limit_next``, ``fail_next_send``). A switch
that is None makes the tests that need it skip, naming the reason.

A data-only provider (``Capabilities(trading=False)``: Finnhub, TrueData) has a case with ``trading=False``: the order,
balance and order-error tests skip for it naming why; the market-data half (instruments, quotes, history,
subscriptions, reconnect of market data, rate limits) runs. Its quotes may be last trades (``quotes_from_trades``:
bid = ask = the last price) and it may serve no depth (``Capabilities.depth_levels`` empty, ``streaming_depth`` off).

Adding a provider (IB, Kite, ...) = one more case in ``CASES``; the suite fails for a registered adapter without one.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Awaitable, Callable

import pytest

import terminal
from terminal.model import Interval, TimeInForce
from terminal.session import Session

from ..binance.recorder import Recorder

D = Decimal


@dataclass
class Connection:
    """A started Session on the adapter under test, its venue (the port) and every event the venue published."""

    case: "VenueCase"
    session: Session
    rec: Recorder
    server: Any = None  # the loopback exchange, when it runs apart from the adapter
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def venue(self) -> Any:
        return self.session.venue

    async def close(self) -> None:
        await self.session.close()


Switch = Callable[[Connection], None]


@dataclass
class VenueCase:
    name: str  # registry name
    symbol: str  # traded by the tests
    other_symbol: str  # a second listed symbol (subscription markers)
    quantity: Decimal  # a sensible order size on ``symbol``
    price_offset: Decimal  # a resting order goes this fraction away from the market (0.1 = 10 %)
    connect: Callable[[pytest.FixtureRequest], Awaitable[Connection]]
    interval: Interval = Interval.M1  # for history paging
    bar_interval: Interval = Interval.S1  # for bar subscriptions (the venue's quickest)
    #: the venue refuses a client order id already used by one of the account's open orders
    detects_duplicates: bool = True
    #: drop the connection(s) as a network failure would; the adapter must come back by itself
    drop: Switch | None = None
    why_no_drop: str = ""
    #: the next request is refused for its rate (429 and the like)
    rate_limit_next: Switch | None = None
    #: the next two order sends get no usable answer: the first never reaches the matching engine, the second does
    fail_next_two_sends: Switch | None = None
    why_no_faults: str = ""
    #: False for a data-only provider: the trading tests skip, naming why
    trading: bool = True
    #: its L1 is the last trade (no quote stream): bid = ask = the last price
    quotes_from_trades: bool = False
    #: why a sell beyond the holding is no error there (a margin account sells short), or "" where it is refused
    sells_short: str = ""
    #: the time in force of a resting LIMIT order (a broker without GTC, e.g. Kite: DAY)
    resting_tif: TimeInForce = TimeInForce.GTC
    #: a broker's margin account: fills move positions and the margin in use, not per-asset balances
    positions_account: bool = False

    def skip_unless_trading(self) -> None:
        if not self.trading:
            pytest.skip(f"{self.name} provides market data only (Capabilities.trading=False): no orders to test")

    def __str__(self) -> str:
        return self.name


# ------------------------------------------------------------------------------------------------- binance + sandbox
SANDBOX_BALANCES = {"USDT": "100000", "BTC": "1", "ETH": "10"}


async def _connect_binance(request: pytest.FixtureRequest) -> Connection:
    """The Binance adapter through the registry against the suite's sandbox exchange, on a new funded account."""
    server = request.getfixturevalue("contract_sandbox")
    key, secret = "k" + secrets.token_hex(31), secrets.token_hex(32)
    server.create_account(key, secret, SANDBOX_BALANCES)
    session = await terminal.connect("binance", env="sandbox", sandbox_url=server.url, api_key=key, api_secret=secret)
    rec = Recorder()
    session.venue.bus.subscribe(None, rec)
    return Connection(BINANCE, session, rec, server)


def _sandbox_drop(conn: Connection) -> None:
    conn.server.faults.drop_websockets()


def _sandbox_rate_limit(conn: Connection) -> None:
    conn.server.faults.rate_limit_next(1, retry_after=1)


def _sandbox_fail_two(conn: Connection) -> None:
    conn.server.faults.fail_next(2, 500)  # 1st answered 500 before processing, 2nd processed then answered 500


BINANCE = VenueCase(
    name="binance", symbol="BTCUSDT", other_symbol="ETHUSDT", quantity=D("0.001"), price_offset=D("0.1"),
    connect=_connect_binance, drop=_sandbox_drop, rate_limit_next=_sandbox_rate_limit,
    fail_next_two_sends=_sandbox_fail_two)


# ------------------------------------------------------------------------------------------------------------- paper
async def _connect_paper(request: pytest.FixtureRequest) -> Connection:
    """The paper venue through the registry, hours lifted (the tests run at any time of day)."""
    session = await terminal.connect("paper", always_open=True)
    rec = Recorder()
    session.venue.bus.subscribe(None, rec)
    return Connection(PAPER, session, rec)


def _paper_drop(conn: Connection) -> None:
    conn.venue.drop_connection()


PAPER = VenueCase(
    name="paper", symbol="AAPL", other_symbol="MSFT", quantity=D("2"), price_offset=D("0.1"),
    connect=_connect_paper, drop=_paper_drop,
    why_no_faults="the paper exchange runs in this process: no request can be lost or in doubt (settle_ms is 0) "
                  "and it has no request-rate limit to hit")


# ----------------------------------------------------------------------------------------- finnhub (market data only)
async def _connect_finnhub(request: pytest.FixtureRequest) -> Connection:
    """The Finnhub adapter through the registry against its paper server started for the connection (US stocks
    trade at any hour: always_open)."""
    session = await terminal.connect("finnhub", always_open=True)
    rec = Recorder()
    session.venue.bus.subscribe(None, rec)
    return Connection(FINNHUB, session, rec, session.server)


def _finnhub_drop(conn: Connection) -> None:
    conn.server.faults.drop_websockets()


def _finnhub_rate_limit(conn: Connection) -> None:
    conn.server.faults.rate_limit_next(1)


FINNHUB = VenueCase(
    name="finnhub", symbol="AAPL", other_symbol="MSFT", quantity=D("1"), price_offset=D("0.1"),
    connect=_connect_finnhub, bar_interval=Interval.M1, drop=_finnhub_drop, rate_limit_next=_finnhub_rate_limit,
    trading=False, quotes_from_trades=True)


# --------------------------------------------------------------------------------------------- kite + paper server
async def _connect_kite(request: pytest.FixtureRequest) -> Connection:
    """The Kite adapter through the registry against its paper server started for the connection (logged in with the
    server's built-in app; NSE hours lifted: always_open)."""
    session = await terminal.connect("kite", always_open=True)
    rec = Recorder()
    session.venue.bus.subscribe(None, rec)
    return Connection(KITE, session, rec, session.server)


def _kite_drop(conn: Connection) -> None:
    conn.server.drop_ticker()


def _kite_rate_limit(conn: Connection) -> None:
    conn.server.rate_limit_next(1)


def _kite_fail_two(conn: Connection) -> None:
    conn.server.fail_next(1, 500, path="/orders/regular")  # refused before processing
    conn.server.fail_next(1, 500, after_processing=True, path="/orders/regular")  # placed, then answered 500


KITE = VenueCase(
    name="kite", symbol="INFY", other_symbol="TCS", quantity=D("1"), price_offset=D("0.05"), connect=_connect_kite,
    bar_interval=Interval.M1, detects_duplicates=False, drop=_kite_drop, rate_limit_next=_kite_rate_limit,
    fail_next_two_sends=_kite_fail_two, resting_tif=TimeInForce.DAY, positions_account=True,
    sells_short="a Kite margin account sells short intraday (MIS): there is no balance to sell beyond")


# ---------------------------------------------------------------------------------------- truedata (market data only)
async def _connect_truedata(request: pytest.FixtureRequest) -> Connection:
    """The TrueData adapter through the registry against its paper server started for the connection (NSE hours
    lifted: always_open)."""
    session = await terminal.connect("truedata", always_open=True)
    rec = Recorder()
    session.venue.bus.subscribe(None, rec)
    return Connection(TRUEDATA, session, rec, session.server)


def _truedata_drop(conn: Connection) -> None:
    conn.server.drop_connections()


def _truedata_rate_limit(conn: Connection) -> None:
    conn.server.fail_history_next(1, 429)  # TrueData's 429, its text base64 in the body


TRUEDATA = VenueCase(
    name="truedata", symbol="RELIANCE", other_symbol="TCS", quantity=D("1"), price_offset=D("0.1"),
    connect=_connect_truedata, bar_interval=Interval.M1, drop=_truedata_drop, rate_limit_next=_truedata_rate_limit,
    trading=False)


# ------------------------------------------------------------------------------------------ ib + IB paper server
async def _connect_ib(request: pytest.FixtureRequest) -> Connection:
    """The IB adapter through the registry against the IB paper server started for the connection (US hours
    lifted: always_open)."""
    session = await terminal.connect("ib", always_open=True)
    rec = Recorder()
    session.venue.bus.subscribe(None, rec)
    return Connection(IB, session, rec, _IbServer(session.server))


class _IbServer:
    """The IB paper server as the suite uses it: its switches, and ``faults.clear()`` (fills flow again)."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.faults = self

    def clear(self) -> None:
        self.server.release_fills()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.server, name)


def _ib_drop(conn: Connection) -> None:
    conn.server.drop_connections()


IB = VenueCase(
    name="ib", symbol="AAPL", other_symbol="MSFT", quantity=D("1"), price_offset=D("0.1"), connect=_connect_ib,
    drop=_ib_drop, sells_short="an IB margin account sells short what it does not hold",
    why_no_faults="IB paces historical data only (tests/venues/ib covers its pacing error) and the IB paper server "
                  "has no switch to lose an order's answer")


CASES: dict[str, VenueCase] = {c.name: c for c in (BINANCE, PAPER, FINNHUB, TRUEDATA, KITE, IB)}

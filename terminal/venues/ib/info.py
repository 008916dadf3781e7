"""What the registry knows about the Interactive Brokers adapter before connecting.

Environments: ``sandbox`` (the built-in IB paper server, started in this process; the default), ``paper`` (a running
TWS / IB Gateway paper account, or ``trading-terminal sandbox --venue ib``, on 127.0.0.1:7497) and ``live``
(127.0.0.1:7496, real money, always confirmed). No keys: TWS/Gateway holds the login; the adapter needs only where
it listens (``host``, ``port``) and a ``client_id`` (default 1), optionally the ``account`` to trade and
``readonly``.

Instrument keys (``Instrument.symbol``), unique and stable across runs: stocks and indices by their symbol
(``AAPL``, ``SPX``), futures and options by IB's local symbol without spaces (``ESZ6``), forex as
``BASE.QUOTE`` (``EUR.USD``, IB's own local symbol). The IB conId is kept in ``Instrument.venue_id``.
"""
from __future__ import annotations

from ...model import AssetClass, Interval
from decimal import Decimal

from ..ports import (AdapterInfo, Capabilities, ConnectOption, CredentialSpec, EnvironmentSpec, FeeRule, FeeSchedule,
                     RateLimit)
from .enums import BAR_SIZE, ORDER_TYPE_TO_WIRE, TIF_TO_WIRE

NAME = "ib"

PAPER_PORT = 7497
LIVE_PORT = 7496
DEFAULT_CLIENT_ID = 1

#: TWS API pacing: 50 messages per second (ib_async queues itself at 45/s); historical data: 60 requests per 10
#: minutes, identical requests within 15 s are a violation (we coalesce them)
MESSAGES_PER_S = 50
HISTORY_REQUESTS = 60
HISTORY_WINDOW_S = 600.0
HISTORY_IDENTICAL_S = 15.0

ORDER_OPTIONS = frozenset({"trail_amount", "trail_percent", "expire_ms", "at_close", "parent_id", "oca_group"})

#: IBKR Pro fixed pricing (what the paper server charges too): stocks USD 0.005 a share, at least 1.00, at most 1 % of
#: the value; futures 2.25 a contract (exchange fees included, roughly); forex 0.2 basis points, at least 2.00
FEES = FeeSchedule(
    FeeRule(per_unit=Decimal("0.005"), minimum=Decimal(1), max_pct=Decimal("0.01")),
    {AssetClass.FUTURE: FeeRule(per_unit=Decimal("2.25")),
     AssetClass.FOREX: FeeRule(rate=Decimal("0.00002"), minimum=Decimal(2))},
    note="IBKR Pro fixed")

INFO = AdapterInfo(
    name=NAME,
    title="Interactive Brokers (TWS / IB Gateway)",
    environments=(
        EnvironmentSpec("sandbox", "Built-in IB paper server (in this process)", needs_credentials=False,
                        default=True, in_process=True),
        EnvironmentSpec("paper", "TWS / IB Gateway paper account", needs_credentials=False,
                        address=f"127.0.0.1:{PAPER_PORT}"),
        EnvironmentSpec("live", "TWS / IB Gateway live account (real money)", live=True, needs_credentials=False,
                        address=f"127.0.0.1:{LIVE_PORT}"),
    ),
    credentials=CredentialSpec(),
    capabilities=Capabilities(
        margin_account=True,  # buying power and short sales are the broker's to check
        asset_classes=frozenset({AssetClass.EQUITY, AssetClass.FUTURE, AssetClass.FOREX, AssetClass.INDEX}),
        order_types=frozenset(t.name for t in ORDER_TYPE_TO_WIRE),
        time_in_force=frozenset(t.name for t in TIF_TO_WIRE),
        native_oco=True,
        native_bracket=True,
        native_trailing=True,
        native_replace=True,
        depth_levels=(5, 10, 20),
        history_limit=1000,
        intervals=tuple(i.value for i in Interval if i in BAR_SIZE),
        rate_limits=(RateLimit("requests", MESSAGES_PER_S, 1.0),
                     RateLimit("requests", HISTORY_REQUESTS, HISTORY_WINDOW_S)),
        market_hours=True,
        streaming_depth=True,
        order_options=ORDER_OPTIONS,
        fees=FEES,
    ),
    options=(
        ConnectOption("host", "Host", "127.0.0.1", environments=("paper", "live"),
                      help="where TWS / IB Gateway runs"),
        ConnectOption("port", "Port", str(PAPER_PORT), kind="int", environments=("paper", "live"),
                      help="TWS paper 7497, live 7496; IB Gateway paper 4002, live 4001"),
        ConnectOption("client_id", "Client id", str(DEFAULT_CLIENT_ID), kind="int",
                      help="one per connected program; another program using it is refused"),
        ConnectOption("account", "Account", "", environments=("paper", "live"),
                      help="the account to trade (empty: the only one managed)"),
    ),
    extra={"default_ports": {"paper": PAPER_PORT, "live": LIVE_PORT}},
)

__all__ = ["INFO", "NAME", "PAPER_PORT", "LIVE_PORT", "DEFAULT_CLIENT_ID", "ORDER_OPTIONS"]

"""What the registry knows about the paper venue before connecting: one environment, no credentials, capabilities."""
from __future__ import annotations

from ...model import AssetClass, Interval, OrderType, TimeInForce
from ...sim.equities import CURRENCY
from ..ports import ConnectOption, AdapterInfo, Capabilities, CredentialSpec, EnvironmentSpec, FeeSchedule

NAME = "paper"

INFO = AdapterInfo(
    name=NAME,
    title="Paper equities (simulated US exchange)",
    environments=(EnvironmentSpec("paper", "Paper trading on a simulated exchange in this process", live=False,
                                  needs_credentials=False, default=True, in_process=True),),
    credentials=CredentialSpec(),
    capabilities=Capabilities(
        asset_classes=frozenset({AssetClass.EQUITY}),
        order_types=frozenset(t.name for t in OrderType),
        time_in_force=frozenset(t.name for t in TimeInForce if t.crypto),  # the engine knows GTC, IOC, FOK
        depth_levels=(5, 10, 20, 50, 100, 500, 1000, 5000),
        history_limit=1000,
        intervals=tuple(i.value for i in Interval),
        market_hours=True,
        native_replace=False,
        fees=FeeSchedule(),  # the simulated exchange charges nothing
    ),
    options=(ConnectOption("cash", "Starting cash (USD)", "100000", kind="decimal",
                           help="The paper account's cash when the simulated exchange starts"),),
    extra={"currency": CURRENCY,
           "extended_hours": "LIMIT orders flagged extended_hours, in pre-market and after-hours"},
)

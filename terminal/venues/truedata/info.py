"""What the registry knows about the TrueData adapter before connecting: market data only (NSE stocks, indices and
futures), environments ``sandbox`` (the paper server in this process, default) and ``live`` (TrueData's endpoints),
credentials username/password."""
from __future__ import annotations

from ...model import AssetClass, Interval
from ..ports import (AdapterInfo, Capabilities, ConnectOption, CredentialField, CredentialSpec, EnvironmentSpec,
                     RateLimit)

NAME = "truedata"

#: TrueData's live endpoints (the WebSocket port is account-specific: 8084 is the official client's default)
LIVE = {"ws_url": "wss://push.truedata.in:8084", "history_url": "https://history.truedata.in",
        "auth_url": "https://auth.truedata.in/token", "api_url": "https://api.truedata.in"}

#: our intervals -> TrueData's history ``interval``
INTERVALS: dict[Interval, str] = {
    Interval.M1: "1min", Interval.M3: "3min", Interval.M5: "5min", Interval.M15: "15min", Interval.M30: "30min",
    Interval.H1: "60min", Interval.D1: "eod", Interval.W1: "week", Interval.MO1: "month",
}
#: the bars the real-time feed streams (``bar1min``/``bar5min``)
STREAMED = {1: Interval.M1, 5: Interval.M5}

INFO = AdapterInfo(
    name=NAME,
    title="TrueData (NSE real-time and historical data)",
    environments=(
        EnvironmentSpec("sandbox", "TrueData paper server in this process (simulated NSE)", needs_credentials=False,
                        default=True, in_process=True),
        EnvironmentSpec("live", "TrueData real-time and history (push.truedata.in, history.truedata.in)",
                        live=True, address="push.truedata.in"),
    ),
    credentials=CredentialSpec(fields=(
        CredentialField("username", "User id", env_var="TRUEDATA_USER"),
        CredentialField("password", "Password", secret=True, env_var="TRUEDATA_PASSWORD"),
    )),
    capabilities=Capabilities(
        asset_classes=frozenset({AssetClass.EQUITY, AssetClass.INDEX, AssetClass.FUTURE}),
        order_types=frozenset(), time_in_force=frozenset(),
        depth_levels=(5,), history_limit=1000, intervals=tuple(i.value for i in INTERVALS),
        rate_limits=(RateLimit("requests", 10, 1.0),), market_hours=True,
        streaming_quotes=True, streaming_depth=True, trading=False,
    ),
    options=(ConnectOption("ws_url", "Real-time address", LIVE["ws_url"], environments=("live",),
                           help="TrueData gives each account its port (8082, 8084, 8086...)"),),
    extra={"currency": "INR", "data_only": True,
           "symbols": "NSE tickers (RELIANCE), indices with spaces (NIFTY 50), continuous futures NIFTY-I"},
)

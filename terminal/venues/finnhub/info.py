"""What the registry knows about Finnhub before connecting: market data only (no trading), a token, two
environments: "sandbox" (its paper server started in this process, the default) and "live" (finnhub.io: real market
data, not real money, so not flagged live, but never the default: it spends the user's request budget)."""
from __future__ import annotations

from ...model import AssetClass, Interval
from ..ports import AdapterInfo, Capabilities, CredentialField, CredentialSpec, EnvironmentSpec, RateLimit

NAME = "finnhub"
LIVE_REST = "https://finnhub.io/api/v1"
LIVE_WS = "wss://ws.finnhub.io"
FREE_PER_MINUTE = 60  # the free plan's documented budget; a paid plan sets rate_limit=...
PER_SECOND = 30  # every plan's cap

#: chart intervals served natively (Finnhub resolutions); the others are aggregated from these (see rest.RESOLUTION)
INTERVALS = tuple(i.value for i in Interval if i is not Interval.S1)

INFO = AdapterInfo(
    name=NAME,
    title="Finnhub (market data)",
    environments=(
        EnvironmentSpec("sandbox", "Finnhub paper server in this process (simulated US stocks, forex, crypto, news)",
                        live=False, needs_credentials=False, default=True, in_process=True),
        EnvironmentSpec("live", "finnhub.io (real market data, your token and its request budget)", live=False,
                        default=False, address="finnhub.io"),
    ),
    credentials=CredentialSpec((CredentialField("token", "API token", secret=True, env_var="FINNHUB_TOKEN"),)),
    capabilities=Capabilities(
        asset_classes=frozenset({AssetClass.EQUITY, AssetClass.FOREX, AssetClass.CRYPTO_SPOT}),
        order_types=frozenset(), time_in_force=frozenset(), depth_levels=(), history_limit=1000,
        intervals=INTERVALS, rate_limits=(RateLimit("requests", FREE_PER_MINUTE, 60.0),
                                          RateLimit("requests", PER_SECOND, 1.0)),
        streaming_quotes=True, streaming_depth=False, trading=False,
        market_hours=True,  # US stocks trade in US hours (the paper server too, unless always_open)
    ),
    extra={"quotes": "L1 from trades: Finnhub streams trades, not quotes (bid = ask = the last trade)",
           "candles": "1m 5m 15m 30m 1h 1d 1w 1M are Finnhub resolutions; 3m is aggregated from 1m, 2h 4h 6h 8h 12h "
                      "from 1h, 3d from 1d; 1s bars are built from live trades only (no history)",
           "news": True, "fundamentals": True},
)

"""What the registry knows about the Binance Spot adapter before connecting: environments, credentials, capabilities.

``sandbox`` is this adapter against the sandbox exchange (embedded in the process unless a ``sandbox_url`` names
one): no keys needed, the server's own test keys are used. ``testnet`` and ``live`` need an API key pair, from the
keyring or, for one run, from ``BINANCE_API_KEY``/``BINANCE_SECRET_KEY``. ``live`` is never a default.
"""
from __future__ import annotations

from ...model import AssetClass, Interval
from ..ports import (AdapterInfo, Capabilities, CredentialField, CredentialSpec, EnvironmentSpec, FeeSchedule,
                     RateLimit)
from .enums import ORDER_TYPE_TO_WIRE, TIF_TO_WIRE
from .urls import LIVE, TESTNET

NAME = "binance"

#: Binance Spot's published defaults (exchangeInfo's rateLimits replace the weight figure once connected).
WEIGHT_PER_MINUTE = 6000
ORDERS_PER_10S = 100
ORDERS_PER_DAY = 200_000

CREDENTIALS = CredentialSpec(fields=(
    CredentialField("api_key", "API key", secret=False, env_var="BINANCE_API_KEY"),
    CredentialField("api_secret", "Secret key (HMAC) or Ed25519 private key (PEM)", secret=True,
                    env_var="BINANCE_SECRET_KEY", multiline=True),
))

INFO = AdapterInfo(
    name=NAME,
    title="Binance Spot",
    environments=(
        EnvironmentSpec("sandbox", "Sandbox exchange (in this process, test keys built in)", needs_credentials=False,
                        default=True),
        EnvironmentSpec("testnet", "Binance Spot Testnet (test funds)", address=TESTNET.rest),
        EnvironmentSpec("live", "Binance Spot (real money)", live=True, address=LIVE.rest),
    ),
    credentials=CREDENTIALS,
    capabilities=Capabilities(
        asset_classes=frozenset({AssetClass.CRYPTO_SPOT}),
        order_types=frozenset(t.name for t in ORDER_TYPE_TO_WIRE),
        time_in_force=frozenset(t.name for t in TIF_TO_WIRE),
        depth_levels=(5, 10, 20, 50, 100, 500, 1000, 5000),
        history_limit=1000,
        intervals=tuple(i.value for i in Interval),
        rate_limits=(RateLimit("weight", WEIGHT_PER_MINUTE, 60.0), RateLimit("orders", ORDERS_PER_10S, 10.0),
                     RateLimit("orders", ORDERS_PER_DAY, 86_400.0)),
        market_hours=False,
        native_replace=False,
        # order lists (orderlists.py): an OCO of a stop loss and a take-profit; a bracket only when its entry is a
        # working LIMIT order (BinanceVenue.can_hold says which shapes); trailing stops by percentage (trailingDelta)
        native_oco=True,
        native_bracket=True,
        native_trailing=True,
        order_options=frozenset({"trail_percent"}),
        fees=FeeSchedule.flat("0.001"),  # spot's base rate (maker and taker), as the sandbox charges it
    ),
    extra={"quote_currencies": ("USDT", "USDC", "FDUSD", "BTC", "ETH", "BNB")},
)

__all__ = ["CREDENTIALS", "INFO", "NAME", "ORDERS_PER_10S", "ORDERS_PER_DAY", "WEIGHT_PER_MINUTE"]

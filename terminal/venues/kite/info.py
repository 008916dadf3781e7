"""What the registry knows about the Kite Connect adapter before connecting: environments, credentials, capabilities.

``sandbox`` (the default) is this adapter against the Kite-compatible paper server started in this process, logged
in with the server's built-in test app; ``live`` is Zerodha's API (real money, never a default). Kite's login lasts
one day: ``api_key`` and ``api_secret`` are kept in the keyring (or ``KITE_API_KEY``/``KITE_API_SECRET`` for one run),
the daily ``access_token`` comes from the login (``terminal.venues.kite.login``), from ``KITE_ACCESS_TOKEN``, or from
the keyring while it is valid (until 06:00 IST).
"""
from __future__ import annotations

from ...model import AssetClass, Interval
from decimal import Decimal

from ..ports import AdapterInfo, Capabilities, CredentialField, CredentialSpec, EnvironmentSpec, FeeRule, FeeSchedule
from .enums import INTERVAL_TO_WIRE, ORDER_TYPE_TO_WIRE, PRODUCTS, TIF_TO_WIRE, VARIETIES
from .limiter import DECLARED

NAME = "kite"
LIVE_ROOT = "https://api.kite.trade"
LIVE_TICKER = "wss://ws.kite.trade"
LIVE_LOGIN = "https://kite.zerodha.com/connect/login"
HISTORY_LIMIT = 2000  # bars per klines() call (Kite's own range caps are paged inside)

CREDENTIALS = CredentialSpec(fields=(
    CredentialField("api_key", "API key", secret=False, env_var="KITE_API_KEY"),
    CredentialField("api_secret", "API secret", secret=True, env_var="KITE_API_SECRET"),
    CredentialField("access_token", "Access token (today's login)", secret=True, env_var="KITE_ACCESS_TOKEN",
                    optional=True),
), daily_login=True)

#: Zerodha's brokerage: 0.03 % or Rs 20 an order, whichever is lower (intraday equity, futures); Rs 20 flat an options
#: order; equity delivery (CNC) is free. Statutory charges (STT, exchange, GST, stamp duty) are not included, and the
#: paper server charges nothing
FEES = FeeSchedule(
    FeeRule(rate=Decimal("0.0003"), cap=Decimal(20)),
    {AssetClass.OPTION: FeeRule(minimum=Decimal(20), cap=Decimal(20))},
    note="brokerage only; CNC delivery is free")

INFO = AdapterInfo(
    name=NAME,
    title="Zerodha Kite Connect",
    environments=(
        EnvironmentSpec("sandbox", "Kite paper server (in this process, test app logged in)", needs_credentials=False,
                        default=True, in_process=True),
        EnvironmentSpec("live", "Zerodha Kite Connect (real money)", live=True, address=LIVE_ROOT),
    ),
    credentials=CREDENTIALS,
    capabilities=Capabilities(
        margin_account=True,  # buying power and short sales are the broker's to check
        asset_classes=frozenset({AssetClass.EQUITY, AssetClass.FUTURE, AssetClass.OPTION, AssetClass.INDEX}),
        order_types=frozenset(t.name for t in ORDER_TYPE_TO_WIRE),
        time_in_force=frozenset(t.name for t in TIF_TO_WIRE),
        native_oco=True,  # GTT two-leg triggers
        depth_levels=(5,),
        history_limit=HISTORY_LIMIT,
        intervals=tuple(i.value for i in Interval if i.value in INTERVAL_TO_WIRE),
        rate_limits=DECLARED,
        market_hours=True,
        native_replace=True,  # PUT /orders/{variety}/{id}
        streaming_depth=True,
        order_options=frozenset({"params", "expire_ms", "oca_group"}),
        order_params={"product": PRODUCTS, "variety": VARIETIES,
                      "iceberg_legs": tuple(str(n) for n in range(2, 11)),
                      "market_protection": (),  # () = any value (0, 1-100 percent, -1 automatic)
                      "trigger_price": ()},  # a cover order's (variety co) stop-loss trigger
        fees=FEES,
    ),
    extra={"currency": "INR", "login": "daily (terminal.venues.kite.login)",
           "quantity": "units; F&O in multiples of the lot size"},
)

__all__ = ["CREDENTIALS", "INFO", "LIVE_LOGIN", "LIVE_ROOT", "LIVE_TICKER", "NAME"]

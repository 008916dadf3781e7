"""Sessions on the real sandbox exchange with risk limits, each on an account of its own (exact balances), and the
engine wired to the session's view (the session does the same when it builds its RiskChecks; doing it again here
is harmless and gives the engine a simulated clock the test moves)."""
from __future__ import annotations

import secrets
import time
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import terminal
from terminal.clock import SimClock
from terminal.risk.engine import RiskEngine
from terminal.risk.limits import RiskLimits
from terminal.venues.ports import UnknownOrder

D = Decimal
SYMBOL = "BTCUSDT"
TICK = D("0.01")


def sandbox_account(server: Any, balances: dict[str, str] | None = None) -> tuple[str, str]:
    """A new account at the sandbox exchange: its API key and secret."""
    key, secret = secrets.token_hex(32), secrets.token_hex(32)
    server.create_account(key, secret, balances or {"USDT": "100000", "BTC": "1"})
    return key, secret


async def open_session(server: Any, limits: RiskLimits,
                       balances: dict[str, str] | None = None) -> tuple[Any, SimClock]:
    """A session on its own sandbox account, the engine on a simulated clock, the symbol's quote fetched once."""
    key, secret = sandbox_account(server, balances)
    session = await terminal.connect("sandbox", sandbox_url=server.url, api_key=key, api_secret=secret,
                                     risk_limits=limits)
    clock = SimClock(int(time.time() * 1000))
    wire(session, clock)
    await session.quote(SYMBOL)  # the quote the checks use: cached, so the test's figures are the engine's
    return session, clock


def wire(session: Any, clock: SimClock) -> RiskEngine:
    def quote(symbol: str) -> tuple[Decimal, Decimal] | None:
        q = session.quotes_cache.get(symbol)
        return None if q is None else (q.bid, q.ask)
    return session.risk.attach(session.bus, quote=quote, last=session.last_prices.get,  # type: ignore[no-any-return]
                               open_orders=session.oms.open_orders, now_ms=clock.now_ms)


def touch(session: Any) -> tuple[Decimal, Decimal]:
    q = session.quotes_cache[SYMBOL]
    return q.bid, q.ask


def floor_tick(x: Decimal) -> Decimal:
    return (x / TICK).to_integral_value(rounding=ROUND_FLOOR) * TICK


def ceil_tick(x: Decimal) -> Decimal:
    return (x / TICK).to_integral_value(rounding=ROUND_CEILING) * TICK


async def at_venue(session: Any, client_order_id: str) -> bool:
    """True if the exchange has an order with this client id (asked at the venue, not the local cache)."""
    try:
        await session.venue.query_order(SYMBOL, client_order_id)
    except UnknownOrder:
        return False
    return True

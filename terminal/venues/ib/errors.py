"""IB error codes -> the ports' typed outcomes and connection states (pure; the codes live only here)."""
from __future__ import annotations

from ..ports import (AuthError, DuplicateOrder, RateLimited, Rejected, TemporaryError, UnknownOrder, VenueError)

#: connectivity between TWS and IB's servers
LOST, RESTORED_DATA_LOST, RESTORED = 1100, 1101, 1102
#: farm notices: market data / historical data / security definitions OK (informational)
FARM_OK = frozenset({2104, 2106, 2158})
FARM_INACTIVE = frozenset({2103, 2105, 2107, 2108, 2157})
CANCELLED = 202
NO_SECURITY = 200
ORDER_REJECTED = 201
DUPLICATE_ID = 103
HISTORICAL = 162
NOT_SUBSCRIBED = frozenset({354, 10167, 10168, 10089, 10090})
COMPETING_SESSION = 10197
CLIENT_ID_IN_USE = 326
CANNOT_CONNECT = 502
NOT_CONNECTED = 504
CANCEL_UNKNOWN = frozenset({10147, 10148, 161})
DEPTH_RESET = 317
#: what ib_async treats as warnings (the order or request goes on)
WARNINGS = frozenset({105, 110, 165, 321, 329, 399, 404, 434, 492, 10167})

#: how long after a pacing violation to try again (IB: "identical request within 15 s" / 60 per 10 minutes)
PACING_RETRY_S = 15.0


def is_warning(code: int) -> bool:
    return code in WARNINGS or 2100 <= code < 2200


def is_pacing(message: str) -> bool:
    text = message.lower()
    return "pacing" in text or "max rate" in text


def is_no_data(message: str) -> bool:
    return "no data" in message.lower()


def cannot_connect(host: str, port: int) -> str:
    return (f"cannot connect to TWS/Gateway at {host}:{port}: is it running with the API enabled on port {port}? "
            f"(TWS: Edit > Global Configuration > API > Settings, 'Enable ActiveX and Socket Clients')")


def client_id_in_use(client_id: int) -> str:
    return (f"client id {client_id} is already in use by another program connected to TWS/Gateway: "
            f"connect with another client id")


def outcome(code: int, message: str, *, what: str = "") -> VenueError:
    """The typed outcome for an IB error about a request or an order. ``what`` names the subject for messages."""
    subject = f"{what}: " if what else ""
    if code == NO_SECURITY:
        return Rejected(f"{subject}unknown contract (IB: {message})", code)
    if code == ORDER_REJECTED:
        reason = message.split("Reason:", 1)[-1].strip() if "reason:" in message.lower() else message
        return Rejected(f"{subject}rejected by IB: {reason or message}", code)
    if code == DUPLICATE_ID:
        return DuplicateOrder(f"{subject}duplicate order id (IB: {message})", code)
    if code == HISTORICAL and is_pacing(message):
        return RateLimited(f"{subject}IB historical data pacing violation: {message}", code,
                           retry_after_s=PACING_RETRY_S)
    if code == 100:
        return RateLimited(f"{subject}IB message rate exceeded: {message}", code, retry_after_s=1.0)
    if code == COMPETING_SESSION:
        return Rejected(f"{subject}a competing live session holds the market data (IB 10197: {message}); "
                        f"log out of the other session or use delayed data", code)
    if code in NOT_SUBSCRIBED:
        return Rejected(f"{subject}no market data subscription (IB {code}: {message})", code)
    if code in CANCEL_UNKNOWN:
        return UnknownOrder(f"{subject}IB cannot cancel it ({code}: {message})", code)
    if code == CLIENT_ID_IN_USE:
        return AuthError(f"{subject}{message}", code)
    if code in (CANNOT_CONNECT, NOT_CONNECTED, LOST):
        return TemporaryError(f"{subject}not connected to TWS/Gateway ({code}: {message})", code)
    return Rejected(f"{subject}IB error {code}: {message}", code)


__all__ = ["outcome", "is_warning", "is_pacing", "cannot_connect", "client_id_in_use"]

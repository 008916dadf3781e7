"""Key hygiene: on connect, ask the venue what its API key may do and say what the user should change.

A trading key that can withdraw, can move funds, or is not restricted to the user's IP addresses is a risk: a leaked
key empties the account. Binance says so through ``apiRestrictions`` (the sandbox serves it too); the testnet cannot
tell. The answer becomes ``Session.key_warnings`` (shown in red in the status bar and the keys dialog), each warning is
logged, and the check is recorded in the audit trail (what the key may do, never the key).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from ..venues.ports import KeyPermissions

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0


async def check_key(session: Any) -> list[str]:
    """Ask ``session.venue`` (if it can tell) and set ``session.key_permissions``/``key_warnings``. Never raises for
    the venue's sake: a check that fails is logged and leaves no warning."""
    inspect = getattr(session.venue, "key_permissions", None)
    if not callable(inspect) or not session.has_keys:
        return []
    try:
        perms = await asyncio.wait_for(inspect(), TIMEOUT_S)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - the check is advice; connecting goes on
        log.info("%s: cannot read the API key's permissions (%s: %s)", session.provider, type(exc).__name__,
                 getattr(exc, "message", exc))
        return []
    if not isinstance(perms, KeyPermissions):
        return []
    trading = bool(getattr(session.venue.info.capabilities, "trading", True))
    warnings = perms.warnings(session.venue.now_ms(), trading=trading)
    session.key_permissions = perms
    session.key_warnings = warnings
    for text in warnings:
        log.warning("%s %s API key: %s", session.provider, session.env, text)
    if session.audit is not None:
        session.audit.record("keys.checked", "system", provider=session.provider, ip_restricted=perms.ip_restricted,
                             can_trade=perms.can_trade, can_withdraw=perms.can_withdraw,
                             can_transfer=perms.can_transfer, other_products=list(perms.other_products),
                             warnings=warnings)
    return warnings

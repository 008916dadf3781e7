"""HMAC-SHA256 verification on the raw bytes received, timestamp/recvWindow, replay protection."""
from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal, InvalidOperation
from typing import Mapping

from . import errors
from .accounts import Accounts, ApiKey
from .params import Params

DEFAULT_RECV_WINDOW_MS = Decimal(5000)
MAX_RECV_WINDOW_MS = Decimal(60000)


def sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def signature_matches(secret: str, payload: str, signature: str) -> bool:
    """Constant-time, case-insensitive hex comparison. Compared as bytes: any text may arrive (non-ASCII, even lone
    surrogates from JSON), and it simply does not match (``compare_digest`` refuses non-ASCII ``str``)."""
    expected = sign(secret, payload).encode("ascii")
    return hmac.compare_digest(expected, signature.lower().encode("utf-8", "surrogatepass"))


def ws_payload(params: Mapping[str, object]) -> str:
    """WS API signing payload: every param except ``signature``, sorted by name, ``k=v&...``."""
    return "&".join(f"{k}={_ws_value(v)}" for k, v in sorted(params.items()) if k != "signature")


def _ws_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ReplayGuard:
    """Remembers signatures until their recvWindow has passed; a second use is rejected."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}
        self._last_prune = 0

    def check(self, signature: str, expires_ms: int, now_ms: int) -> None:
        if now_ms - self._last_prune > 1000:
            self._seen = {s: t for s, t in self._seen.items() if t >= now_ms}
            self._last_prune = now_ms
        sig = signature.lower()
        if sig in self._seen:
            raise errors.replayed()
        self._seen[sig] = expires_ms


class Authenticator:
    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts
        self.replays = ReplayGuard()

    def verify(self, api_key: str | None, payload: str, signature: str | None, params: Params,
               now_ms: int, *, replay_check: bool = True) -> ApiKey:
        """Check a signed request; raise the Binance error a real server would answer.

        With ``replay_check`` (state-changing methods), a signature already seen inside its recvWindow is refused;
        identical reads (GET) in the same millisecond stay harmless and are allowed."""
        entry = self.accounts.lookup(api_key)
        if not signature:
            raise errors.mandatory("signature")
        timestamp = params.integer("timestamp", required=True)
        assert timestamp is not None
        if timestamp > 10**14:  # microseconds
            timestamp //= 1000
        window = self.recv_window(params)
        if not signature_matches(entry.secret, payload, signature):
            raise errors.bad_signature()
        check_window(timestamp, window, now_ms)
        if replay_check:
            self.replays.check(signature, timestamp + int(window) + 1000, now_ms)
        return entry

    @staticmethod
    def recv_window(params: Params) -> Decimal:
        raw = params.text("recvWindow")
        if raw is None:
            return DEFAULT_RECV_WINDOW_MS
        try:
            window = Decimal(raw)
        except InvalidOperation:
            raise errors.illegal_chars("recvWindow") from None
        if not window.is_finite() or window < 0 or window.as_tuple().exponent < -3:  # type: ignore[operator]
            raise errors.illegal_chars("recvWindow")
        if window > MAX_RECV_WINDOW_MS:
            raise errors.recv_window_too_large()
        return window


def check_window(timestamp_ms: int, window_ms: Decimal, now_ms: int) -> None:
    if timestamp_ms >= now_ms + 1000:
        raise errors.timestamp_ahead()
    if now_ms - timestamp_ms > window_ms:
        raise errors.timestamp_outside()

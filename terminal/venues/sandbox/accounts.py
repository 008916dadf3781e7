"""API keys, their secrets and engine account ids; listenKeys and their lifetimes."""
from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass

from . import errors

KEY_FORMAT = re.compile(r"^[A-Za-z0-9_\-]{1,128}$")
LISTEN_KEY_TTL_MS = 60 * 60 * 1000

# The documentation's example HMAC pair (reference §3): the default account accepts it.
DEFAULT_API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
DEFAULT_API_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
DEFAULT_BALANCES = {"USDT": "100000", "BTC": "1", "ETH": "10", "BNB": "50", "SOL": "100"}


@dataclass(frozen=True, slots=True)
class ApiKey:
    api_key: str
    secret: str
    account_id: str
    uid: int
    create_ms: int = 0


#: what ``GET /sapi/v1/account/apiRestrictions`` says of a sandbox key (reference §19): loopback only, read and spot
#: trading, nothing else
DEFAULT_RESTRICTIONS: dict[str, object] = {
    "ipRestrict": True, "enableReading": True, "enableSpotAndMarginTrading": True, "enableWithdrawals": False,
    "enableInternalTransfer": False, "permitsUniversalTransfer": False, "enableMargin": False,
    "enableFutures": False, "enableVanillaOptions": False, "enablePortfolioMarginTrading": False,
    "enableFixApiTrade": False, "enableFixReadOnly": False,
}


@dataclass(slots=True)
class ListenKey:
    key: str
    account_id: str
    expires_ms: int


class Accounts:
    """Key registry; the engine holds the balances, this maps credentials onto engine account ids."""

    def __init__(self) -> None:
        self._by_key: dict[str, ApiKey] = {}
        self._listen: dict[str, ListenKey] = {}
        self._next_uid = 354937868
        #: per-key overrides of DEFAULT_RESTRICTIONS (tests: a key that can withdraw, one without IP restriction)
        self._restrictions: dict[str, dict[str, object]] = {}

    def restrictions(self, api_key: str) -> dict[str, object]:
        entry = self._by_key[api_key]
        return {**DEFAULT_RESTRICTIONS, "createTime": entry.create_ms, **self._restrictions.get(api_key, {})}

    def set_restrictions(self, api_key: str, **fields: object) -> None:
        """Override what apiRestrictions says of ``api_key`` (unknown field names are refused)."""
        self._by_key[api_key]  # KeyError for an unknown key
        unknown = set(fields) - set(DEFAULT_RESTRICTIONS) - {"createTime", "tradingAuthorityExpirationTime"}
        if unknown:
            raise ValueError(f"unknown apiRestrictions fields: {', '.join(sorted(unknown))}")
        self._restrictions.setdefault(api_key, {}).update(fields)

    def add(self, api_key: str, secret: str, account_id: str | None = None) -> ApiKey:
        if not KEY_FORMAT.match(api_key):
            raise ValueError("api key must be 1-128 letters, digits, '-' or '_'")
        if not secret:
            raise ValueError("secret must not be empty")
        if api_key in self._by_key:
            raise ValueError("api key already exists")
        self._next_uid += 1
        entry = ApiKey(api_key, secret, account_id or f"acct-{self._next_uid}", self._next_uid,
                       int(time.time() * 1000))
        self._by_key[api_key] = entry
        return entry

    def lookup(self, api_key: str | None) -> ApiKey:
        """The key's entry, or -2014 (missing/malformed) / -2015 (unknown)."""
        if not api_key or not KEY_FORMAT.match(api_key):
            raise errors.bad_key_format()
        entry = self._by_key.get(api_key)
        if entry is None:
            raise errors.rejected_key()
        return entry

    def by_account(self, account_id: str) -> ApiKey | None:
        for entry in self._by_key.values():
            if entry.account_id == account_id:
                return entry
        return None

    # -- listenKeys -------------------------------------------------------------------------------
    def open_listen_key(self, account_id: str, now_ms: int) -> str:
        for lk in self._listen.values():
            if lk.account_id == account_id and lk.expires_ms > now_ms:
                lk.expires_ms = now_ms + LISTEN_KEY_TTL_MS
                return lk.key
        key = secrets.token_urlsafe(48).replace("-", "a").replace("_", "b")[:64]
        self._listen[key] = ListenKey(key, account_id, now_ms + LISTEN_KEY_TTL_MS)
        return key

    def keepalive(self, key: str, account_id: str, now_ms: int) -> None:
        lk = self._listen.get(key)
        if lk is None or lk.account_id != account_id or lk.expires_ms <= now_ms:
            raise errors.invalid_listen_key()
        lk.expires_ms = now_ms + LISTEN_KEY_TTL_MS

    def close_listen_key(self, key: str, account_id: str) -> None:
        lk = self._listen.get(key)
        if lk is None or lk.account_id != account_id:
            raise errors.invalid_listen_key()
        del self._listen[key]

    def listen_account(self, key: str, now_ms: int) -> str | None:
        lk = self._listen.get(key)
        if lk is None or lk.expires_ms <= now_ms:
            return None
        return lk.account_id

    def listen_keys_of(self, account_id: str) -> list[str]:
        return [k for k, lk in self._listen.items() if lk.account_id == account_id]

    def is_listen_key(self, key: str) -> bool:
        return key in self._listen

    def expire(self, now_ms: int) -> list[str]:
        """Drop keys past their life; return them so their streams get ``listenKeyExpired``."""
        gone = [k for k, lk in self._listen.items() if lk.expires_ms <= now_ms]
        for k in gone:
            del self._listen[k]
        return gone

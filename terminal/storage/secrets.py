"""API credentials in the system keyring, and nowhere else.

One keyring entry per environment (service ``trading-terminal``, user = environment name) holding a small
JSON document: api key, secret (HMAC secret or Ed25519 private key in PEM) and the key type.
When no secure backend is usable this module raises ``SecretsUnavailable`` with a message a person can act on.
There is deliberately no plaintext fallback.
"""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass

import keyring
import keyring.errors

from ..model import Environment
from . import redaction

SERVICE = "trading-terminal"


class SecretsUnavailable(RuntimeError):
    """No secure keyring backend: credentials can be neither stored nor read."""


class KeyType(enum.Enum):
    HMAC = "hmac"
    ED25519 = "ed25519"


def _mask(text: str) -> str:
    return (text[:4] + "…" + text[-2:]) if len(text) > 10 else "****"


@dataclass(frozen=True)
class Credentials:
    """An API key pair. ``secret`` is the HMAC secret or the Ed25519 private key (PEM). Masked when printed."""

    api_key: str
    secret: str
    key_type: KeyType = KeyType.HMAC

    def __post_init__(self) -> None:
        if not self.api_key or not self.secret:
            raise ValueError("both the API key and the secret (or private key) are required")

    def __repr__(self) -> str:
        return f"Credentials(api_key={_mask(self.api_key)!r}, secret='****', key_type={self.key_type.value})"

    __str__ = __repr__


_INSECURE_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt", "keyrings.cryptfile")


def _backend() -> keyring.backend.KeyringBackend:
    try:
        kr = keyring.get_keyring()
    except keyring.errors.KeyringError as exc:  # pragma: no cover - depends on the platform
        raise SecretsUnavailable(_explain(exc)) from None
    # a ChainerBackend with no members behaves like the fail backend
    backends = getattr(kr, "backends", None)
    candidates = list(backends) if backends is not None else [kr]
    if not candidates or all(type(b).__module__.startswith(_INSECURE_MODULES) or "Plaintext" in type(b).__name__
                             for b in candidates):
        raise SecretsUnavailable(_explain(None, kr))
    return kr


def _explain(exc: BaseException | None, kr: object | None = None) -> str:
    base = ("No secure keyring is available, so API keys cannot be stored or read. "
            "Start a Secret Service (GNOME Keyring or KWallet) and unlock it, then try again. "
            "Keys are never written to a plain file.")
    if isinstance(exc, keyring.errors.KeyringLocked):
        return "The keyring is locked: unlock it (GNOME Keyring / KWallet) and try again. Keys are never written to a plain file."
    detail = f" ({type(exc).__name__}: {exc})" if exc else (f" (backend: {type(kr).__name__})" if kr else "")
    return base + detail


def _call(fn, *args):  # type: ignore[no-untyped-def]
    try:
        return fn(*args)
    except (keyring.errors.NoKeyringError, keyring.errors.InitError, keyring.errors.KeyringLocked) as exc:
        raise SecretsUnavailable(_explain(exc)) from None
    except keyring.errors.KeyringError as exc:
        raise SecretsUnavailable(_explain(exc)) from None


def _user(environment: Environment | str) -> str:
    return Environment(environment).value if isinstance(environment, str) else environment.value


def available() -> tuple[bool, str]:
    """(usable, human message) for showing the keyring state in the UI. Never raises."""
    try:
        kr = _backend()
    except SecretsUnavailable as exc:
        return False, str(exc)
    return True, f"Keys are stored in {type(kr).__name__}."


def save_credentials(environment: Environment | str, credentials: Credentials) -> None:
    kr = _backend()
    payload = json.dumps({"api_key": credentials.api_key, "secret": credentials.secret,
                          "key_type": credentials.key_type.value})
    _call(kr.set_password, SERVICE, _user(environment), payload)


def load_credentials(environment: Environment | str) -> Credentials | None:
    """The stored credentials, or None if there are none for this environment."""
    kr = _backend()
    raw = _call(kr.get_password, SERVICE, _user(environment))
    if not raw:
        return None
    try:
        data = json.loads(raw)
        creds = Credentials(data["api_key"], data["secret"], KeyType(data.get("key_type", "hmac")))
    except (ValueError, KeyError, TypeError):
        raise SecretsUnavailable(f"the stored {_user(environment)} credentials are unreadable: enter them again") from None
    redaction.register(creds.api_key, creds.secret)
    return creds


def delete_credentials(environment: Environment | str) -> bool:
    """Remove the credentials; returns False if there were none."""
    kr = _backend()
    try:
        kr.delete_password(SERVICE, _user(environment))
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as exc:
        raise SecretsUnavailable(_explain(exc)) from None
    return True

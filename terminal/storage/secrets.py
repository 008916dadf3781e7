"""API credentials in the system keyring, and nowhere else.

One keyring entry per provider and environment: service ``trading-terminal/<provider>/<environment>``, user
``credentials``, holding a small JSON document of the fields the provider's ``CredentialSpec`` declares
(``save_fields``/``load_fields``/``delete_fields``). Binance's key pair (``Credentials``: api key, secret (HMAC secret
or Ed25519 private key in PEM) and key type) is the ``binance`` provider's entry; entries written before there were
several providers (service ``trading-terminal``, user = environment name) are still read for Binance, and replaced
by the new entry the next time its keys are saved.
When no secure backend is usable this module raises ``SecretsUnavailable`` with a message a person can act on.
There is deliberately no plaintext fallback.
"""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Mapping

import keyring
import keyring.errors

from ..model import Environment
from . import redaction

SERVICE = "trading-terminal"
#: the user name of a provider entry (the service names the provider and environment)
FIELDS_USER = "credentials"
#: the provider whose entries predate providers (service ``SERVICE``, user = environment name)
LEGACY_PROVIDER = "binance"


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


def service_name(provider: str, environment: Environment | str) -> str:
    """The keyring service of ``provider``'s credentials for ``environment``: ``trading-terminal/kite/live``."""
    return f"{SERVICE}/{provider.strip().lower()}/{_env_name(environment)}"


def _env_name(environment: Environment | str) -> str:
    return environment.value if isinstance(environment, Environment) else str(environment).strip().lower()


def save_fields(provider: str, environment: Environment | str, values: Mapping[str, str]) -> None:
    """Store ``values`` (CredentialSpec field name -> text) for ``provider`` and ``environment``, replacing what was
    there (and Binance's entry of the old layout)."""
    if not values or not all(isinstance(k, str) and isinstance(v, str) and v for k, v in values.items()):
        raise ValueError("credentials: every field needs a value")
    kr = _backend()
    _call(kr.set_password, service_name(provider, environment), FIELDS_USER, json.dumps(dict(values)))
    if provider.strip().lower() == LEGACY_PROVIDER:
        _delete(kr, SERVICE, _env_name(environment))


def load_fields(provider: str, environment: Environment | str) -> dict[str, str] | None:
    """The stored fields of ``provider`` for ``environment``, or None. Binance falls back to its old entry."""
    kr = _backend()
    where = f"{provider} {_env_name(environment)}"
    raw = _call(kr.get_password, service_name(provider, environment), FIELDS_USER)
    if raw:
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
                raise ValueError("not a mapping of texts")
        except ValueError:
            raise SecretsUnavailable(f"the stored {where} credentials are unreadable: enter them again") from None
        redaction.register(*data.values())
        return dict(data)
    if provider.strip().lower() != LEGACY_PROVIDER:
        return None
    legacy = _call(kr.get_password, SERVICE, _env_name(environment))
    if not legacy:
        return None
    try:
        old = json.loads(legacy)
        values = {"api_key": old["api_key"], "api_secret": old["secret"],
                  "key_type": KeyType(old.get("key_type", "hmac")).value}
        if not all(isinstance(v, str) and v for v in values.values()):
            raise ValueError("empty field")
    except (ValueError, KeyError, TypeError):
        raise SecretsUnavailable(f"the stored {where} credentials are unreadable: enter them again") from None
    redaction.register(values["api_key"], values["api_secret"])
    return values


def delete_fields(provider: str, environment: Environment | str) -> bool:
    """Remove ``provider``'s credentials for ``environment`` (Binance: the old entry too); False if there were none."""
    kr = _backend()
    gone = _delete(kr, service_name(provider, environment), FIELDS_USER)
    if provider.strip().lower() == LEGACY_PROVIDER:
        gone = _delete(kr, SERVICE, _env_name(environment)) or gone
    return gone


def _delete(kr: keyring.backend.KeyringBackend, service: str, user: str) -> bool:
    try:
        if kr.get_password(service, user) is None:  # some backends delete nothing without complaint
            return False
        kr.delete_password(service, user)
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as exc:
        raise SecretsUnavailable(_explain(exc)) from None
    return True


def save_credentials(environment: Environment | str, credentials: Credentials) -> None:
    """Binance's key pair for ``environment``."""
    _user(environment)  # ValueError for an environment Binance does not have
    save_fields(LEGACY_PROVIDER, environment, {"api_key": credentials.api_key, "api_secret": credentials.secret,
                                               "key_type": credentials.key_type.value})


def load_credentials(environment: Environment | str) -> Credentials | None:
    """Binance's stored key pair for ``environment``, or None if there is none."""
    values = load_fields(LEGACY_PROVIDER, _user(environment))
    if values is None:
        return None
    try:
        return Credentials(values["api_key"], values["api_secret"], KeyType(values.get("key_type", "hmac")))
    except (ValueError, KeyError):
        raise SecretsUnavailable(f"the stored {_user(environment)} credentials are unreadable: "
                                 "enter them again") from None


def delete_credentials(environment: Environment | str) -> bool:
    """Remove Binance's key pair for ``environment``; returns False if there was none."""
    return delete_fields(LEGACY_PROVIDER, _user(environment))


# ------------------------------------------------------------------ login sessions that expire (Kite's daily token)
SESSION_USER = "session"


def save_session_token(provider: str, environment: Environment | str, token: str, expires_ms: int) -> None:
    """Keep a login's access token until ``expires_ms`` (epoch ms), beside the provider's credentials (same service,
    user ``session``)."""
    if not token or not isinstance(expires_ms, int):
        raise ValueError("a session token needs a value and an expiry")
    kr = _backend()
    _call(kr.set_password, service_name(provider, environment), SESSION_USER,
          json.dumps({"token": token, "expires_ms": expires_ms}))


def load_session_token(provider: str, environment: Environment | str, now_ms: int | None = None) -> str | None:
    """The stored access token while it has not expired (an expired or unreadable one is removed), else None."""
    import time

    kr = _backend()
    service = service_name(provider, environment)
    raw = _call(kr.get_password, service, SESSION_USER)
    if not raw:
        return None
    try:
        data = json.loads(raw)
        token, expires = str(data["token"]), int(data["expires_ms"])
    except (ValueError, KeyError, TypeError):
        token, expires = "", 0
    if not token or expires <= (int(time.time() * 1000) if now_ms is None else now_ms):
        _delete(kr, service, SESSION_USER)
        return None
    redaction.register(token)
    return token

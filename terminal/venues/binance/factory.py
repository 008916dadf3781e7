"""The registry's factory for the Binance adapter: endpoints and signer for one environment -> an un-started venue."""
from __future__ import annotations

from typing import Any, Mapping

from ...bus import Bus
from ...model import Environment
from .info import INFO
from .signing import Ed25519Signer, HmacSigner, Signer, signer_for
from .urls import endpoints
from .venue import BinanceVenue


def key_and_signer(credentials: Mapping[str, str] | None) -> tuple[str | None, Signer | None]:
    """(api key, signer) from the CredentialSpec's fields ``api_key`` and ``api_secret``, and optionally
    ``key_type`` ('hmac'/'ed25519'; without it a PEM private key means Ed25519)."""
    if not credentials:
        return None, None
    api_key, secret = credentials.get("api_key"), credentials.get("api_secret")
    if not (api_key and secret):
        return None, None
    kind = credentials.get("key_type")
    if kind == "ed25519":
        return api_key, Ed25519Signer(secret)
    return api_key, HmacSigner(secret) if kind == "hmac" else signer_for(secret)


def create(environment: str = "sandbox", *, bus: Bus | None = None, credentials: Mapping[str, str] | None = None,
           sandbox_url: str | None = None, **options: Any) -> BinanceVenue:
    """An un-started BinanceVenue. ``sandbox`` needs ``sandbox_url`` (the registry starts an embedded sandbox
    exchange when none is given); ``credentials`` are the CredentialSpec's fields."""
    env = Environment(INFO.environment(environment).name)
    ep = endpoints(env, sandbox_url)
    api_key, signer = key_and_signer(credentials)
    return BinanceVenue(env, ep.rest, ep.ws, ep.ws_api, api_key=api_key, signer=signer, bus=bus, **options)

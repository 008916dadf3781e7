"""Request signers: HMAC-SHA256 (hex) and Ed25519 (base64), and the payloads they sign.

A signer returns the raw signature text. REST callers percent-encode it with ``quote_signature`` (a no-op for hex);
the WebSocket API puts it into JSON unencoded. Signers never reveal their secret in ``repr``.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Mapping, Protocol
from urllib.parse import quote, urlencode


class Signer(Protocol):
    def sign(self, payload: str) -> str: ...


class HmacSigner:
    """HMAC-SHA256 over the payload bytes, lowercase hex (Binance's default key type)."""

    __slots__ = ("_secret",)

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("HMAC secret is empty")
        self._secret = secret.encode()

    def sign(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "HmacSigner(<secret>)"


class Ed25519Signer:
    """Ed25519 over the payload bytes, base64 (case-sensitive). Accepts a PEM private key or 32 raw bytes."""

    __slots__ = ("_key",)

    def __init__(self, private_key: str | bytes, password: bytes | None = None) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        if isinstance(private_key, bytes) and len(private_key) == 32:
            self._key = Ed25519PrivateKey.from_private_bytes(private_key)
            return
        pem = private_key.encode() if isinstance(private_key, str) else private_key
        key = load_pem_private_key(pem, password=password)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the private key is not an Ed25519 key")
        self._key = key

    def sign(self, payload: str) -> str:
        return base64.b64encode(self._key.sign(payload.encode())).decode("ascii")

    def __repr__(self) -> str:
        return "Ed25519Signer(<private key>)"


def signer_for(secret: str) -> Signer:
    """Pick the signer from the secret's shape: a PEM private key means Ed25519, anything else HMAC."""
    if "PRIVATE KEY" in secret:
        return Ed25519Signer(secret)
    return HmacSigner(secret)


def encode_params(params: Mapping[str, object]) -> str:
    """``k=v&...`` in the mapping's order, percent-encoded (UTF-8), as it will be sent and signed."""
    return urlencode([(k, _text(v)) for k, v in params.items()], quote_via=quote, safe="")


def quote_signature(signature: str) -> str:
    """Percent-encode a signature for a query string or form body (base64 has + / =)."""
    return quote(signature, safe="")


def rest_payload(query: str, body: str = "") -> str:
    """What a REST signature covers: the query string followed, with no separator, by the body."""
    return query + body


def ws_payload(params: Mapping[str, object]) -> str:
    """What a WebSocket API signature covers: all params except ``signature``, sorted by name, ``k=v&...``."""
    return "&".join(f"{k}={_text(v)}" for k, v in sorted(params.items()) if k != "signature")


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

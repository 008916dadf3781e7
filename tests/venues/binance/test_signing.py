"""Signers against the reference's documented test vectors."""
from __future__ import annotations

import base64

import pytest

from terminal.venues.binance.signing import (Ed25519Signer, HmacSigner, encode_params, quote_signature, rest_payload,
                                             signer_for, ws_payload)

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
QUERY = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"


def test_hmac_signs_a_whole_query_string_like_the_docs() -> None:
    assert HmacSigner(SECRET).sign(QUERY) == "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"


def test_hmac_signs_query_then_body_without_separator() -> None:
    payload = rest_payload("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
                           "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559")
    assert HmacSigner(SECRET).sign(payload) == "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"


def test_hmac_signs_percent_encoded_unicode_symbol() -> None:
    params = {"symbol": "１２３４５６", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": 1,
              "price": "0.1", "recvWindow": 5000, "timestamp": 1499827319559}
    encoded = encode_params(params)
    assert encoded.startswith("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY")
    assert HmacSigner(SECRET).sign(encoded) == "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"


def test_hmac_ws_api_payload_is_sorted_and_excludes_signature() -> None:
    params = {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01000000",
              "price": "52000.00", "recvWindow": 100, "timestamp": 1645423376532, "apiKey": API_KEY,
              "signature": "ignored"}
    payload = ws_payload(params)
    assert payload.startswith("apiKey=") and "signature" not in payload
    assert HmacSigner(SECRET).sign(payload) == "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"


def test_ed25519_signature_is_base64_verifiable_and_percent_encoded_for_rest() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    signer = signer_for(pem)
    assert isinstance(signer, Ed25519Signer)
    sig = signer.sign(QUERY)
    key.public_key().verify(base64.b64decode(sig), QUERY.encode())  # raises if wrong
    assert "+" not in quote_signature("a+b/c=") and quote_signature("a+b/c=") == "a%2Bb%2Fc%3D"


def test_signers_never_show_their_secret() -> None:
    assert SECRET not in repr(HmacSigner(SECRET))
    assert isinstance(signer_for(SECRET), HmacSigner)
    with pytest.raises(ValueError):
        HmacSigner("")

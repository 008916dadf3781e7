"""Apps, request tokens and access tokens of the Kite paper server (state only; no HTTP here).

An app is an ``api_key`` with its secret and registered redirect URL (a default app redirects to
``http://127.0.0.1:5000/``; ``register_app`` adds others). The login page issues single-use request tokens that live
``REQUEST_TOKEN_TTL_MS``; ``exchange`` turns one into an access token given the checksum SHA-256(api_key +
request_token + api_secret). Access tokens are valid until 06:00 IST the next morning, until logout, or until the
``expire_all`` fault switch.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from .envelope import KiteError, input_error, token_error
from .listing import IST

DEFAULT_API_KEY = "kitepaperapikey"
DEFAULT_API_SECRET = "kitepapersecret0000000000000001"
DEFAULT_REDIRECT = "http://127.0.0.1:5000/"
USER_ID = "PA0001"
USER_NAME = "Paper Trader"
REQUEST_TOKEN_TTL_MS = 5 * 60_000


@dataclass
class App:
    api_key: str
    api_secret: str
    redirect_url: str


@dataclass
class Session:
    api_key: str
    access_token: str
    public_token: str
    user_id: str
    login_ms: int
    expires_ms: int


def checksum(*parts: str) -> str:
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def next_six_ist(now_ms: int) -> int:
    """06:00 IST after ``now_ms`` (the same morning before 06:00, else the next one)."""
    now = datetime.fromtimestamp(now_ms / 1000, IST)
    six = now.replace(hour=6, minute=0, second=0, microsecond=0)
    if six <= now:
        six += timedelta(days=1)
    return int(six.timestamp() * 1000)


def ist_text(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, IST).strftime("%Y-%m-%d %H:%M:%S")


class Auth:
    def __init__(self, now_ms: Callable[[], int]) -> None:
        self.now_ms = now_ms
        self.apps: dict[str, App] = {}
        self.request_tokens: dict[str, tuple[str, int]] = {}
        self.sessions: dict[str, Session] = {}
        self.register_app(DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_REDIRECT)

    def register_app(self, api_key: str, api_secret: str, redirect_url: str) -> None:
        if not api_key.isalnum() or not api_secret.isalnum():
            raise ValueError("api_key and api_secret must be alphanumeric (the ticker URL carries them unencoded)")
        self.apps[api_key] = App(api_key, api_secret, redirect_url)

    def app(self, api_key: str) -> App:
        app = self.apps.get(api_key)
        if app is None:
            raise input_error("Invalid `api_key`.")
        return app

    def issue_request_token(self, api_key: str) -> str:
        self.app(api_key)
        token = secrets.token_hex(16)
        self.request_tokens[token] = (api_key, self.now_ms())
        return token

    def new_session(self, api_key: str) -> Session:
        now = self.now_ms()
        session = Session(api_key, secrets.token_hex(16), secrets.token_hex(16), USER_ID, now, next_six_ist(now))
        self.sessions[session.access_token] = session
        return session

    def exchange(self, api_key: str, request_token: str, given: str) -> Session:
        if not api_key or not request_token or not given:
            raise input_error("Missing `api_key`, `request_token` or `checksum`.")
        app = self.app(api_key)
        issued = self.request_tokens.get(request_token)
        if issued is None or issued[0] != api_key or self.now_ms() - issued[1] > REQUEST_TOKEN_TTL_MS:
            self.request_tokens.pop(request_token, None)
            raise token_error("Token is invalid or has expired.")
        if not hmac.compare_digest(checksum(api_key, request_token, app.api_secret), given.lower()):
            raise token_error("Invalid `checksum`.")
        del self.request_tokens[request_token]
        return self.new_session(api_key)

    def check(self, authorization: str | None) -> Session:
        """The session of an ``Authorization: token api_key:access_token`` header; TokenException otherwise."""
        if not authorization or not authorization.startswith("token ") or ":" not in authorization:
            raise token_error()
        api_key, _, token = authorization[6:].strip().partition(":")
        return self.lookup(api_key, token)

    def lookup(self, api_key: str, access_token: str) -> Session:
        session = self.sessions.get(access_token)
        if session is None or session.api_key != api_key:
            raise token_error()
        if self.now_ms() >= session.expires_ms:
            del self.sessions[access_token]
            raise token_error()
        return session

    def invalidate(self, api_key: str, access_token: str) -> None:
        session = self.sessions.get(access_token)
        if session is None or session.api_key != api_key:
            raise token_error()
        del self.sessions[access_token]

    def expire_all(self) -> list[Session]:
        gone = list(self.sessions.values())
        self.sessions.clear()
        return gone

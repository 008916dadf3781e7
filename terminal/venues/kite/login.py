"""Kite's daily login: browser -> redirect with a request token -> access token (until 06:00 IST next morning).

    result = await login(api_key, api_secret)                  # opens the browser, waits for the redirect
    terminal.connect("kite", env="live", access_token=result.access_token, confirm_live=True)

1. ``login_url`` (``https://kite.zerodha.com/connect/login?api_key=K&v=3``, or a paper server's page) is opened
   with ``open_browser`` (default ``webbrowser.open``; scripts pass ``follow_redirects``, which fetches it with
   ``requests`` and follows the redirect itself: the paper server's page logs in at once with ``autologin=1``).
2. A one-shot HTTP listener on 127.0.0.1, at the port of the redirect URL registered for the app, takes the
   browser's ``GET /?request_token=...&status=success``, answers a "you can close this tab" page and closes. It gives
   up after ``timeout_s`` (``LoginTimeout``); a redirect without a token or with a status other than success is an
   ``AuthError``.
3. The request token is exchanged at ``POST /session/token`` with checksum SHA-256(api_key + request_token +
   api_secret). The access token and its expiry are stored in the keyring (``storage.secrets.save_session_token``,
   per provider and environment) unless ``store`` is False; ``stored_token`` reads it back while it is valid.
"""
from __future__ import annotations

import asyncio
import logging
import webbrowser
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any, Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from ...storage import secrets
from ..ports import AuthError, VenueError
from .info import LIVE_LOGIN, LIVE_ROOT, NAME
from .rest import KiteRest

log = logging.getLogger(__name__)
IST = timezone(timedelta(hours=5, minutes=30))
DEFAULT_REDIRECT = "http://127.0.0.1:5000/"
_PAGE = ("<!doctype html><html><head><meta charset='utf-8'><title>Trading terminal</title></head><body>"
         "<h2>{title}</h2><p>{text}</p></body></html>")


class LoginTimeout(AuthError):
    """No redirect arrived in time."""


@dataclass(frozen=True)
class LoginResult:
    access_token: str
    expires_ms: int
    user_id: str = ""

    def __repr__(self) -> str:
        return f"LoginResult(access_token='****', expires_ms={self.expires_ms}, user_id={self.user_id!r})"


def expiry_ms(now: datetime | None = None) -> int:
    """Kite's tokens lapse at 06:00 IST: the next 06:00 IST after ``now``."""
    local = (now or datetime.now(timezone.utc)).astimezone(IST)
    six = datetime.combine(local.date(), time(6, 0), IST)
    if local >= six:
        six += timedelta(days=1)
    return int(six.timestamp() * 1000)


def login_url(api_key: str, base: str = LIVE_LOGIN, **extra: str) -> str:
    return f"{base}?{urlencode({'api_key': api_key, 'v': '3', **extra})}"


class RedirectListener:
    """A one-shot HTTP listener for the login redirect (see the module)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5000, path: str = "/") -> None:
        self.host, self.port, self.path = host, port, path or "/"
        self._server: asyncio.AbstractServer | None = None
        self._result: asyncio.Future[dict[str, str]] | None = None

    @classmethod
    async def open(cls, redirect_url: str = DEFAULT_REDIRECT) -> "RedirectListener":
        parts = urlsplit(redirect_url)
        listener = cls(parts.hostname or "127.0.0.1", parts.port or 80, parts.path)
        await listener.start()
        return listener

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.path}"

    async def start(self) -> None:
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def wait(self, timeout_s: float) -> dict[str, str]:
        """The redirect's query parameters. LoginTimeout after ``timeout_s``."""
        assert self._result is not None, "start() first"
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), timeout_s)
        except asyncio.TimeoutError:
            raise LoginTimeout(f"no login redirect reached {self.url} within {timeout_s:.0f}s") from None
        finally:
            await self.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
            query = {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
            ok = bool(query.get("request_token"))
            title = "Logged in" if ok else "Login failed"
            text = ("You can close this tab and go back to the trading terminal." if ok
                    else "The login did not complete; try again from the trading terminal.")
            body = _PAGE.format(title=title, text=text).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
                         + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            await writer.drain()
            if self._result is not None and not self._result.done() and ("request_token" in query
                                                                          or "status" in query):
                self._result.set_result(query)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, IndexError,
                ConnectionError):
            pass  # a stray connection (a browser's favicon or pre-connect): keep waiting for the redirect
        finally:
            writer.close()


def follow_redirects(url: str) -> None:
    """The "browser" of a script or test: fetch the login page and follow its redirects with ``requests`` (the
    paper server's page logs in at once with ``autologin=1``)."""
    sep = "&" if "?" in url else "?"
    requests.get(f"{url}{sep}autologin=1", timeout=30, allow_redirects=True)


async def login(api_key: str, api_secret: str, *, root: str = LIVE_ROOT, login_base: str = LIVE_LOGIN,
                redirect_url: str = DEFAULT_REDIRECT, listener: RedirectListener | None = None,
                open_browser: Callable[[str], Any] | None = None, timeout_s: float = 300.0,
                store: str | None = None) -> LoginResult:
    """The whole login (see the module). ``store``: the environment name to keep the token under in the keyring
    (None: not stored). Raises AuthError (LoginTimeout, refused exchange) or TemporaryError."""
    listener = listener or await RedirectListener.open(redirect_url)
    url = login_url(api_key, login_base)
    opener = open_browser or webbrowser.open
    loop = asyncio.get_running_loop()
    opened = loop.run_in_executor(None, opener, url)  # a real browser returns at once; requests follows the redirect
    try:
        query = await listener.wait(timeout_s)
    finally:
        try:
            await opened
        except Exception as exc:  # noqa: BLE001 - the redirect decides, not the opener
            log.info("opening the login page failed (%s)", type(exc).__name__)
    if query.get("status", "success") != "success" or not query.get("request_token"):
        raise AuthError(f"Kite login did not succeed (status {query.get('status', 'unknown')})")
    rest = KiteRest(root, api_key)
    try:
        data = await rest.generate_session(query["request_token"], api_secret)
    finally:
        await rest.close()
    result = LoginResult(str(data["access_token"]), expiry_ms(), str(data.get("user_id") or ""))
    if store:
        try:
            secrets.save_session_token(NAME, store, result.access_token, result.expires_ms)
        except secrets.SecretsUnavailable as exc:
            log.warning("the access token was not stored: %s", exc)
    return result


def stored_token(environment: str, now_ms: int | None = None) -> str | None:
    """The access token kept for ``environment`` while it has not expired (None otherwise or without a keyring)."""
    try:
        return secrets.load_session_token(NAME, environment, now_ms)
    except (secrets.SecretsUnavailable, VenueError):
        return None

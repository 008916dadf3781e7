"""Login and session routes: the local login page (``/connect/login?api_key=...&v=3``: a form "Log in as paper user";
submitting it, or ``&autologin=1``, redirects 302 to the app's registered redirect URL with ``request_token``,
``action=login``, ``type=login``, ``status=success`` and any ``redirect_params``), ``POST /session/token`` (request
token + checksum -> access token and profile), ``DELETE /session/token`` (logout), ``/user/profile``.
"""
from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import web

from .auth import USER_ID, USER_NAME, Auth, Session, ist_text
from .envelope import KiteError, input_error, success

SESSION = web.RequestKey("session", Session)
EXCHANGES = ["NSE", "NFO", "BFO", "CDS", "BSE", "MCX", "BCD", "MF"]
PRODUCTS = ["CNC", "NRML", "MIS", "BO", "CO"]
ORDER_TYPES = ["MARKET", "LIMIT", "SL", "SL-M"]

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Kite paper login</title></head>
<body style="font-family: sans-serif; max-width: 28em; margin: 4em auto">
<h1>Kite paper server</h1>
<p>App <code>{api_key}</code> asks to log in. This is a local paper-trading server: no real account, no real money.</p>
<form method="post" action="/connect/login">
<input type="hidden" name="api_key" value="{api_key}">
<input type="hidden" name="redirect_params" value="{redirect_params}">
<button type="submit">Log in as paper user</button>
</form></body></html>
"""


def profile(session: Session | None = None) -> dict[str, Any]:
    return {"user_id": USER_ID, "user_type": "individual", "email": "paper@example.invalid", "user_name": USER_NAME,
            "user_shortname": "Paper", "broker": "ZERODHA", "exchanges": EXCHANGES, "products": PRODUCTS,
            "order_types": ORDER_TYPES, "avatar_url": None, "meta": {"demat_consent": "physical"}}


def _page_error(message: str, status: int = 400) -> web.Response:
    return web.Response(text=f"<!doctype html><title>Login failed</title><p>{html.escape(message)}</p>",
                        status=status, content_type="text/html")


class Login:
    def __init__(self, auth: Auth) -> None:
        self.auth = auth

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/connect/login", self.page), web.post("/connect/login", self.submit),
                web.post("/session/token", self.token), web.delete("/session/token", self.logout),
                web.get("/user/profile", self.profile)]

    async def page(self, request: web.Request) -> web.Response:
        api_key = request.query.get("api_key", "")
        if api_key not in self.auth.apps:
            return _page_error("Invalid `api_key`.")
        params = request.query.get("redirect_params", "")
        if request.query.get("autologin") in ("1", "true", "True"):
            return self._redirect(api_key, params)
        return web.Response(text=PAGE.format(api_key=html.escape(api_key), redirect_params=html.escape(params)),
                            content_type="text/html")

    async def submit(self, request: web.Request) -> web.Response:
        form = await request.post()
        api_key = str(form.get("api_key", ""))
        if api_key not in self.auth.apps:
            return _page_error("Invalid `api_key`.")
        return self._redirect(api_key, str(form.get("redirect_params", "")))

    def _redirect(self, api_key: str, redirect_params: str) -> web.Response:
        app = self.auth.app(api_key)
        token = self.auth.issue_request_token(api_key)
        parts = urlsplit(app.redirect_url)
        query = parse_qsl(parts.query) + parse_qsl(redirect_params)
        query += [("action", "login"), ("type", "login"), ("status", "success"), ("request_token", token)]
        location = urlunsplit(parts._replace(query=urlencode(query)))
        raise web.HTTPFound(location)

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        session = self.auth.exchange(str(form.get("api_key", "")), str(form.get("request_token", "")),
                                     str(form.get("checksum", "")))
        data = profile(session)
        data.update({"api_key": session.api_key, "access_token": session.access_token,
                     "public_token": session.public_token, "enctoken": "", "refresh_token": "", "silo": "",
                     "login_time": ist_text(session.login_ms)})
        return success(data)

    async def logout(self, request: web.Request) -> web.Response:
        api_key, token = request.query.get("api_key", ""), request.query.get("access_token", "")
        if not api_key or not token:
            raise input_error("Missing `api_key` or `access_token`.")
        self.auth.invalidate(api_key, token)
        return success(True)

    async def profile(self, request: web.Request) -> web.Response:
        return success(profile(request[SESSION]))


__all__ = ["KiteError", "Login", "profile"]

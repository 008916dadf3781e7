"""The window's side of a daily login (Kite): when connecting a provider says its login is missing or expired
(``SessionExpired``), its keys (argument, environment variables, keyring) go to the adapter's login helper
(``registry.login_helper``) behind the non-modal "Waiting for the login in your browser…" dialog; the access token
it returns connects the venue. The built-in paper servers never come here: they log their test app in themselves.
"""
from __future__ import annotations

import logging
from typing import Any

from ..session.connecting import credentials_for
from ..venues import registry
from .dialogs.browser_login import browser_login

log = logging.getLogger(__name__)


def needs_browser_login(provider: str, env: str | None) -> bool:
    info = registry.info(provider)
    spec = info.environment(env or registry.default_environment(info))
    return bool(info.credentials.daily_login) and not spec.in_process and registry.login_helper(provider) is not None


async def log_in(window: Any, provider: str, env: str | None, **helper_options: Any) -> str | None:
    """The access token of a browser login for ``provider``/``env``; None when cancelled or without keys (said in
    the status bar). A refused login raises the helper's AuthError."""
    info = registry.info(provider)
    spec = info.environment(env or registry.default_environment(info))
    helper = registry.login_helper(provider)
    if helper is None:
        return None
    creds, _source, problem = credentials_for(info, spec)
    if not creds or not creds.get("api_key") or not creds.get("api_secret"):
        window.status.showMessage(f"Cannot log in to {info.title}: {problem or 'no API key and secret'}", 15000)
        return None

    async def run(opener: Any) -> Any:
        return await helper(creds["api_key"], creds["api_secret"], open_browser=opener, store=spec.name,
                            **helper_options)
    result = await browser_login(window, info.title, run, **({"open_browser": window.open_browser}
                                                           if hasattr(window, "open_browser") else {}))
    if result is None:
        window.status.showMessage(f"{info.title}: login cancelled, not connected.", 8000)
        return None
    log.info("logged in to %s (%s)", info.title, spec.name)
    return str(result.access_token)

"""The registry's factory for the Kite adapter: URLs and credentials for one environment -> an un-started venue.

``sandbox``: the registry passes the paper server's ``root``, ``ticker_url`` and ``login_url`` and its built-in
credentials (with a ready access token). ``live``: Zerodha's URLs; the access token comes from the ``access_token``
argument (``terminal.connect("kite", env="live", access_token=..., confirm_live=True)``), the credentials (argument,
``KITE_ACCESS_TOKEN``, keyring field), or the token the last login stored in the keyring while it is valid. Without
one, ``start()`` raises ``SessionExpired`` ("log in").
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ...bus import Bus
from ...storage.settings import data_dir
from .info import INFO, LIVE_LOGIN, LIVE_ROOT, LIVE_TICKER
from .login import stored_token
from .venue import KiteVenue


def create(environment: str = "sandbox", *, bus: Bus | None = None, credentials: Mapping[str, str] | None = None,
           access_token: str | None = None, root: str | None = None, ticker_url: str | None = None,
           login_url: str | None = None, cache_dir: str | Path | None = None, **options: Any) -> KiteVenue:
    env = INFO.environment(environment).name
    creds = dict(credentials or {})
    api_key = creds.get("api_key") or ""
    token = access_token or creds.get("access_token") or (stored_token(env) if env != "sandbox" else None)
    if env == "sandbox" and not root:
        raise ValueError("Kite sandbox: the paper server's root is needed (terminal.connect('kite') starts one)")
    if env != "sandbox" and cache_dir is None:
        cache_dir = data_dir()  # the dump is downloaded once a day and kept beside the history cache
    return KiteVenue(env, root=root or LIVE_ROOT, ticker_url=ticker_url or LIVE_TICKER,
                     login_url=login_url or LIVE_LOGIN, api_key=api_key, access_token=token,
                     api_secret=creds.get("api_secret"), bus=bus, cache_dir=cache_dir, **options)

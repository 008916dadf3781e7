"""``connect()``: pick the venue's endpoints and credentials for an environment and build a Session."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .bus import Bus
from .model import Environment
from .model.numbers import InvalidArgument, describe
from .risk.checks import RiskLimits
from .storage import redaction, secrets
from .storage.journal import Journal
from .storage.secrets import Credentials, KeyType, SecretsUnavailable
from .storage.settings import data_dir as default_data_dir
from .venues import registry

if TYPE_CHECKING:
    from .session import Session

log = logging.getLogger(__name__)


def _environment(value: Environment | str) -> Environment:
    if isinstance(value, Environment):
        return value
    if isinstance(value, str):
        for env in Environment:
            if env.value == value.strip().lower():
                return env
    raise InvalidArgument(f"environment: unknown environment {describe(value)}; use 'sandbox', 'testnet' or 'live'",
                          "environment")


def _text(value: object, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidArgument(f"{name}: expected text, got {type(value).__name__}", name)
    return value


def _credentials(env: Environment, api_key: str | None, api_secret: str | None, credentials: Credentials | None,
                 server: Any) -> tuple[Credentials | None, str]:
    """(credentials or None, why there are none)."""
    if credentials is not None:
        return credentials, ""
    api_key, api_secret = _text(api_key, "api_key"), _text(api_secret, "api_secret")
    if api_key or api_secret:
        if not (api_key and api_secret):
            raise InvalidArgument("api_key/api_secret: pass both (or neither)", "api_secret" if api_key else "api_key")
        kind = KeyType.ED25519 if "PRIVATE KEY" in api_secret else KeyType.HMAC
        return Credentials(api_key, api_secret, kind), ""
    if env is Environment.SANDBOX:
        if server is not None:
            return Credentials(server.default_api_key, server.default_api_secret), ""
        from .venues.sandbox.accounts import DEFAULT_API_KEY, DEFAULT_API_SECRET
        return Credentials(DEFAULT_API_KEY, DEFAULT_API_SECRET), ""
    try:
        stored = secrets.load_credentials(env)
    except SecretsUnavailable as exc:
        return None, f"no API keys for {env.value}: {exc}"
    if stored is None:
        return None, f"no API keys for {env.value}: add them in Accounts"
    return stored, ""


def _journal(env: Environment, data_dir: str | Path | None, embedded: bool) -> Journal:
    """On disk for testnet/live (default: the user data dir). The embedded sandbox is a new exchange every run (its
    order and trade ids start again), so its journal lives in memory; an external sandbox (``sandbox_url``) gets a
    file only when a data_dir is given."""
    if env is Environment.SANDBOX:
        if embedded or data_dir is None:
            return Journal(":memory:")
        return Journal(Path(data_dir) / "journal-sandbox.sqlite3")
    base = Path(data_dir) if data_dir is not None else default_data_dir()
    return Journal(base / f"journal-{env.value}.sqlite3")


async def connect(environment: Environment | str = "sandbox", *, api_key: str | None = None,
                  api_secret: str | None = None, credentials: Credentials | None = None,
                  sandbox_url: str | None = None, data_dir: str | Path | None = None, confirm_live: bool = False,
                  bus: Bus | None = None, risk_limits: RiskLimits | None = None, **options: Any) -> "Session":
    """Connect to ``environment`` and return a started Session.

    paper: the paper equity venue from the provider registry (simulated, no network, no keys; a new exchange and an
    in-memory journal every time); ``options`` go to its factory (e.g. ``always_open=True``).

    sandbox (default): starts an embedded sandbox exchange unless ``sandbox_url`` is given; uses its default keys.
    testnet / live: keys from the system keyring (Accounts) unless passed; without keys only market data works.
    live needs ``confirm_live=True``.
    """
    from .session import Session
    from .venues.binance.signing import Ed25519Signer, HmacSigner
    from .venues.binance.urls import endpoints
    from .venues.binance.venue import BinanceVenue

    if isinstance(environment, str) and environment.strip().lower() in registry.ADAPTERS:
        return await _connect_registered(environment.strip().lower(), bus=bus, risk_limits=risk_limits, **options)
    if options:
        raise InvalidArgument(f"unexpected keyword argument(s): {', '.join(sorted(options))}", sorted(options)[0])
    env = _environment(environment)
    _text(sandbox_url, "sandbox_url")
    if env is Environment.LIVE and confirm_live is not True:
        raise InvalidArgument("confirm_live: live trading uses real money: pass confirm_live=True to connect to it",
                              "confirm_live")
    loop = asyncio.get_running_loop()
    server = None
    if env is Environment.SANDBOX and not sandbox_url:
        from .venues.sandbox import SandboxServer
        server = SandboxServer(host="127.0.0.1", port=0)
        await loop.run_in_executor(None, server.start)
        sandbox_url = server.url
    venue = None
    try:
        creds, problem = _credentials(env, api_key, api_secret, credentials, server)
        redaction.install()
        if creds is not None:
            redaction.register(creds.api_key, creds.secret)
        signer = None
        if creds is not None:
            signer = Ed25519Signer(creds.secret) if creds.key_type is KeyType.ED25519 else HmacSigner(creds.secret)
        ep = endpoints(env, sandbox_url)
        venue = BinanceVenue(env, ep.rest, ep.ws, ep.ws_api, api_key=creds.api_key if creds else None,
                             signer=signer, bus=Bus())
        await venue.start()
        instruments = await venue.instruments()
        journal = _journal(env, data_dir, embedded=server is not None)
        session = Session(env, venue, journal, instruments, bus=bus, has_keys=creds is not None,
                          keys_problem=problem, server=server, limits=risk_limits)
        await session._start()
        return session
    except BaseException:
        if venue is not None:
            await venue.close()
        if server is not None:
            await loop.run_in_executor(None, server.stop)
        raise


async def _connect_registered(name: str, *, bus: Bus | None, risk_limits: RiskLimits | None,
                              **options: Any) -> "Session":
    """A started Session on a registry adapter that needs no credentials (today: ``paper``). The session is labelled
    SANDBOX (not real money) until environments come from the adapters' EnvironmentSpec (issue 11, part A)."""
    from .session import Session

    venue = registry.create(name, bus=Bus(), **options)
    try:
        await venue.start()
        instruments = await venue.instruments()
        session = Session(Environment.SANDBOX, venue, Journal(":memory:"), instruments, bus=bus, has_keys=True,
                          limits=risk_limits)
        await session._start()
        return session
    except BaseException:
        await venue.close()
        raise

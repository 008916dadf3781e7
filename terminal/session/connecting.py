"""``connect()``: find the provider in the registry, choose its credentials, open the venue and build a Session."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Mapping

from ..bus import Bus
from ..market.history_cache import HistoryCache, cache_path
from ..model import Environment
from ..model.numbers import InvalidArgument, describe
from ..risk.checks import RiskLimits
from ..storage import redaction, secrets
from ..storage.audit import AuditLog
from .keycheck import check_key
from ..storage.journal import Journal
from ..storage.secrets import Credentials, SecretsUnavailable
from ..storage.settings import data_dir as default_data_dir
from ..venues import registry
from ..venues.ports import AdapterInfo, CredentialSpec, EnvironmentSpec
from .facade import Session

#: where credentials came from (``Session.credentials_source``); environment variables are used for the run only
ARGUMENTS, ENVIRONMENT, KEYRING, BUILT_IN = "arguments", "environment", "keyring", "built-in"


def _text(value: object, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidArgument(f"{name}: expected text, got {type(value).__name__}", name)
    return value


def _target(environment: Environment | str, env: Environment | str | None) -> tuple[str, str]:
    """(provider, environment name) from ``connect``'s first argument and ``env``."""
    if isinstance(environment, Environment):
        environment = environment.value
    if isinstance(env, Environment):
        env = env.value
    if not isinstance(environment, str):
        raise InvalidArgument(f"environment: expected a provider ({', '.join(registry.names())}) or an environment "
                              f"name such as 'sandbox', got {describe(environment)}", "environment")
    if env is not None and not isinstance(env, str):
        raise InvalidArgument(f"env: expected an environment name, got {describe(env)}", "env")
    try:
        return registry.resolve(environment, env)
    except ValueError as exc:
        argument = "env" if env is not None and environment.strip().lower() in registry.ADAPTERS else "environment"
        raise InvalidArgument(f"{argument}: {exc}; use 'sandbox', 'testnet' or 'live' (Binance), or a provider",
                              argument) from None


def _explicit(spec: CredentialSpec, api_key: str | None, api_secret: str | None,
              credentials: Credentials | Mapping[str, str] | None) -> dict[str, str] | None:
    if credentials is not None:
        if isinstance(credentials, Credentials):
            return {"api_key": credentials.api_key, "api_secret": credentials.secret,
                    "key_type": credentials.key_type.value}
        if isinstance(credentials, Mapping) and all(isinstance(v, str) for v in credentials.values()):
            known = {f.name for f in spec.fields} | {"key_type"}
            unknown = sorted(set(credentials) - known)
            if unknown:
                raise InvalidArgument(f"credentials: unknown field(s) {', '.join(unknown)}; this provider takes "
                                      f"{', '.join(sorted(known - {'key_type'})) or 'none'}", "credentials")
            return dict(credentials)
        raise InvalidArgument(f"credentials: expected Credentials or a mapping of texts, got "
                              f"{type(credentials).__name__}", "credentials")
    api_key, api_secret = _text(api_key, "api_key"), _text(api_secret, "api_secret")
    if api_key or api_secret:
        if not (api_key and api_secret):
            raise InvalidArgument("api_key/api_secret: pass both (or neither)", "api_secret" if api_key else "api_key")
        if {"api_key", "api_secret"} - {f.name for f in spec.fields}:
            raise InvalidArgument("api_key/api_secret: this provider takes no API key pair", "api_key")
        return {"api_key": api_key, "api_secret": api_secret}
    return None


def credentials_for(adapter: AdapterInfo, env: EnvironmentSpec, *, api_key: str | None = None,
                    api_secret: str | None = None, credentials: Credentials | Mapping[str, str] | None = None,
                    environ: Mapping[str, str] | None = None) -> tuple[dict[str, str] | None, str | None, str]:
    """``(values, source, problem)``: the credentials for ``env`` of ``adapter`` and where they came from, in this
    order: the arguments; none needed (the environment brings its own, e.g. the sandbox's test keys); the
    environment variables of the adapter's CredentialSpec (used for this run, never stored); the keyring. Without
    any, ``problem`` says why in words."""
    explicit = _explicit(adapter.credentials, api_key, api_secret, credentials)
    if explicit is not None:
        return explicit, ARGUMENTS, ""
    if not env.needs_credentials or not adapter.credentials.fields:
        return None, (BUILT_IN if adapter.credentials.fields else None), ""
    from_env = adapter.credentials.from_environment(os.environ if environ is None else environ)
    if from_env is not None:
        return from_env, ENVIRONMENT, ""
    where = env.name if adapter.name == registry.DEFAULT else f"{adapter.name} {env.name}"
    try:  # the keyring holds each provider's CredentialSpec fields per environment
        stored = secrets.load_fields(adapter.name, env.name)
    except SecretsUnavailable as exc:
        return None, None, f"no API keys for {where}: {exc}"
    required = [f.name for f in adapter.credentials.fields if not f.optional]
    if stored is None or not all(stored.get(n) for n in required):
        return None, None, f"no API keys for {where}: add them in Accounts"
    known = {f.name for f in adapter.credentials.fields} | {"key_type"}
    return {k: v for k, v in stored.items() if k in known}, KEYRING, ""


def _env_vars(spec: CredentialSpec) -> str:
    return " and ".join(f.env_var for f in spec.fields if f.env_var and not f.optional) or "its credentials"


def _journal(provider: str, env: str, data_dir: str | Path | None, fresh: bool) -> Journal:
    """On disk (default: the user data dir), one file per provider and environment. An exchange created for this run
    (the embedded sandbox, the paper venue) starts its order and trade ids again every time, so its journal lives in
    memory; an external sandbox gets a file only when a data_dir is given."""
    if fresh or (env == "sandbox" and data_dir is None):
        return Journal(":memory:")
    base = Path(data_dir) if data_dir is not None else default_data_dir()
    name = env if provider == registry.DEFAULT else f"{provider}-{env}"
    return Journal(base / f"journal-{name}.sqlite3")


def _history_cache(provider: str, env: str, data_dir: str | Path | None, fresh: bool,
                   cache: HistoryCache | bool) -> HistoryCache | None:
    """The kline cache: the one given, none (False), or one per provider and environment beside the journal (in
    memory when the journal is: an exchange created for this run has a history of its own)."""
    if isinstance(cache, HistoryCache) or cache is False:
        return cache or None
    if fresh or (env == "sandbox" and data_dir is None):
        return HistoryCache(":memory:")
    return HistoryCache(cache_path(provider, env, data_dir if data_dir is not None else default_data_dir()))


def _alerts_path(provider: str, env: str, data_dir: str | Path | None, fresh: bool) -> Path | None:
    """Where the session's alerts are kept (none for an in-process exchange without a data_dir: the window then
    keeps them in its own folder, see AlertBook.use_file)."""
    if fresh or (env == "sandbox" and data_dir is None):
        return None
    base = Path(data_dir) if data_dir is not None else default_data_dir()
    return base / f"alerts-{provider}-{env}.json"


def _audit(provider: str, env: str, data_dir: str | Path | None, fresh: bool) -> tuple[AuditLog, Path | None]:
    """The audit trail and the risk engine's day state, beside the journal (in memory when the journal is)."""
    name = env if provider == registry.DEFAULT else f"{provider}-{env}"
    if fresh or (env == "sandbox" and data_dir is None):
        return AuditLog(None, name), None
    base = Path(data_dir) if data_dir is not None else default_data_dir()
    return AuditLog.for_environment(name, base), base / f"risk-{name}.json"


def _kind(spec: EnvironmentSpec) -> Environment:
    """The money class of an environment, as the window shows it (LIVE in red)."""
    if spec.live:
        return Environment.LIVE
    return Environment.TESTNET if spec.name == Environment.TESTNET.value else Environment.SANDBOX


async def connect(environment: Environment | str = "sandbox", *, env: Environment | str | None = None,
                  api_key: str | None = None, api_secret: str | None = None,
                  credentials: Credentials | Mapping[str, str] | None = None, sandbox_url: str | None = None,
                  data_dir: str | Path | None = None, confirm_live: bool = False, bus: Bus | None = None,
                  risk_limits: RiskLimits | None = None, history_cache: HistoryCache | bool = True,
                  **options: Any) -> Session:
    """Connect and return a started Session.

    ``environment`` is a provider from the registry (``"binance"``, ``"paper"``; ``env=`` picks its environment,
    else its default, never a live one) or one of Binance's environments alone:

    sandbox (default): Binance against an embedded sandbox exchange (or the one at ``sandbox_url``), its test keys.
    testnet / live: keys from the arguments, else from ``BINANCE_API_KEY``/``BINANCE_SECRET_KEY`` (this run only,
    never stored), else from the system keyring (Accounts); without keys only market data works.
    paper: simulated US equities in this process (no network, no keys); ``options`` go to its factory
    (e.g. ``always_open=True``).

    A live environment needs ``confirm_live=True``. Closed klines are read through ``history_cache`` (by default
    a cache per provider and environment in the data dir; False: none).
    """
    provider, env_name = _target(environment, env)
    _text(sandbox_url, "sandbox_url")
    adapter = registry.info(provider)
    spec = adapter.environment(env_name)
    if spec.live and confirm_live is not True:
        raise InvalidArgument("confirm_live: live trading uses real money: pass confirm_live=True to connect to it",
                              "confirm_live")
    creds, source, problem = credentials_for(adapter, spec, api_key=api_key, api_secret=api_secret,
                                             credentials=credentials)
    redaction.install()
    for value in (creds or {}).values():
        redaction.register(value)
    if sandbox_url is not None:
        options["sandbox_url"] = sandbox_url
    try:
        opened = await registry.open(provider, env_name, bus=Bus(), credentials=creds, confirm_live=confirm_live,
                                     **options)
    except TypeError as exc:  # an option this adapter does not take (nothing was started)
        if "unexpected keyword argument" not in str(exc):
            raise
        name = re.search(r"'(\w+)'", str(exc))
        raise InvalidArgument(f"{adapter.title}: {exc}", name.group(1) if name else "options") from None
    for value in opened.credentials.values():
        redaction.register(value)
    try:
        instruments = await opened.venue.instruments()
        journal = _journal(provider, env_name, data_dir, opened.fresh)
        audit, risk_state = _audit(provider, env_name, data_dir, opened.fresh)
        has_keys = bool(opened.credentials) or not adapter.credentials.fields
        session = Session(_kind(spec), opened.venue, journal, instruments, bus=bus, has_keys=has_keys,
                          keys_problem="" if has_keys else problem, server=opened.server, limits=risk_limits,
                          provider=provider, env=env_name,
                          credentials_source=BUILT_IN if opened.builtin_credentials else source, audit=audit,
                          risk_state=risk_state, alerts_path=_alerts_path(provider, env_name, data_dir, opened.fresh),
                          history_cache=_history_cache(provider, env_name, data_dir, opened.fresh, history_cache))
        await session._start()
        await check_key(session)  # key hygiene: what the key may do, said in red when it is too much
        return session
    except BaseException:
        await opened.close()
        raise

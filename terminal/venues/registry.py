"""The provider registry: adapter name -> factory. The ONLY module that imports concrete adapters.

Each entry imports its adapter package when first used (connecting to one provider never imports the others) and
returns ``(info, factory)``: the adapter's ``AdapterInfo`` (environments, credentials, capabilities) and a factory
``factory(environment, *, bus=..., **options) -> Venue`` that builds an un-started venue (the caller awaits
``start()`` and, in the end, ``close()``). ``open()`` builds and starts one, with what a connection needs around it.

Registered: ``binance`` (environments ``sandbox``, ``testnet``, ``live``) and ``paper`` (simulated US equities, no
network). Binance's ``sandbox`` is the Binance adapter against the sandbox exchange: embedded in this process (started
here, with its built-in test keys) unless ``sandbox_url`` names a running one. For the default provider the names of
its environments are accepted alone (``"sandbox"``, ``"testnet"``, ``"live"``).

To add a provider: one folder ``venues/<name>/`` exporting ``INFO`` and ``create``, and one line in ``ADAPTERS``.
"""
from __future__ import annotations

import asyncio
import inspect
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from ..bus import Bus
from .ports import AdapterInfo, Venue

Factory = Callable[..., Venue]

#: the provider whose environment names may be given alone (``connect("testnet")``)
DEFAULT = "binance"


def _binance() -> tuple[AdapterInfo, Factory]:
    from . import binance  # its INFO only: the adapter itself is imported when a venue is created

    return binance.INFO, _binance_create


def _binance_create(environment: str = "sandbox", **options: Any) -> Venue:
    from .binance import create

    return create(environment, **options)


def _paper() -> tuple[AdapterInfo, Factory]:
    from . import paper

    return paper.INFO, paper.create


def _ib() -> tuple[AdapterInfo, Factory]:
    from . import ib

    return ib.INFO, ib.create


def _finnhub() -> tuple[AdapterInfo, Factory]:
    from . import finnhub

    return finnhub.INFO, finnhub.create


def _kite() -> tuple[AdapterInfo, Factory]:
    from . import kite

    return kite.INFO, kite.create


def _truedata() -> tuple[AdapterInfo, Factory]:
    from . import truedata

    return truedata.INFO, truedata.create


#: name -> loader of (info, factory)
ADAPTERS: dict[str, Callable[[], tuple[AdapterInfo, Factory]]] = {
    "binance": _binance,
    "paper": _paper,
    "kite": _kite,
    "truedata": _truedata,
    "finnhub": _finnhub,
    "ib": _ib,
}


def names() -> list[str]:
    return sorted(ADAPTERS)


def _entry(name: str) -> tuple[AdapterInfo, Factory]:
    loader = ADAPTERS.get(name.strip().lower()) if isinstance(name, str) else None
    if loader is None:
        raise ValueError(f"unknown provider {name!r}; registered: {', '.join(names())}")
    return loader()


def info(name: str) -> AdapterInfo:
    return _entry(name)[0]


def login_helper(name: str) -> Callable[..., Any] | None:
    """The browser login of a provider with a daily login (``CredentialSpec.daily_login``): ``await helper(api_key,
    api_secret, *, open_browser=..., store=environment)`` returns an object with ``access_token`` (Kite's
    ``terminal.venues.kite.login.login``); None for the others."""
    if name == "kite":
        from .kite.login import login
        return login
    return None


def default_environment(adapter: AdapterInfo) -> str:
    """The adapter's default environment (never a live one)."""
    defaults = [e for e in adapter.environments if e.default and not e.live]
    if not defaults:
        raise ValueError(f"{adapter.title} has no default environment; name one of: "
                         f"{', '.join(e.name for e in adapter.environments)}")
    return defaults[0].name


def resolve(name: str, environment: str | None = None) -> tuple[str, str]:
    """``(provider, environment)`` for a provider name (its default environment unless one is named) or, alone, the
    name of one of the default provider's environments. ValueError for anything unknown."""
    if not isinstance(name, str):
        raise ValueError(f"expected a provider name, got {type(name).__name__}")
    key = name.strip().lower()
    if key not in ADAPTERS:
        default = info(DEFAULT)
        if key in {e.name for e in default.environments}:
            if environment is not None and environment.strip().lower() != key:
                raise ValueError(f"{name!r} is an environment of {DEFAULT}; it cannot be combined with "
                                 f"env={environment!r}")
            return DEFAULT, key
        raise ValueError(f"unknown provider or environment {name!r}; providers: {', '.join(names())}; "
                         f"{DEFAULT} environments: {', '.join(e.name for e in default.environments)}")
    adapter = info(key)
    env = default_environment(adapter) if environment is None else environment.strip().lower()
    adapter.environment(env)  # ValueError naming the known ones
    return key, env


def create(name: str, environment: str | None = None, *, bus: Bus | None = None, **options: Any) -> Venue:
    """An un-started venue of provider ``name`` in ``environment`` (default: the adapter's default environment,
    never a live one)."""
    adapter, factory = _entry(name)
    if environment is None:
        environment = default_environment(adapter)
    adapter.environment(environment)  # ValueError for an unknown one
    return factory(environment, bus=bus, **options)


@dataclass
class Opened:
    """A started venue and what was started or chosen for it."""

    venue: Venue
    provider: str
    environment: str
    #: a loopback exchange started for this connection (the embedded sandbox); stop it after closing the venue
    server: Any = None
    #: the exchange was created for this connection (its ids start again every run)
    fresh: bool = False
    #: the credentials the venue was built with (for redaction in logs), and whether they were the built-in test keys
    credentials: Mapping[str, str] = field(default_factory=dict)
    builtin_credentials: bool = False

    async def close(self) -> None:
        try:
            await self.venue.close()
        finally:
            if self.server is not None:
                await asyncio.get_running_loop().run_in_executor(None, self.server.stop)


async def open(name: str, environment: str | None = None, *, bus: Bus | None = None,  # noqa: A001
               credentials: Mapping[str, str] | None = None, confirm_live: bool = False,
               **options: Any) -> Opened:
    """Build and start a venue. A live environment needs ``confirm_live=True``. ``credentials`` are the adapter's
    CredentialSpec fields (the Binance sandbox uses its built-in test keys without them)."""
    provider, env = resolve(name, environment)
    adapter = info(provider)
    spec = adapter.environment(env)
    if spec.live and confirm_live is not True:
        raise ValueError(f"{adapter.title} {env} uses real money: pass confirm_live=True to connect to it")
    if provider == "binance" and env == "sandbox":
        return await _open_binance_sandbox(bus, credentials, **options)
    if env == "sandbox" and provider in SERVERS:
        return await _open_embedded(provider, bus, credentials, **options)
    if credentials:
        options["credentials"] = credentials
    venue = create(provider, env, bus=bus, **options)
    await _start(venue)
    return Opened(venue, provider, env, fresh=spec.in_process, credentials=dict(credentials or {}))


#: providers whose ``sandbox`` environment is their paper server (``terminal/servers/<name>``) started in this
#: process for the connection. A server package exports ``PaperServer(host, port, *, always_open=False)`` with
#: ``start()``/``stop()`` (blocking; it runs on its own thread), ``builtin_credentials()`` (what the adapter needs to
#: log in to it) and ``adapter_options()`` (how the adapter reaches it: host/port or a URL, as its factory takes them).
SERVERS: dict[str, Callable[[], Any]] = {
    "truedata": lambda: __import__("terminal.servers.truedata", fromlist=["PaperServer"]),
    "finnhub": lambda: __import__("terminal.servers.finnhub", fromlist=["PaperServer"]),
    "kite": lambda: __import__("terminal.servers.kite", fromlist=["PaperServer"]),
    "ib": lambda: __import__("terminal.servers.ib", fromlist=["PaperServer"]),
}


def _server_module(provider: str) -> Any:
    return SERVERS[provider]()


async def _open_embedded(provider: str, bus: Bus | None, credentials: Mapping[str, str] | None, *,
                         always_open: bool = False, **options: Any) -> Opened:
    """The adapter against its paper server, started in this process on 127.0.0.1 (a free port); without
    credentials, the server's built-in ones. ``always_open`` lifts the server's market hours (demos, tests)."""
    server_module = _server_module(provider)
    loop = asyncio.get_running_loop()
    server = server_module.PaperServer(host="127.0.0.1", port=0, always_open=always_open)
    await loop.run_in_executor(None, server.start)
    builtin = not credentials
    creds = dict(server.builtin_credentials()) if builtin else dict(credentials or {})
    try:
        venue = create(provider, "sandbox", bus=bus, credentials=creds, **{**server.adapter_options(), **options})
        await _start(venue)
    except BaseException:
        await loop.run_in_executor(None, server.stop)
        raise
    return Opened(venue, provider, "sandbox", server=server, fresh=True, credentials=creds, builtin_credentials=builtin)


async def _start(venue: Venue) -> None:
    try:
        await venue.start()
    except BaseException:
        await venue.close()
        raise


def spawn_sandbox_process(log_path: str | Path, *, gated: bool = False) -> Any:
    """Start the Binance sandbox exchange in a child process now, so that it boots while the caller goes on or,
    ``gated``, once the caller calls its ``release()`` (the window: after its first paint). Pass the result as
    ``sandbox_process=`` to ``connect()``: it releases it if need be and waits until the child listens, and the
    session stops it when it closes (``stop()`` ends it too; a later connect starts it again). The child writes its
    log to ``log_path`` and dies with this process."""
    from .sandbox.process import SandboxProcess

    child = SandboxProcess(log_path)
    child.spawn(gated=gated)
    return child


async def _open_binance_sandbox(bus: Bus | None, credentials: Mapping[str, str] | None, *,
                                sandbox_url: str | None = None, sandbox_process: Any = False,
                                sandbox_log: str | Path | None = None, **options: Any) -> Opened:
    """The Binance adapter against the sandbox exchange: the one at ``sandbox_url``, else a new one on 127.0.0.1,
    embedded in this process or, with ``sandbox_process=True`` (the window), in a child process that writes its
    log to ``sandbox_log`` and dies with this one (or the child ``spawn_sandbox_process()`` started earlier).
    Without credentials, the sandbox's built-in test keys."""
    from . import binance, sandbox
    from .sandbox.accounts import DEFAULT_API_KEY, DEFAULT_API_SECRET

    inspect.signature(binance.BinanceVenue).bind_partial(**options)  # TypeError for an option it does not take
    loop = asyncio.get_running_loop()
    server: Any = None
    if not sandbox_url:
        if sandbox_process:
            server = (sandbox_process if not isinstance(sandbox_process, bool)
                      else spawn_sandbox_process(sandbox_log if sandbox_log is not None else Path(os.devnull)))
        else:
            server = sandbox.SandboxServer(host="127.0.0.1", port=0)
        await loop.run_in_executor(None, server.start)
        sandbox_url = server.url
    builtin = not credentials
    if builtin:
        credentials = ({"api_key": server.default_api_key, "api_secret": server.default_api_secret}
                       if server is not None else {"api_key": DEFAULT_API_KEY, "api_secret": DEFAULT_API_SECRET})
    try:
        venue = binance.create("sandbox", bus=bus, credentials=credentials, sandbox_url=sandbox_url, **options)
        await _start(venue)
    except BaseException:
        if server is not None:
            await loop.run_in_executor(None, server.stop)
        raise
    if hasattr(server, "background"):  # a child process: below this process's priority from now on
        server.background()
    return Opened(venue, "binance", "sandbox", server=server, fresh=server is not None,
                  credentials=dict(credentials or {}), builtin_credentials=builtin)

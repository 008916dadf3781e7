"""The provider registry: adapter name -> factory. The ONLY module that imports concrete adapters.

Each entry imports its adapter package when first used (connecting to one provider never imports the others) and
returns ``(info, factory)``: the adapter's ``AdapterInfo`` (environments, credentials, capabilities) and a factory
``factory(environment, *, bus=..., **options) -> Venue`` that builds an un-started venue (the caller awaits
``start()`` and, in the end, ``close()``).

To add a provider: one folder ``venues/<name>/`` exporting ``INFO`` and ``create``, and one line in ``ADAPTERS``.

Registered today: ``paper`` (simulated US equities, no network). The Binance adapter (``binance``, and ``sandbox``
for it against the embedded sandbox exchange) is still built by ``session_connect`` until it implements the ports
(issue 11, part A), which then registers it here as well.
"""
from __future__ import annotations

from typing import Any, Callable

from ..bus import Bus
from .ports import AdapterInfo, Venue

Factory = Callable[..., Venue]


def _paper() -> tuple[AdapterInfo, Factory]:
    from . import paper

    return paper.INFO, paper.create


#: name -> loader of (info, factory)
ADAPTERS: dict[str, Callable[[], tuple[AdapterInfo, Factory]]] = {
    "paper": _paper,
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


def create(name: str, environment: str | None = None, *, bus: Bus | None = None, **options: Any) -> Venue:
    """An un-started venue of provider ``name`` in ``environment`` (default: the adapter's default environment,
    never a live one)."""
    adapter, factory = _entry(name)
    if environment is None:
        defaults = [e for e in adapter.environments if e.default and not e.live]
        if not defaults:
            raise ValueError(f"{adapter.title} has no default environment; name one of: "
                             f"{', '.join(e.name for e in adapter.environments)}")
        environment = defaults[0].name
    adapter.environment(environment)  # ValueError for an unknown one
    return factory(environment, bus=bus, **options)

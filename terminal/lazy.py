"""Package attributes imported on first use (PEP 562), for packages whose heavy parts the app's start-up must not
import before its first paint (an adapter's HTTP and WebSocket clients, a paper server's aiohttp and simulator)."""
from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``exports`` maps an attribute to the submodule (relative, e.g.
    ``".factory"``) that defines it; the attribute is imported when first read, then kept in the package."""
    module = importlib.import_module(package)

    def __getattr__(name: str) -> Any:
        where = exports.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where, package), name)
        setattr(module, name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(module)) | set(exports))

    return __getattr__, __dir__

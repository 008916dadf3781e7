"""Where the chart keeps each symbol's indicator choice: in memory, or in the window's settings (saved with them).

In the settings file the choice sits under ``ui["chart_indicators"]`` as a list of ``{"symbol", "indicators"}``
entries (a list, not a dict keyed by symbol: the settings scrub keys that look like secrets, and a symbol may
contain "TOKEN").
"""
from __future__ import annotations

from typing import Any, Protocol

KEY = "chart_indicators"


class IndicatorStore(Protocol):
    def get(self, symbol: str) -> Any: ...

    def put(self, symbol: str, data: list[dict[str, Any]]) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self.data: dict[str, list[dict[str, Any]]] = {}

    def get(self, symbol: str) -> Any:
        return self.data.get(symbol)

    def put(self, symbol: str, data: list[dict[str, Any]]) -> None:
        self.data[symbol] = data


class SettingsStore:
    """Reads and writes ``settings.ui`` each time (the window replaces that dict when it saves its layout)."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    def _entries(self) -> list[Any]:
        entries = self.settings.ui.get(KEY)
        return entries if isinstance(entries, list) else []

    def get(self, symbol: str) -> Any:
        for entry in self._entries():
            if isinstance(entry, dict) and entry.get("symbol") == symbol:
                return entry.get("indicators")
        return None

    def put(self, symbol: str, data: list[dict[str, Any]]) -> None:
        entries = [e for e in self._entries() if not (isinstance(e, dict) and e.get("symbol") == symbol)]
        entries.append({"symbol": symbol, "indicators": data})
        self.settings.ui[KEY] = entries

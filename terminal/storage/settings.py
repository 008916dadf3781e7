"""Typed user settings, saved as JSON in the user config dir. Never holds secrets (see storage.secrets).

Location: ``$XDG_CONFIG_HOME/trading-terminal/settings.json`` or ``~/.config/trading-terminal/settings.json``.
A corrupt or partly wrong file never stops the app: bad fields fall back to their defaults and an unreadable file
is moved aside as ``settings.json.corrupt``.

Writes go through the background writer (``storage.writer``), keyed by the file: ``save_later`` (what the running
window uses: the loop never waits for the disk; a burst of saves writes the last state) and ``save`` (the same queue,
waited for: a save queued earlier never lands after it). ``load`` first waits for the saves still queued.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .writer import Writer, shared, write_atomic

log = logging.getLogger(__name__)
APP_DIR = "trading-terminal"
_SECRET_KEY = re.compile(r"secret|password|private|api_?key|token|passphrase", re.I)


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_DIR


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_DIR


@dataclass
class Settings:
    environment: str = "sandbox"
    watchlist: list[str] = field(default_factory=lambda: ["BTCUSDT", "ETHUSDT"])
    chart_symbol: str = "BTCUSDT"
    chart_interval: str = "1m"
    theme: str = "dark"
    confirm_orders: bool = True
    confirm_live: bool = True
    max_order_notional: str | None = None  # Decimal as text, quote asset; None = no limit
    sandbox_url: str | None = None
    reference_currency: str = "USDT"  # positions and the estimated equity are also valued in this asset
    #: risk limits per venue and environment ("binance/testnet" -> ``risk.limits.to_dict`` form; ``risk.config``)
    risk_limits: dict[str, Any] = field(default_factory=dict)
    #: the kill switch was engaged and not unlocked yet: every start locks trading again until the user unlocks it
    trading_locked: bool = False
    ui: dict[str, Any] = field(default_factory=dict)  # window geometry, splitter states, column widths...
    #: the Strategies dock's instances when the window closed (ui.automation.persist): added back at the next start
    strategies: list[Any] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _scrub(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: Any) -> "Settings":
        """Build from parsed JSON; unknown keys are dropped and badly typed fields fall back to defaults."""
        out = cls()
        if not isinstance(data, dict):
            return out
        defaults = cls()
        for f in dataclasses.fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            default = getattr(defaults, f.name)
            if _fits(value, default, f.name):
                setattr(out, f.name, _scrub(value) if isinstance(value, (dict, list)) else value)
            else:
                log.warning("settings: ignoring %s (expected %s)", f.name, type(default).__name__)
        return out


def _fits(value: Any, default: Any, name: str) -> bool:
    if name in ("max_order_notional", "sandbox_url"):
        return value is None or isinstance(value, str)
    if name == "strategies":
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if isinstance(default, dict):
        return isinstance(value, dict)
    return isinstance(value, type(default))


def _scrub(value: Any) -> Any:
    """Drop any key that looks like a secret, at any depth: settings files are not a place for keys."""
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if not (isinstance(k, str) and _SECRET_KEY.search(k))}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def settings_path(directory: Path | None = None) -> Path:
    return (directory or config_dir()) / "settings.json"


def load(directory: Path | None = None) -> Settings:
    path = settings_path(directory)
    shared().flush()  # a save still queued is read back, not the file before it
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        log.warning("settings: cannot read %s (%s); using defaults", path, type(exc).__name__)
        return Settings()
    try:
        data = json.loads(text)
    except ValueError:
        log.warning("settings: %s is corrupt; moved aside, using defaults", path)
        try:
            os.replace(path, path.with_name(path.name + ".corrupt"))
        except OSError:
            pass
        return Settings()
    return Settings.from_dict(data)


def save(settings: Settings, directory: Path | None = None) -> Path:
    """Write atomically (temp file + rename) and wait until it is on disk; returns the path (OSError if it could not
    be written). In order with ``save_later``: a save queued before never overwrites this one. Blocks the caller:
    the running window uses ``save_later``."""
    return save_later(settings, directory).result()


def save_later(settings: Settings, directory: Path | None = None, writer: Writer | None = None) -> "Future[Path]":
    """Queue the settings as they are now for the background writer and return at once (a Future of the path).
    Saves of one file coalesce: the last state is written; an error is logged there as one ERROR line."""
    path = settings_path(directory)
    text = json.dumps(settings.to_dict(), indent=2, sort_keys=True)  # the state now: the caller goes on changing it
    return (writer or shared()).submit(path, lambda: write_atomic(path, text), label=f"settings to {path}")

"""Strategy instances across restarts: what the Strategies dock held (strategy, parameters, symbol, interval, cash,
running or not) saved in the window's settings when it closes, and added back (stopped) when it opens again.

Those that were running are started again: at once on a paper or test environment, and on LIVE only through the
dock's own question ("Start X with REAL money?"), once per strategy. A strategy whose file is gone, or whose
parameters no longer validate, is left out with a message in the dock (never an exception at start-up).
"""
from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

from .host import InstanceState, StrategyInstance

log = logging.getLogger(__name__)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def snapshot(instances: list[StrategyInstance], paths: dict[str, str]) -> list[dict[str, Any]]:
    """JSON-safe records of the dock's instances (``paths``: strategy name -> the user file it came from)."""
    out = []
    for inst in instances:
        out.append({
            "name": inst.name, "path": paths.get(inst.name, ""),
            "params": {k: _plain(v) for k, v in inst.params.items()}, "symbol": inst.symbol,
            "interval": inst.interval, "cash": format(inst.cash, "f"),
            "running": inst.state in (InstanceState.RUNNING, InstanceState.STARTING),
        })
    return out


def restore(dock: Any, records: list[Any]) -> tuple[list[StrategyInstance], list[StrategyInstance], list[str]]:
    """Add ``records`` back to ``dock`` (stopped): (instances, those that were running, problems in words)."""
    added: list[StrategyInstance] = []
    running: list[StrategyInstance] = []
    problems: list[str] = []
    catalog = dock.catalog
    for rec in records if isinstance(records, list) else []:
        if not isinstance(rec, dict):
            continue
        name = str(rec.get("name", ""))
        try:
            if name not in catalog.classes and rec.get("path"):
                folder = Path(str(rec["path"])).parent
                if folder.is_dir():
                    catalog.load_folder(folder)
            cls = catalog.classes.get(name)
            if cls is None:
                raise ValueError(f"strategy {name!r} is not available any more"
                                 + (f" (its file {rec.get('path')} is gone or broken)" if rec.get("path") else ""))
            inst = dock.host.add(cls, dict(rec.get("params") or {}), str(rec["symbol"]), str(rec["interval"]),
                                 Decimal(str(rec["cash"])))
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            problems.append(f"{name or 'a strategy'}: not restored: {exc}")
            log.warning("strategy %s not restored: %s", name, exc)
            continue
        inst.note("restored after a restart" + (" (it was running)" if rec.get("running") else ""))
        added.append(inst)
        if rec.get("running"):
            running.append(inst)
    return added, running, problems

"""Load user strategies from Python files: importlib from file paths, every failure reported with its file.

A strategy file defines one or more ``Strategy`` subclasses; each is known by its ``name`` attribute, or by its
class name in snake_case. Files starting with ``_`` are skipped. Nothing is executed except the module itself.

A folder may hold other scripts too: ``load_folder`` reads each file first (``ast``, nothing runs) and imports only
those that define a class deriving from ``Strategy`` or another class imported from the ``terminal`` package
(``defines_strategy``); the others are listed in ``LoadReport.skipped``, never run. A strategy file
that fails to import is in ``LoadReport.errors`` with its file and line, and ``resolve`` reports those errors
through its ``errors`` list (the command line prints them).
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import re
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from .base import Strategy
from .builtin import BUILTIN

_MODULE_PREFIX = "terminal_user_strategies"


class StrategyLoadError(Exception):
    """A strategy file or name that cannot be loaded; the message names the file and the problem."""


@dataclass
class LoadReport:
    strategies: dict[str, type[Strategy]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # path -> message
    skipped: list[str] = field(default_factory=list)  # files that define no strategy (not imported)


def strategy_name(cls: type[Strategy]) -> str:
    return cls.name or re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


def load_file(path: str | Path) -> list[type[Strategy]]:
    """Import ``path`` and return the Strategy subclasses it defines; raises StrategyLoadError."""
    p = Path(path).resolve()
    if not p.is_file():
        raise StrategyLoadError(f"{path}: no such file")
    if p.suffix != ".py":
        raise StrategyLoadError(f"{path}: not a Python file")
    digest = hashlib.sha1(str(p).encode()).hexdigest()[:10]
    mod_name = f"{_MODULE_PREFIX}.{re.sub(r'[^0-9A-Za-z_]', '_', p.stem)}_{digest}"
    spec = importlib.util.spec_from_file_location(mod_name, p)
    if spec is None or spec.loader is None:
        raise StrategyLoadError(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module  # so the classes pickle into optimiser workers
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(mod_name, None)
        raise StrategyLoadError(f"{path}, line {exc.lineno}: syntax error: {exc.msg}") from None
    except Exception as exc:
        sys.modules.pop(mod_name, None)
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == p]
        where = f", line {frames[-1].lineno}" if frames else ""
        raise StrategyLoadError(f"{path}{where}: {type(exc).__name__}: {exc}") from None
    found = [obj for obj in vars(module).values()
             if isinstance(obj, type) and issubclass(obj, Strategy) and obj is not Strategy
             and obj.__module__ == mod_name]
    if not found:
        raise StrategyLoadError(f"{path}: defines no Strategy subclass")
    return found


def _root_name(node: ast.expr) -> str | None:
    """``Strategy`` -> 'Strategy'; ``terminal.strategy.Strategy`` -> 'terminal'; ``Generic[T]`` -> 'Generic'."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.value if not isinstance(node, ast.Call) else node.func
    return node.id if isinstance(node, ast.Name) else None


def defines_strategy(source: str, filename: str = "<strategy>") -> bool:
    """True if ``source`` defines a class deriving from ``Strategy``, read statically (nothing is executed).

    A base counts when it comes from a name the file imports from the ``terminal`` package (``Strategy``,
    ``SmaCross``, ``terminal.strategy.Strategy``, ``base.Strategy`` after ``from terminal.strategy import base``;
    ``Strategy`` after ``from terminal.strategy import *``), or when it is another class of the file that counts.
    A ``Strategy`` from elsewhere (backtesting.py's) does not. Raises SyntaxError."""
    tree = ast.parse(source, filename)
    from_terminal: set[str] = set()
    star = False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "terminal":
            from_terminal.update(a.asname or a.name for a in node.names)
            star = star or any(a.name == "*" for a in node.names)
        elif isinstance(node, ast.Import):
            from_terminal.update((a.asname or a.name).split(".")[0] for a in node.names
                                 if a.name.split(".")[0] == "terminal")
    if star:
        from_terminal.add("Strategy")
    strategies: set[str] = set()
    for node in ast.walk(tree):  # a class counts if a base does: a terminal import, or an earlier class that counts
        if isinstance(node, ast.ClassDef) and any(_root_name(b) in from_terminal | strategies for b in node.bases):
            strategies.add(node.name)
    return bool(strategies)


def load_folder(folder: str | Path) -> LoadReport:
    """Load the strategy files in ``folder`` (``*.py`` that define a Strategy subclass; other scripts are not
    run); one bad file is reported and does not stop the others."""
    report = LoadReport()
    d = Path(folder)
    if not d.is_dir():
        report.errors[str(d)] = f"{d}: not a folder"
        return report
    for path in sorted(d.glob("*.py")):
        if path.name.startswith("_"):
            continue
        try:
            if not defines_strategy(path.read_text(encoding="utf-8"), str(path)):
                report.skipped.append(str(path))
                continue
        except SyntaxError as exc:
            report.errors[str(path)] = f"{path}, line {exc.lineno}: syntax error: {exc.msg}"
            continue
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            report.errors[str(path)] = f"{path}: cannot be read: {exc}"
            continue
        try:
            classes = load_file(path)
        except StrategyLoadError as exc:
            report.errors[str(path)] = str(exc)
            continue
        for cls in classes:
            name = strategy_name(cls)
            if name in report.strategies or name in BUILTIN:
                report.errors[str(path)] = f"{path}: strategy name {name!r} is already taken"
                continue
            report.strategies[name] = cls
    return report


def resolve(spec: str, folders: tuple[str | Path, ...] = (), errors: list[str] | None = None) -> type[Strategy]:
    """A built-in name (``sma_cross``), a name found in ``folders``, or ``file.py`` / ``file.py:ClassName``.

    Strategy files of ``folders`` that fail to load are appended to ``errors`` (when given), one message each,
    whether or not ``spec`` is found; an unknown ``spec`` says how many failed."""
    if spec in BUILTIN:
        return BUILTIN[spec]
    file_part, _, cls_name = spec.partition(":") if spec.count(":") == 1 and not re.match(r"^[A-Za-z]:\\", spec) \
        else (spec, "", "")
    if file_part.endswith(".py"):
        classes = load_file(file_part)
        if cls_name:
            for cls in classes:
                if cls.__name__ == cls_name or strategy_name(cls) == cls_name:
                    return cls
            raise StrategyLoadError(f"{file_part}: no strategy {cls_name!r} "
                                    f"(found: {', '.join(c.__name__ for c in classes)})")
        if len(classes) > 1:
            raise StrategyLoadError(f"{file_part} defines several strategies "
                                    f"({', '.join(c.__name__ for c in classes)}); use {file_part}:ClassName")
        return classes[0]
    failed = 0
    for folder in folders:
        report = load_folder(folder)
        failed += len(report.errors)
        if errors is not None:
            errors.extend(report.errors.values())
        if spec in report.strategies:
            return report.strategies[spec]
    extra = f"; {failed} strategy file{'s' if failed != 1 else ''} failed to load" if failed else ""
    raise StrategyLoadError(f"unknown strategy {spec!r}; built-in: {', '.join(BUILTIN)} (or give a .py file){extra}")

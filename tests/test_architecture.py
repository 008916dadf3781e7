"""The import-linter contracts hold, and they bite: on a copy of the package, a probe import that breaks the layering
(a lower layer importing the session) or reaches a concrete adapter from outside the registry makes ``lint-imports``
fail, naming the broken contract; without a probe the copy passes."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
LAYERS = "Layers: ui > session > strategy/backtest > oms/risk/market > venues.ports > model/bus/clock"
REGISTRY = "Only the provider registry imports concrete adapters"


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package and its import-linter configuration, copied (sources only) to a fresh directory."""
    root = tmp_path_factory.mktemp("architecture")
    shutil.copytree(ROOT / "terminal", root / "terminal",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "resources"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}  # the copy, not the installed package
    return subprocess.run([str(LINT), "--no-cache"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120)


def probe(root: Path, module: str, line: str) -> tuple[Path, str | None]:
    """Write ``line`` into ``module`` of the copy (a new module, or appended to an existing one); returns the path
    and its previous text (None if it was new)."""
    path = root / "terminal" / Path(*module.split(".")[1:]).with_suffix(".py")
    before = path.read_text() if path.exists() else None
    path.write_text((before or '"""An import that breaks a contract on purpose."""\n') + f"{line}\n")
    return path, before


def broken(result: subprocess.CompletedProcess[str]) -> set[str]:
    text = " ".join(result.stdout.split())  # contract names may wrap
    return {name for name in (LAYERS, REGISTRY) if f"{name} BROKEN" in text}


def test_every_contract_is_kept_in_the_repository():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_copy_passes_without_a_probe(copy: Path):
    result = lint(copy)
    assert result.returncode == 0, result.stdout + result.stderr
    text = " ".join(result.stdout.split())
    assert f"{LAYERS} KEPT" in text and f"{REGISTRY} KEPT" in text


@pytest.mark.parametrize("module, line, contract", [
    ("terminal.oms.probe", "from ..session import facade  # the order manager reaching up into the session", LAYERS),
    ("terminal.venues.ports", "from .. import market  # the ports depending on a market service", LAYERS),
    ("terminal.session.probe", "from ..venues.binance import rest  # the session around the registry", REGISTRY),
    ("terminal.oms.probe", "from ..venues.paper import venue  # the OMS on a concrete adapter", REGISTRY),
])
def test_a_probe_import_breaks_its_contract(copy: Path, module: str, line: str, contract: str):
    path, before = probe(copy, module, line)
    try:
        result = lint(copy)
    finally:
        if before is None:
            path.unlink()
        else:
            path.write_text(before)
    assert result.returncode != 0 and contract in broken(result), result.stdout + result.stderr

"""``trading-terminal --version``: the version from the package metadata, exit 0, without starting Qt."""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

from terminal.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


def test_version_prints_the_package_metadata_version_and_exits_0(capsys):
    assert main(["--version"]) == 0
    out, err = capsys.readouterr()
    assert out == f"trading-terminal {version('trading-terminal')}\n" and err == ""


def test_version_is_the_one_in_pyproject():
    # the metadata comes from the installed package: a stale install would print an old version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert version("trading-terminal") == project["version"]


def test_version_from_the_command_line_exits_0_without_importing_qt():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    code = ("import sys; from terminal.__main__ import main; rc = main(['--version']); "
            "assert 'PySide6' not in sys.modules, 'Qt was imported'; sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"trading-terminal {version('trading-terminal')}"
    cli = subprocess.run([sys.executable, "-m", "terminal", "--version"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert (cli.returncode, cli.stdout, cli.stderr) == (0, proc.stdout, "")

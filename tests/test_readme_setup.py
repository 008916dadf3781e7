"""The README's set-up as a new user meets it: one copy-pasteable app command that works as root (no ``sudo`` on the
machine) and as a user with sudo, on empty package lists; the later ``trading-terminal`` commands on the PATH; and
``trading-terminal --help`` listing them. The command's apt part is run for real, against stub ``apt-get``/``sudo``/
``id`` programs that record what they were asked to do."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
QT_LIBS = {"libgl1", "libegl1", "libfontconfig1", "libxkbcommon0", "libdbus-1-3", "libglib2.0-0"}


def marked_command(marker: str) -> str:
    """The single line of the ``sh`` block right after ``<!-- marker -->``."""
    m = re.search(rf"<!-- {marker} -->\n```sh\n(.+)\n```", README)
    assert m, f"no {marker} block in README.md"
    return m.group(1)


APP = marked_command("app-command")
STEPS = [s.strip() for s in APP.split("&&")]


def test_the_app_command_has_no_bare_leading_sudo() -> None:
    for part in re.split(r"&&|;|\|\|", APP):
        assert part.split()[0] != "sudo", f"'{part.strip()}' stops at once where there is no sudo (a root machine)"


def test_the_app_command_updates_the_package_lists_before_installing() -> None:
    apt = [s for s in STEPS if "apt-get" in s]
    assert "apt-get update" in apt[0] and "apt-get install" in apt[-1] and len(apt) == 2
    words = set(apt[-1].split())
    assert "-y" in words and QT_LIBS <= words and "python3-venv" in words  # Debian's python3 has no venv without it


def _run_apt_part(tmp_path: Path, uid: int, with_sudo: bool) -> list[str]:
    """Runs the command's apt part in bash with only stub programs on the PATH; returns what they were asked."""
    bin_dir, log = tmp_path / f"bin{uid}", tmp_path / f"calls{uid}.log"
    bin_dir.mkdir()
    stubs = {"apt-get": f'echo "apt-get $*" >> {log}', "id": f'[ "$1" = -u ] && echo {uid}'}
    if with_sudo:
        stubs["sudo"] = f'echo "sudo $1" >> {log}; exec "$@"'
    for name, body in stubs.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    apt_part = " && ".join(s for s in STEPS if "apt-get" in s)
    proc = subprocess.run([shutil.which("bash") or "/bin/bash", "-c", apt_part], env={"PATH": str(bin_dir)},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, (apt_part, proc.stderr)
    return log.read_text().splitlines()


def test_the_apt_part_runs_as_root_on_a_machine_without_sudo(tmp_path: Path) -> None:
    calls = _run_apt_part(tmp_path, uid=0, with_sudo=False)
    assert [c.split()[:2] for c in calls] == [["apt-get", "update"], ["apt-get", "install"]]


def test_the_apt_part_runs_through_sudo_for_a_normal_user(tmp_path: Path) -> None:
    calls = _run_apt_part(tmp_path, uid=1000, with_sudo=True)
    assert [c.split()[:2] for c in calls] == [["sudo", "apt-get"], ["apt-get", "update"],
                                              ["sudo", "apt-get"], ["apt-get", "install"]]


def test_the_app_command_installs_into_a_venv_and_puts_trading_terminal_on_the_path() -> None:
    rest = [s for s in STEPS if "apt-get" not in s]
    assert rest[:2] == ["python3 -m venv .venv", ".venv/bin/pip install ."]
    assert rest[2:] in ([". .venv/bin/activate", "trading-terminal"], [".venv/bin/trading-terminal"])


def test_the_later_commands_are_subcommands_and_the_readme_says_where_they_run() -> None:
    later = re.findall(r"^trading-terminal (\w+)", README, flags=re.MULTILINE)
    assert {"sandbox", "backtest", "optimize"} <= set(later)
    assert ". .venv/bin/activate" in README.split("<!-- test-command -->")[0]  # said right after the app command


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_the_subcommands_one_line_each_and_exits_0(flag: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    code = ("import sys; from terminal.__main__ import main; rc = main([sys.argv[1]]); "
            "assert 'PySide6' not in sys.modules, 'Qt was imported'; sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code, flag], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    for command in ("app", "sandbox", "backtest", "optimize"):
        lines = [ln for ln in proc.stdout.splitlines() if ln.split()[:1] == [command]]
        assert len(lines) == 1 and len(lines[0].split()) > 3, proc.stdout  # the name and a one-line description


def test_ci_runs_exactly_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    awk = re.search(r"cmd=\$\(awk '([^']+)' README\.md\)", script)
    assert awk, "'.ci/run' no longer reads the test command from README.md"
    got = subprocess.run(["awk", awk.group(1), "README.md"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert got.stdout.strip() == marked_command("test-command")

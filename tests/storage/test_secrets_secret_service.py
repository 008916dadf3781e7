"""storage.secrets on a real Secret Service (gnome-keyring on a private D-Bus session, pre-unlocked, temp HOME)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
from terminal.storage import secrets
from terminal.storage.secrets import Credentials, KeyType
ok, message = secrets.available()
assert ok, message
secrets.save_credentials("testnet", Credentials("key-abcdefghijkl", "secret-value-123", KeyType.HMAC))
got = secrets.load_credentials("testnet")
assert got == Credentials("key-abcdefghijkl", "secret-value-123"), got
assert secrets.delete_credentials("testnet") and secrets.load_credentials("testnet") is None
print("OK", message)
"""


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
                    reason="needs dbus-run-session and gnome-keyring-daemon")
def test_round_trip_on_gnome_keyring(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "DISPLAY", "WAYLAND"))}
    env.update(HOME=str(tmp_path), PYTHONPATH=str(ROOT), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "cfg"), XDG_RUNTIME_DIR=str(tmp_path / "run"))
    (tmp_path / "run").mkdir(mode=0o700)
    cmd = (f"echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "
           f"{sys.executable} {script}")
    result = subprocess.run(["dbus-run-session", "--", "sh", "-c", cmd], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "OK" in result.stdout, result.stdout + result.stderr
    assert "SecretService" in result.stdout or "Keyring" in result.stdout
    assert not any("secret-value-123" in p.read_text(errors="ignore") for p in tmp_path.rglob("*.json") if p.is_file())

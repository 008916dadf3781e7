"""The README's protection example runs as written against the embedded sandbox: a bracket whose exits go to the
exchange once the MARKET entry fills, a risk limit refusing an order before it is sent, an alert."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_protection_example_runs_against_the_embedded_sandbox(tmp_path):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    heading = re.search(r"^## Protection$", text, re.M)
    assert heading, "README.md has no '## Protection' section"
    block = re.search(r"^```python\n(.*?)^```", text[heading.end():], re.S | re.M)
    assert block, "no python block under '## Protection'"
    script = tmp_path / "protection.py"
    script.write_text(block.group(1), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               XDG_DATA_HOME=str(tmp_path / "data"))
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=90)
    assert result.returncode == 0, f"README protection example failed:\n{result.stdout}\n{result.stderr}"
    out = result.stdout
    assert "bracket held by the exchange" in out, out
    assert "refused before sending: order value" in out and "above your limit of 5000 USDT" in out, out

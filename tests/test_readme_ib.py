"""The README's Interactive Brokers script runs as written against the built-in IB paper server (it is the first
```python block under the "Interactive Brokers" heading)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def ib_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    heading = re.search(r"^#+ Interactive Brokers.*$", text, re.M)
    assert heading, "README.md has no 'Interactive Brokers' heading"
    block = re.search(r"^```python\n(.*?)^```", text[heading.end():], re.S | re.M)
    if block is None:
        pytest.fail("README.md's Interactive Brokers section has no ```python script")
    return block.group(1)


def test_readme_ib_script_runs_against_the_built_in_ib_paper_server(tmp_path):
    script = tmp_path / "ib_example.py"
    script.write_text(ib_example(), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               XDG_DATA_HOME=str(tmp_path / "data"))
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, f"README IB script failed:\n{result.stdout}\n{result.stderr}"
    out = result.stdout
    assert "AAPL" in out and "conId 265598" in out, out
    assert "close" in out, out  # the DataFrame's columns
    assert "bracket" in out and "entry FILLED" in out, out
    assert "position AAPL 10" in out, out

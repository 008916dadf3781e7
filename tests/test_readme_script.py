"""The README's library example runs as written (it is the first ```python block under a heading that mentions
"library"; until the README has one, tests/data/readme_example.py, which is pasted into it verbatim)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FALLBACK = ROOT / "tests" / "data" / "readme_example.py"


def library_example() -> tuple[str, str]:
    """(source, where it came from)."""
    readme = ROOT / "README.md"
    if readme.exists():
        text = readme.read_text(encoding="utf-8")
        heading = re.search(r"^#+ .*library.*$", text, re.I | re.M)
        if heading:
            block = re.search(r"^```python\n(.*?)^```", text[heading.end():], re.S | re.M)
            if block:
                return block.group(1), "README.md"
    return FALLBACK.read_text(encoding="utf-8"), str(FALLBACK.relative_to(ROOT))


def test_readme_library_example_runs_against_the_embedded_sandbox(tmp_path):
    source, origin = library_example()
    script = tmp_path / "example.py"
    script.write_text(source, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               XDG_DATA_HOME=str(tmp_path / "data"))
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=90)
    assert result.returncode == 0, f"{origin} failed:\n{result.stdout}\n{result.stderr}"
    out = result.stdout
    assert "BTCUSDT" in out and "limit order CANCELED" in out and "market buy FILLED" in out, out
    assert "fill " in out and "'USDT'" in out, out

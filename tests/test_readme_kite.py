"""The README's Kite script (the first ```python block under "### Zerodha Kite Connect") runs as written: it logs in
to the paper server through the redirect, buys one lot of the NIFTY future MIS and lists the positions."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.children import python_code

ROOT = Path(__file__).resolve().parents[1]


def kite_script() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    heading = re.search(r"^### Zerodha Kite Connect$", text, re.M)
    assert heading, "README.md has no '### Zerodha Kite Connect' subsection"
    section = text[heading.end():]
    nxt = re.search(r"^#{1,3} ", section, re.M)
    block = re.search(r"^```python\n(.*?)^```", section[:nxt.start()] if nxt else section, re.S | re.M)
    assert block, "the Kite subsection has no python script"
    return block.group(1)


def test_readme_kite_script_logs_in_buys_a_lot_of_the_nifty_future_and_lists_positions(tmp_path):
    script = tmp_path / "kite_example.py"
    script.write_text(kite_script(), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               XDG_DATA_HOME=str(tmp_path / "data"))
    code = f"import runpy\nrunpy.run_path({str(script)!r}, run_name='__main__')\n"
    result = subprocess.run(python_code(code), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"README Kite script failed:\n{result.stdout}\n{result.stderr}"
    out = result.stdout
    lot = re.search(r"^instrument (NIFTY\S*FUT) lot (\d+)", out, re.M)
    assert lot, out
    assert re.search(rf"^order FILLED {lot.group(2)} at \d", out, re.M), out
    assert re.search(rf"^position {lot.group(1)} {lot.group(2)} at \d[\d.]* INR$", out, re.M), out

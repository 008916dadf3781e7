"""The README's Finnhub example (the first ```python block under "### Finnhub and TrueData") runs as written,
offline, against the paper server the registry starts."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def finnhub_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    heading = re.search(r"^### Finnhub and TrueData.*$", text, re.M)
    assert heading, "README.md has no '### Finnhub and TrueData' section"
    block = re.search(r"^```python\n(.*?)^```", text[heading.end():], re.S | re.M)
    assert block, "the Finnhub section has no python example"
    return block.group(1)


def test_readme_finnhub_example_runs_against_the_embedded_paper_server(tmp_path: Path) -> None:
    script = tmp_path / "finnhub_example.py"
    script.write_text(finnhub_example(), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               XDG_DATA_HOME=str(tmp_path / "data"))
    env.pop("FINNHUB_TOKEN", None)
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=90)
    assert result.returncode == 0, f"README example failed:\n{result.stdout}\n{result.stderr}"
    out = result.stdout
    assert re.search(r"AAPL last \d+\.\d+", out), out
    assert "market headlines" in out and "/article/" in out and "Apple Inc market cap" in out, out
    assert "next earnings 20" in out and "request budget in use: 0." in out, out
    assert "refused: finnhub provides market data only: route orders to a broker" in out, out

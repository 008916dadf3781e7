"""One parity run from start to finish, for the window and the CLI: start a sandbox that replays the data as its
kline history (a child process, ``trading-terminal sandbox --port 0 --replay SYMBOL=FILE --replay-history 1``),
connect a session to it, run ``parity.run_parity`` and write the HTML report."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any


def _start_sandbox(symbol: str, data: str) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "terminal", "sandbox", "--port", "0", "--replay", f"{symbol}={data}",
           "--replay-history", "1"]
    log = tempfile.TemporaryFile("w+")  # its log (a pipe nobody reads could fill up and stall it)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:  # "  REST:    http://127.0.0.1:PORT/api/v3/" once it listens
        if line.strip().startswith("REST:"):
            return proc, line.split()[1].rsplit("/api/", 1)[0]
    proc.wait(timeout=10)
    log.seek(0)
    err = log.read().strip()
    raise RuntimeError(f"the sandbox did not start: {err.splitlines()[-1] if err else proc.returncode}")


async def make_report(strategy: Any, data: str | Path, out: str | Path, *, symbol: str = "BTCUSDT",
                      cash: Decimal | str = "10000", commission: Decimal | str = "0.001",
                      sandbox_url: str | None = None) -> Any:
    """Run the parity of ``strategy`` (a Strategy instance) on the 1m bars of ``data`` and write the HTML report to
    ``out``; returns the ``ParityResult``. Without ``sandbox_url`` a sandbox replaying ``data`` is started as a child
    process and stopped at the end (the window calls this from its loop: nothing here blocks it)."""
    import terminal

    from .parity import run_parity
    from .parity_report import write_report

    loop = asyncio.get_running_loop()
    proc, url = (None, sandbox_url) if sandbox_url else await loop.run_in_executor(
        None, _start_sandbox, symbol, str(data))
    try:
        session = await terminal.connect("sandbox", sandbox_url=url, history_cache=False)
        try:
            result = await run_parity(session, strategy, data, symbol=symbol, cash=Decimal(str(cash)),
                                      commission=Decimal(str(commission)))
        finally:
            await session.close()
    finally:
        if proc is not None:
            proc.terminate()
            await loop.run_in_executor(None, proc.wait, 30)
    write_report(result, out)
    return result

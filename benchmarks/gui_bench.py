"""GUI event-loop lag under market-data load: the main window on the embedded sandbox.

Watches every sandbox symbol (quotes, trades, 24 h tickers) and every book, and pushes synthetic bus events for
50 more symbols (quotes, trades, tickers, 20-level books) at ``--rate`` events/s. A 5 ms QTimer measures its own
lateness: that is the lag a click or a keystroke would see. Prints p50/p99/max lag and peak RSS.

    QT_QPA_PLATFORM=offscreen /work/venv/bin/python benchmarks/gui_bench.py --seconds 20 --rate 20000

Start-up (issue 16 item 3: first paint within 1.5x of a bare window with a plot, 'connected' within 1 s after it)
and idle cost (item 4: the GUI process under 3% of a core and 200 MB after a minute, the sandbox in a child):

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_bench.py --startup 7 --idle 60
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import qasync
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lagprobe import TICK_MS, LagProbe  # noqa: E402
from terminal import model as m  # noqa: E402
from terminal.ui.mainwindow import MainWindow  # noqa: E402

D = Decimal
def synthetic_instruments(n: int) -> dict[str, m.Instrument]:
    return {f"SYN{i:02d}USDT": m.Instrument(f"SYN{i:02d}USDT", f"SYN{i:02d}", "USDT", tick_size=D("0.01"),
                                           step_size=D("0.001")) for i in range(n)}


def prebuilt(symbols: list[str], variants: int = 16) -> dict[str, list[list[object]]]:
    """Events built ahead of time: making Decimals is the producer's cost, not the GUI's."""
    rnd = random.Random(1)
    out: dict[str, list[list[object]]] = {}
    for s in symbols:
        mid0 = D(rnd.randint(100, 50000))
        rows: list[list[object]] = [[], [], []]
        for v in range(variants):
            mid = mid0 + D(rnd.randint(-300, 300)) / 100
            rows[0].append(m.QuoteTick(s, mid - D("0.01"), D("1.5"), mid + D("0.01"), D("2.5")))
            bids = tuple((mid - D(i) / 100 - D("0.01"), D(1 + i + v)) for i in range(20))
            asks = tuple((mid + D(i) / 100 + D("0.01"), D(1 + i)) for i in range(20))
            rows[1].append(m.BookUpdated(s, v, bids, asks))
            rows[2].append(m.Ticker24h(s, mid, mid - 10, mid + 20, mid - 20, D(1000), D(1000) * mid, D("1.23")))
        out[s] = rows
    return out


async def pump(bus, symbols: list[str], pool: dict[str, list[list[object]]], rate: int, stop: asyncio.Event,
               counter: list[int]) -> None:
    """Publish ``rate`` events/s in bursts every 5 ms on the GUI loop (quotes, trades, books, tickers)."""
    per_burst = max(1, rate * TICK_MS // 1000)
    trade_id = 0
    i = 0
    while not stop.is_set():
        t0 = time.perf_counter()
        for k in range(per_burst):
            s = symbols[k % len(symbols)]
            kind = k % 4
            i += 1
            if kind == 1:
                trade_id += 1
                q = pool[s][0][i % 16]
                bus.publish(m.TradeTick(s, q.ask, D("0.123"), trade_id, m.Side.BUY if trade_id % 2 else m.Side.SELL))
            else:
                bus.publish(pool[s][(0, 0, 1, 2)[kind]][i % 16])
        counter[0] += per_burst
        await asyncio.sleep(max(0.0, TICK_MS / 1000 - (time.perf_counter() - t0)))


def start_sandbox_process() -> tuple[subprocess.Popen[str], str]:
    """The sandbox exchange in its own process, as a remote venue would be (not sharing the GUI's GIL)."""
    proc = subprocess.Popen([sys.executable, "-m", "terminal", "sandbox", "--port", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip().startswith("REST:"):
            return proc, line.split()[1].rsplit("/api/", 1)[0]
    raise RuntimeError("the sandbox did not start")


async def run(args: argparse.Namespace) -> dict[str, float]:
    from terminal import session as session_mod

    window = MainWindow(Path(tempfile.mkdtemp()), m.Environment.SANDBOX)
    window.resize(1600, 960)
    window.show()
    t0 = time.perf_counter()
    url = args.sandbox_url
    ok = await window.start_session(lambda: session_mod.connect("sandbox", sandbox_url=url))
    assert ok, "could not connect to the sandbox"
    connect_s = time.perf_counter() - t0
    s = window.link.session
    real = list(s.instruments)
    for sym in real:
        window.watchlist.add_symbol(sym)
        await s.watch(sym)
        await s.watch_book(sym)
    syn = synthetic_instruments(args.symbols)
    window.instruments.update(syn)
    window.watchlist.set_instruments(window.instruments)
    window.watchlist.blockSignals(True)  # synthetic symbols are fed by the pump, not watched on the venue
    for sym in syn:
        window.watchlist.add_symbol(sym)
    window.watchlist.blockSignals(False)
    await asyncio.sleep(2)  # settle: history, first books
    for name in filter(None, os.environ.get('BENCH_HIDE_DOCKS', '').split(',')):
        window.docks[name].hide()
    if os.environ.get('BENCH_HIDE'):
        window.hide()
    probe = LagProbe()
    stop = asyncio.Event()
    counter = [0]
    bus_events0 = window.bridge.events
    frames0 = window.bridge.frames
    pool = prebuilt(list(syn))
    pumper = asyncio.ensure_future(pump(s.bus, list(syn), pool, args.rate, stop, counter)) if args.rate else None
    probe.start()
    t_start = time.perf_counter()
    await asyncio.sleep(args.seconds)
    elapsed = time.perf_counter() - t_start
    probe.timer.stop()
    stop.set()
    if pumper:
        await pumper
    lags = np.array(probe.lags) if probe.lags else np.zeros(1)
    if args.verbose:
        worst = np.argsort(lags)[-5:][::-1]
        print("worst ticks (index of", len(lags), "):", [(int(i), round(float(lags[i]), 1)) for i in worst])
    out = {
        "connect_s": connect_s,
        "seconds": elapsed,
        "watched_symbols": len(window.watchlist.symbols()),
        "synthetic_events_per_s": counter[0] / elapsed,
        "bus_events_per_s": (window.bridge.events - bus_events0) / elapsed,
        "frames_per_s": (window.bridge.frames - frames0) / elapsed,
        "lag_p50_ms": float(np.percentile(lags, 50)),
        "lag_p99_ms": float(np.percentile(lags, 99)),
        "lag_max_ms": float(lags.max()),
        "timer_ticks": float(len(probe.lags)),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if args.screenshot:
        window.grab().save(args.screenshot)
    await window.shutdown()
    window.close()
    return out


# ---- start-up and idle cost (issue 16 items 3 and 4): the app in its own process, as a user starts it ----------

PYCACHE = str(Path(tempfile.gettempdir()) / "gui-bench-pycache")

#: the reference: a bare PySide6 window with a pyqtgraph plot, reporting its first paint the way the app does
BARE_WINDOW = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
import pyqtgraph as pg
app = QApplication(sys.argv[:1])
win = QMainWindow()
plot = pg.PlotWidget()
plot.plot([1, 3, 2, 4])
win.setCentralWidget(plot)
win.resize(1560, 940)
class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            app.removeEventFilter(self)
            QTimer.singleShot(0, lambda: print(f"startup: first-paint cpu={time.process_time():.3f}", flush=True))
        return False
f = FirstPaint()
app.installEventFilter(f)
win.show()
exit_after = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
QTimer.singleShot(int(exit_after * 1000), app.quit)
app.exec()
"""


def app_argv(workdir: Path, exit_after: float) -> list[str]:
    return [sys.executable, "-m", "terminal", "--settings-dir", str(workdir / "settings"), "--data-dir",
            str(workdir / "data"), "--startup-report", "--exit-after", str(exit_after)]


def timed_lines(argv: list[str], wanted: tuple[str, ...], timeout_s: float = 120.0
                ) -> tuple[subprocess.Popen[str], dict[str, float]]:
    """Start ``argv`` and return when every ``wanted`` 'startup: X' line has been read: X -> seconds after the
    start (and X-cpu -> the process's own CPU seconds then, when the line says cpu=S). The process keeps running
    (the caller waits for it)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPYCACHEPREFIX"] = PYCACHE  # bytecode as an installed app has it (kept outside the source tree)
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert proc.stdout is not None
    seen: dict[str, float] = {}
    for line in proc.stdout:
        if line.startswith("startup: "):
            words = line.split()
            seen[words[1]] = time.perf_counter() - t0
            seen.update((f"{words[1]}-cpu", float(w[4:])) for w in words[2:] if w.startswith("cpu="))
        if all(w in seen for w in wanted) or time.perf_counter() - t0 > timeout_s:
            break
    return proc, seen


def finish(proc: subprocess.Popen[str]) -> None:
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def startup(runs: int) -> None:
    """First paint of the app vs the bare window (alternating runs after one warm-up run each, medians) and
    'connected' after first paint. Also each process's own CPU time at its first paint (all its threads), which
    the other work on a shared machine disturbs less than the wall clock."""
    bare, app, connected, bare_cpu, app_cpu = [], [], [], [], []
    load0 = os.getloadavg()
    for i in range(runs + 1):
        proc, seen = timed_lines([sys.executable, "-c", BARE_WINDOW, "0.2"], ("first-paint",))
        finish(proc)
        bare_seen = seen
        proc, seen = timed_lines(app_argv(Path(tempfile.mkdtemp()), 60.0), ("first-paint", "connected"))
        proc.terminate()  # closes the window as the user would
        finish(proc)
        if i == 0:  # warm-up: bytecode written, files in the page cache
            continue
        bare.append(bare_seen["first-paint"])
        bare_cpu.append(bare_seen["first-paint-cpu"])
        app.append(seen["first-paint"])
        app_cpu.append(seen["first-paint-cpu"])
        connected.append(seen["connected"] - seen["first-paint"])
    b, a, c, bc, ac = (float(np.median(x)) for x in (bare, app, connected, bare_cpu, app_cpu))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"start-up ({runs} runs each, medians; load average {' '.join(f'{x:.2f}' for x in load0)} before, "
          f"{load} after)")
    print(f"  bare window + plot, first paint   {b:8.3f} s")
    print(f"  app, first paint                  {a:8.3f} s   ratio {a / b:5.2f}x  target <= 1.5x: "
          f"{'PASS' if a / b <= 1.5 else 'FAIL'}")
    print(f"  app, connected after first paint  {c:8.3f} s   target < 1 s: {'PASS' if c < 1 else 'FAIL'}")
    print(f"  CPU to first paint (each process's own, all threads): bare {bc:.3f} s, app {ac:.3f} s, "
          f"ratio {ac / bc:5.2f}x")
    print(f"  runs: bare {' '.join(f'{x:.2f}' for x in bare)}; app {' '.join(f'{x:.2f}' for x in app)}; "
          f"connected after {' '.join(f'{x:.2f}' for x in connected)}")


def measure_idle(argv: list[str], seconds: float) -> dict[str, float]:
    """Start the app, wait until it is connected, let it settle, then its CPU%% over ``seconds`` and its RSS (and
    its sandbox child's, if any); the app is then closed (SIGTERM)."""
    import psutil

    proc, seen = timed_lines(argv, ("connected",))
    assert "connected" in seen, "the app did not connect"
    gui = psutil.Process(proc.pid)
    time.sleep(3)  # settle: first history and books (a measurement window, not a synchronisation)
    children = gui.children()
    gui.cpu_percent(None)
    for c in children:
        c.cpu_percent(None)
    time.sleep(seconds)
    out = {"gui_cpu": gui.cpu_percent(None), "gui_rss": gui.memory_info().rss / 2**20,
           "child_cpu": sum(c.cpu_percent(None) for c in children),
           "child_rss": sum(c.memory_info().rss for c in children) / 2**20, "children": float(len(children))}
    proc.terminate()
    finish(proc)
    return out


def idle(seconds: float) -> None:
    """The idle app: on a quiet market (a sandbox with its history and books that does not simulate trading, in
    this process, reached by --sandbox-url: the target's case) and on its own embedded sandbox (a child process whose simulated market keeps
    trading: the GUI repaints what changes); the GUI process's CPU%% over ``seconds`` and RSS at the end; the bare
    window's RSS for reference."""
    import psutil

    from terminal.venues.sandbox.server import SandboxServer

    quiet_server = SandboxServer(port=0, simulate=False)
    # its market set up once (history, books, last prices: what the window asks for when it connects), then nothing
    # moves (without it every kline and 24 h ticker request failed, and the window idled without a chart)
    quiet_server.market.bootstrap(quiet_server.clock.now_ms())
    quiet_server.start()
    try:
        quiet = measure_idle(app_argv(Path(tempfile.mkdtemp()), seconds + 60) + ["--sandbox-url", quiet_server.url],
                             seconds)
    finally:
        quiet_server.stop()
    living = measure_idle(app_argv(Path(tempfile.mkdtemp()), seconds + 60), seconds)
    bare, _ = timed_lines([sys.executable, "-c", BARE_WINDOW, "5"], ("first-paint",))
    bare_rss = psutil.Process(bare.pid).memory_info().rss / 2**20
    finish(bare)
    print(f"idle over {seconds:g} s after connecting (load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    q = quiet
    print(f"  quiet market:  GUI process CPU {q['gui_cpu']:5.1f} % of a core (target < 3%: "
          f"{'PASS' if q['gui_cpu'] < 3 else 'FAIL'}), RSS {q['gui_rss']:.0f} MB (target < 200 MB: "
          f"{'PASS' if q['gui_rss'] < 200 else 'FAIL'})")
    v = living
    print(f"  embedded sandbox, simulated market trading: GUI process CPU {v['gui_cpu']:5.1f} %, RSS "
          f"{v['gui_rss']:.0f} MB; sandbox child CPU {v['child_cpu']:.1f} %, RSS {v['child_rss']:.0f} MB "
          f"({v['children']:.0f} child process(es))")
    print(f"  bare window + plot RSS {bare_rss:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--rate", type=int, default=20000, help="synthetic bus events per second (0: sandbox only)")
    p.add_argument("--symbols", type=int, default=50, help="synthetic symbols")
    p.add_argument("--screenshot", default=None)
    p.add_argument("--verbose", action="store_true", help="print the worst ticks")
    p.add_argument("--embedded", action="store_true",
                   help="run the sandbox inside the GUI process (shares its GIL) instead of a separate process")
    p.add_argument("--startup", type=int, default=0, metavar="RUNS",
                   help="measure start-up instead: first paint vs a bare window with a plot, RUNS runs each")
    p.add_argument("--idle", type=float, default=0, metavar="SECONDS",
                   help="measure the idle app instead: GUI-process CPU%% and RSS over SECONDS (60 for the target)")
    args = p.parse_args(argv)
    if args.startup or args.idle:
        if args.startup:
            startup(args.startup)
        if args.idle:
            idle(args.idle)
        return 0
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    proc = None
    args.sandbox_url = None
    if not args.embedded:
        proc, args.sandbox_url = start_sandbox_process()
    try:
        with loop:
            res = loop.run_until_complete(run(args))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
    for k, v in res.items():
        print(f"{k:24s} {v:10.2f}")
    print(f"target p99 < 20 ms: {'PASS' if res['lag_p99_ms'] < 20 else 'FAIL'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

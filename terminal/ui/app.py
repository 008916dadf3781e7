"""``trading-terminal``: QApplication + qasync loop + MainWindow; the session connects in the background."""
from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys
import time
import traceback
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

import qasync
import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from .. import model as m

log = logging.getLogger("terminal.ui")
SELF_TEST_SYMBOL, SELF_TEST_QTY = "BTCUSDT", "0.001"


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="trading-terminal", description="Desktop trading terminal")
    p.add_argument("--env", default=None, choices=[e.value for e in m.Environment],
                   help="environment (default: from settings, else sandbox)")
    p.add_argument("--sandbox-url", default=None, help="use a running sandbox instead of the embedded one")
    p.add_argument("--settings-dir", type=Path, default=None, help="directory of settings.json")
    p.add_argument("--data-dir", type=Path, default=None, help="directory for the order journal")
    p.add_argument("--theme", choices=["dark", "light"], default=None)
    p.add_argument("--exit-after", type=float, default=None, metavar="SECONDS",
                   help="close the window after SECONDS (smoke tests, screenshots)")
    p.add_argument("--startup-report", action="store_true",
                   help="print 'startup: first-paint cpu=S' and 'startup: connected' on stdout when they happen "
                        "(S: this process's CPU time then, all threads; benchmarks, tests)")
    p.add_argument("--self-test", action="store_true",
                   help=f"installer smoke test: connect to the sandbox, buy {SELF_TEST_QTY} {SELF_TEST_SYMBOL} at "
                        "market, check the fill, exit 0 (1 on any failure)")
    return p.parse_args(argv)


class SelfTestFailed(Exception):
    """The installer smoke test failed; the message says how."""


class _Warnings(logging.Handler):
    """Keeps the WARNING-or-worse records of a self-test run: a frozen app that quietly falls back (a module left
    out of the bundle, a placeholder chart) fails the test instead of passing."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def self_test(window: Any, started: "asyncio.Future[bool]", timeout_s: float = 60.0) -> str:
    """Wait for the window's session, buy at market through the library API and check the fill. Returns a line
    describing the fill; raises SelfTestFailed saying what went wrong."""
    from .dialogs.about import about_rows
    unknown = [name for name, value in about_rows() if value.startswith("unknown")]
    if unknown:  # Help > About would say "unknown": the package metadata is missing (from a frozen bundle)
        raise SelfTestFailed(f"no version for {', '.join(unknown)}: package metadata missing")
    try:
        if not await asyncio.wait_for(asyncio.shield(started), timeout_s):
            raise SelfTestFailed(f"not connected to {window.environment.value} (the log above says why)")
        session = window.link.session
        order = await asyncio.wait_for(session.buy(SELF_TEST_SYMBOL, SELF_TEST_QTY), timeout_s)
        fills = [f for f in await asyncio.wait_for(session.fills(SELF_TEST_SYMBOL), timeout_s)
                 if f.client_order_id == order.client_order_id]
    except asyncio.TimeoutError:
        raise SelfTestFailed(f"no answer within {timeout_s:g} s") from None
    except SelfTestFailed:
        raise
    except Exception as exc:
        raise SelfTestFailed(f"{type(exc).__name__}: {getattr(exc, 'message', exc)}") from exc
    qty = Decimal(SELF_TEST_QTY)
    if order.status is not m.OrderStatus.FILLED or order.filled_qty != qty or sum(f.qty for f in fills) != qty:
        raise SelfTestFailed(f"market buy of {SELF_TEST_QTY} {SELF_TEST_SYMBOL} ended {order.status.name}: "
                           f"filled {order.filled_qty}, {len(fills)} fill(s) for {sum(f.qty for f in fills)}")
    inst = session.instrument(SELF_TEST_SYMBOL)
    return (f"bought {inst.format_qty(order.filled_qty)} {SELF_TEST_SYMBOL} at {inst.format_price(order.avg_price)} "
            f"({len(fills)} fill(s), order {order.client_order_id})")


def install_excepthook(window: Any) -> None:
    """Unexpected errors: logged (type and traceback, never locals) and shown in a non-modal dialog."""
    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected %s: %s\n%s", kind.__name__, exc, "".join(traceback.format_tb(tb)))
        try:
            box = QMessageBox(QMessageBox.Icon.Critical, "Unexpected error", f"{kind.__name__}: {exc}",
                              QMessageBox.StandardButton.Close, window)
            box.setModal(False)
            box.show()
        except Exception:  # pragma: no cover - never fail inside the hook
            pass
    sys.excepthook = hook


def _spawn_sandbox(args: argparse.Namespace, prefs: Any, env: m.Environment) -> Any:
    """The embedded sandbox exchange (Binance's sandbox environment, no sandbox URL given) runs in a child process:
    its own GIL, so the window idles and stays responsive; its log is kept in the data dir as sandbox.log; it dies
    with this process. Its interpreter is started before the window is built, held (gated) until the window has
    painted, then released: the exchange's start-up (~0.5 s of CPU) does not compete with the first frame for the
    cores, and is done in time for the connection. None for other venues, and in a frozen bundle (its executable is the app, not a Python that runs ``-c``): the sandbox then runs in-process."""
    from ..storage.settings import data_dir
    from ..venues import registry

    if getattr(sys, "frozen", False) or args.sandbox_url or prefs.sandbox_url \
            or registry.resolve(env.value) != ("binance", "sandbox"):
        return None
    base = args.data_dir if args.data_dir is not None else data_dir()
    return registry.spawn_sandbox_process(Path(base) / "sandbox.log", gated=True)


def _first_paint(report: bool, window: Any) -> "asyncio.Future[None]":
    """A future done once ``window`` has painted for the first time (its first paint event, the paint pass then
    over: its children paint in the same pass); with ``report``, 'startup: first-paint' is printed then. The
    session is connected after it: its imports and the connection do not delay the first frame. The filter watches
    the window alone (not every event of the application)."""
    from PySide6.QtCore import QEvent, QObject

    painted: asyncio.Future[None] = asyncio.get_event_loop().create_future()

    def done() -> None:
        if report:
            print(f"startup: first-paint cpu={time.process_time():.3f}", flush=True)
        if not painted.done():
            painted.set_result(None)

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint:
                watched.removeEventFilter(self)
                QTimer.singleShot(0, done)  # after the paint pass
            return False

    watcher = FirstPaint(window)
    window.installEventFilter(watcher)
    painted.add_done_callback(lambda _: watcher.deleteLater())
    return painted


def main(argv: list[str] | None = None) -> int:
    # The cyclic garbage collector stays off until the window has painted (``python -m terminal`` turned it off
    # before importing the window): building the window makes many objects and frees few, and each collection would
    # scan them all again (about a tenth of the CPU time to the first paint). It is on again after the first paint.
    gc.disable()
    try:
        return _main(argv)
    finally:
        gc.enable()


def _main(argv: list[str] | None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0] if sys.argv else "trading-terminal"])
    app.setApplicationName("Trading Terminal")
    app.setOrganizationName("trading-terminal")
    app.setQuitOnLastWindowClosed(False)  # closing the window ends run() below, which shuts the session down first
    from ..storage import settings as settings_store
    from .mainwindow import MainWindow

    warnings = _Warnings()
    if args.self_test:
        logging.getLogger().addHandler(warnings)
    prefs = settings_store.load(args.settings_dir)
    env = m.Environment(args.env or prefs.environment or "sandbox")
    if args.self_test:  # places an order: only ever on the sandbox, whatever the saved settings say
        if args.env not in (None, m.Environment.SANDBOX.value):
            print(f"trading-terminal: --self-test places an order and runs only on the sandbox, not {args.env}",
                  file=sys.stderr)
            return 2
        env = m.Environment.SANDBOX
    if args.theme:
        prefs.theme = args.theme
        settings_store.save(prefs, args.settings_dir)
    sandbox_child = _spawn_sandbox(args, prefs, env)  # boots in its own process while the window is built
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow(args.settings_dir, env)
    install_excepthook(window)
    painted = _first_paint(args.startup_report, window)
    window.show()  # at once, in a "connecting…" state
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    app.lastWindowClosed.connect(closed.set)


    async def connect() -> Any:
        from .. import session as session_mod
        from ..risk import config as risk_config
        from ..venues import registry
        provider, env_name = registry.resolve(env.value)  # the limits saved for this venue and environment
        limits = risk_config.limits_for(window.settings, provider, env_name)
        sandbox_url = args.sandbox_url or prefs.sandbox_url
        options = {"sandbox_process": sandbox_child} if sandbox_child is not None else {}
        return await session_mod.connect(env, sandbox_url=sandbox_url, data_dir=args.data_dir,
                                         confirm_live=env is m.Environment.LIVE, risk_limits=limits, **options)

    if args.exit_after:
        QTimer.singleShot(int(args.exit_after * 1000), window.close)
    # SIGTERM (a session manager, `kill`, a supervisor) closes the window as the user would: settings saved, session
    # shut down, exit 0. The handler runs on the GUI thread at the next Python callback and only queues the close.
    previous_sigterm = signal.signal(signal.SIGTERM, lambda *_: QTimer.singleShot(0, window.close))

    outcome: list[SelfTestFailed | str] = []

    async def run() -> None:
        if env is m.Environment.LIVE and not await window.confirm("LIVE trading", "Connect to LIVE (real money)?"):
            window.close()
            await window.shutdown()
            return
        try:  # the first frame first (a window that never paints, minimised or hidden, waits no more than 2 s)
            await asyncio.wait_for(asyncio.shield(painted), 2.0)
        except asyncio.TimeoutError:
            pass
        gc.enable()  # (off while the window was built: see main)
        if sandbox_child is not None:
            sandbox_child.release()  # its start-up did not compete with the first frame; connecting waits for it
        task = asyncio.ensure_future(window.start_session(connect))
        # the docks left unbuilt for the first paint, built while the connection waits for the sandbox (after the
        # task's first step: callbacks run in order), not when the session link first binds them
        asyncio.get_running_loop().call_soon(window.deferred.build_all)
        if args.startup_report:
            task.add_done_callback(lambda t: t.cancelled() or t.exception() is not None or not t.result()
                                   or print("startup: connected", flush=True))
        if args.self_test:
            try:
                outcome.append(await self_test(window, task))
            except SelfTestFailed as exc:
                outcome.append(exc)
            window.close()
            closed.set()
        await closed.wait()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await window.shutdown()

    try:
        with loop:
            loop.run_until_complete(run())
    finally:
        signal.signal(signal.SIGTERM, previous_sigterm)
        if sandbox_child is not None:
            sandbox_child.stop()  # (already stopped by the session when it connected and closed)
        # deleted here, on the GUI thread: left to Python, the window (its timers, models, widgets) went when its
        # wrapper was freed, by the garbage collector on whichever thread ran it (tests/ui/test_qobject_ownership.py)
        shiboken6.delete(window)
    if args.self_test:
        logging.getLogger().removeHandler(warnings)
        result = outcome[0] if outcome else SelfTestFailed("did not run")
        if not isinstance(result, SelfTestFailed) and warnings.records:
            first = warnings.records[0]
            result = SelfTestFailed(f"{len(warnings.records)} warning(s) logged, the first from {first.name}: "
                                    f"{first.getMessage()}")
        if isinstance(result, SelfTestFailed):
            print(f"trading-terminal: self-test FAILED: {result}", file=sys.stderr)
            return 1
        print(f"trading-terminal: self-test ok: {result}", flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

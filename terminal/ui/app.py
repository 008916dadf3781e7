"""``trading-terminal``: QApplication + qasync loop + MainWindow; the session connects in the background."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from .. import model as m

log = logging.getLogger("terminal.ui")


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
    return p.parse_args(argv)


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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0] if sys.argv else "trading-terminal"])
    app.setApplicationName("Trading Terminal")
    app.setOrganizationName("trading-terminal")
    app.setQuitOnLastWindowClosed(False)  # closing the window ends run() below, which shuts the session down first
    from ..storage import settings as settings_store
    from .mainwindow import MainWindow

    prefs = settings_store.load(args.settings_dir)
    env = m.Environment(args.env or prefs.environment or "sandbox")
    if args.theme:
        prefs.theme = args.theme
        settings_store.save(prefs, args.settings_dir)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow(args.settings_dir, env)
    install_excepthook(window)
    window.show()  # at once, in a "connecting…" state
    if env is m.Environment.LIVE and not window.confirm("LIVE trading", "Connect to LIVE (real money)?"):
        return 0
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    app.lastWindowClosed.connect(closed.set)

    async def connect() -> Any:
        from .. import session as session_mod
        return await session_mod.connect(env, sandbox_url=args.sandbox_url or prefs.sandbox_url,
                                         data_dir=args.data_dir, confirm_live=env is m.Environment.LIVE)

    if args.exit_after:
        QTimer.singleShot(int(args.exit_after * 1000), window.close)

    async def run() -> None:
        task = asyncio.ensure_future(window.start_session(connect))
        await closed.wait()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await window.shutdown()

    with loop:
        loop.run_until_complete(run())
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

"""The window's protection: the kill switch (toolbar button and Ctrl+Shift+K), its lock kept in the settings, the
Risk… and Audit trail… entries of the Trade menu, and the risk summary in the status bar.

The kill switch locks the session first (``Session.kill_switch``: every new order refused, every open order
cancelled), then stops the strategies, then asks whether to close the positions too (``Session.flatten_positions``:
market orders snapped to the lot step, the only orders the lock lets through). The lock is saved in the settings,
so a restart locks the new session again, until Trade > Unlock trading….
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QToolBar, QToolButton
from qasync import asyncSlot
from shiboken6 import isValid

from ..risk.events import RiskHalted, RiskLimitsChanged, RiskResumed
from ..storage import settings as settings_store
from .dialogs.ask import NO, YES, YES_NO, Icon, ask

if TYPE_CHECKING:
    from .mainwindow import MainWindow

log = logging.getLogger(__name__)
KILL_KEY = "Ctrl+Shift+K"
LOCKED = "trading is locked by the kill switch: Trade > Unlock trading… to trade again"
KILL_STYLE = ("QToolButton#killSwitch { background: #c62828; color: white; font-weight: 800; padding: 4px 14px;"
              " border-radius: 3px; } QToolButton#killSwitch:pressed { background: #8e0000; }")


class Protection:
    def __init__(self, window: "MainWindow") -> None:
        self.w = window
        self.session: Any = None
        self._unsubscribe: list[Any] = []
        self.toolbar = QToolBar("Kill switch", window)
        self.toolbar.setObjectName("toolbar-kill")
        self.toolbar.setMovable(False)
        self.kill_button = QToolButton(self.toolbar)
        self.kill_button.setObjectName("killSwitch")
        self.kill_button.setText("KILL")
        self.kill_button.setToolTip(f"Kill switch ({KILL_KEY}): cancel every order, stop every strategy, lock trading")
        self.kill_button.setStyleSheet(KILL_STYLE)
        self.kill_button.clicked.connect(self._on_kill)
        self.toolbar.addWidget(self.kill_button)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        trade = window.trade_menu
        trade.addSeparator()
        self.kill_action = trade.addAction("Kill switch")
        self.kill_action.setShortcut(QKeySequence(KILL_KEY))
        self.kill_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.kill_action.triggered.connect(self._on_kill)
        window.addAction(self.kill_action)
        self.unlock_action = trade.addAction("Unlock trading…")
        self.unlock_action.triggered.connect(self._on_unlock)
        trade.addSeparator()
        self.risk_action = trade.addAction("Risk…")
        self.risk_action.triggered.connect(self._on_risk)
        self.audit_action = trade.addAction("Audit trail…")
        self.audit_action.triggered.connect(self.show_audit)
        self._timer = QTimer(window)  # the loss used moves with the equity, between the engine's events
        self._timer.timeout.connect(self.refresh_risk)
        self._timer.start(1000)
        self._show_lock()

    @property
    def locked(self) -> bool:
        return bool(self.w.settings.trading_locked)

    # ---- session -------------------------------------------------------------------------------------------
    def attach(self, session: Any) -> None:
        """A new session: lock it if the kill switch was left engaged, and follow its risk engine."""
        self.detach()
        self.session = session
        if self.locked:
            session.kill_switch(True)  # the lock survives restarts: this session starts locked
            log.warning("trading is locked by the kill switch (Trade > Unlock trading… to trade again)")
        bus = session.bus
        self._unsubscribe = [bus.subscribe(t, self._on_risk_event) for t in (RiskHalted, RiskResumed, RiskLimitsChanged)]
        self._show_lock()
        self.refresh_risk()

    def detach(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        self.session = None

    def _on_risk_event(self, _event: object) -> None:
        self.refresh_risk()

    def refresh_risk(self) -> None:
        if self.session is None:
            return
        status = self.session.risk.engine.status()
        self.w.status.set_risk(status.summary(), bool(status.halted))

    def _show_lock(self) -> None:
        """The lock in red in the status bar; the ticket's and the chart's order actions off while it holds (the
        session refuses orders anyway: this says so before the user tries)."""
        w, locked = self.w, self.locked
        w.status.set_locked(locked)
        self.unlock_action.setEnabled(locked)
        if self.session is None:
            return
        enabled = bool(self.session.has_keys) and not locked
        reason = LOCKED if locked else (self.session.keys_problem or "no API keys")
        w.order_entry.set_trading_enabled(enabled, reason)
        if hasattr(w.chart, "set_trading_enabled"):
            w.chart.set_trading_enabled(enabled, reason)

    def _save(self) -> None:  # on the background writer (a failure is logged there), never on the loop
        settings_store.save_later(self.w.settings, self.w.settings_dir)

    # ---- kill switch ---------------------------------------------------------------------------------------
    @asyncSlot()
    async def _on_kill(self) -> None:
        await self.engage()

    async def engage(self) -> str:
        """Lock trading and cancel every order, stop every strategy, then ask whether to close the positions.
        Returns what it did, as shown in the status bar."""
        w, session = self.w, self.session
        w.settings.trading_locked = True  # saved at once: a crash right after still restarts locked
        self._save()
        self._show_lock()
        cancelling = session.kill_switch(True) if session is not None else None
        log.warning("kill switch engaged: orders cancelled, strategies stopped, trading locked")
        await w.automation.strategies.host.stop_all()
        done = ["trading locked"]
        if cancelling is not None:
            try:
                done.append(f"{len(await cancelling)} order(s) cancelled")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - shown; the lock holds whatever happened
                done.append(f"cancel failed: {type(exc).__name__}")
                log.error("kill switch: cancelling failed: %s: %s", type(exc).__name__, getattr(exc, "message", exc))
        if session is not None and session.has_keys and await ask(
                w, "Kill switch", "Trading is locked and every order cancelled.\n\nAlso close all positions?",
                YES_NO, default=NO, icon=Icon.Warning) == YES:
            orders, problems = await session.flatten_positions(w.settings.reference_currency or "USDT")
            done.append(f"{len(orders)} position(s) closed")
            for problem in problems:
                log.error("kill switch: a position was not closed: %s", problem)
                done.append(f"not closed: {problem}")
        text = "Kill switch: " + "; ".join(done)
        w.status.showMessage(text, 30000)
        return text

    @asyncSlot()
    async def _on_unlock(self) -> None:
        await self.unlock()

    async def unlock(self) -> bool:
        """Ask, then allow orders again. True when unlocked."""
        if not self.locked:
            return False
        if await ask(self.w, "Unlock trading", "The kill switch locked trading. Allow orders again?", YES_NO,
                     default=NO, icon=Icon.Warning) != YES:
            return False
        self.w.settings.trading_locked = False
        self._save()
        if self.session is not None:
            self.session.kill_switch(False)
        self._show_lock()
        log.info("trading unlocked")
        self.w.status.showMessage("Trading unlocked.", 10000)
        return True

    # ---- risk and audit ------------------------------------------------------------------------------------
    @asyncSlot()
    async def _on_risk(self) -> None:
        await self.edit_risk()

    async def edit_risk(self) -> Any:
        """The Risk dialog for the window's session (non-modal); the new limits, or None."""
        from .dialogs.risk import edit_limits
        if self.session is None:
            self.w.status.showMessage("Not connected: the risk limits are per venue and environment.", 5000)
            return None
        limits = await edit_limits(self.session, self.w.settings, self.w, self.w.settings_dir)
        self.refresh_risk()
        return limits

    def show_audit(self) -> Any:
        """The audit trail of the window's session, non-modal (never exec)."""
        from .dialogs.audit import AuditDialog
        from .dialogs.run import run_dialog
        audit = getattr(self.session, "audit", None)
        if audit is None:
            self.w.status.showMessage("No audit trail: not connected.", 5000)
            return None
        dialog = AuditDialog(audit, self.w)
        self.audit_dialog = dialog
        task = asyncio.get_running_loop().create_task(run_dialog(dialog, modal=False))
        task.add_done_callback(lambda _t: dialog.deleteLater() if isValid(dialog) else None)
        return dialog

"""The status bar: the environment, unmistakably (LIVE in red), connection state, latency, clock offset, rate use."""
from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar, QWidget

from ... import model as m
from .. import theme


#: the ConnectionChanged stream of an expired login (session.facade.SESSION_STREAM; "session@venue" for another venue)
SESSION_STREAM = "session"


class TerminalStatusBar(QStatusBar):
    #: "Log in again" clicked: the window reconnects (File > Reconnect)
    reconnect_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.expired_label = QLabel("", self)  # "<venue>: session expired — log in again", in amber
        self.expired_label.setObjectName("connWait")
        self.expired_label.hide()
        self.login_button = QPushButton("Log in again", self)
        self.login_button.setToolTip("File > Reconnect: connect again with a new login")
        self.login_button.clicked.connect(self.reconnect_requested)
        self.login_button.hide()
        self.env_label = QLabel("—", self)
        self.conn_label = QLabel("connecting…", self)
        self.trading_label = QLabel("", self)
        self.trading_label.setObjectName("connBad")
        self.trading_label.hide()
        self.lock_label = QLabel("", self)  # the kill switch's lock, in red until the user unlocks trading
        self.lock_label.setObjectName("connBad")
        self.lock_label.hide()
        self.key_label = QLabel("", self)  # key hygiene: "key can withdraw" in red (details in the tooltip)
        self.key_label.setObjectName("connBad")
        self.key_label.hide()
        self.risk_label = QLabel("", self)  # the risk engine's summary ("risk: 34% of daily loss used")
        self.risk_label.hide()
        self.latency_label = QLabel("latency —", self)
        self.offset_label = QLabel("clock —", self)
        self.rate_label = QLabel("weight —", self)
        self.budget_label = QLabel("", self)  # request budgets per minute: "finnhub: 12/60 req/min", amber past 80%
        self.budget_label.hide()
        self.clock_label = QLabel("", self)
        for w in (self.env_label, self.conn_label, self.trading_label):
            self.addWidget(w)
        # the lock and the risk summary are permanent widgets: a status message never hides them
        for w in (self.expired_label, self.login_button, self.lock_label, self.key_label, self.risk_label, self.latency_label, self.offset_label, self.rate_label,
                  self.budget_label, self.clock_label):
            self.addPermanentWidget(w)
        self.set_connection("connecting", "connecting…")
        theme.style(self)
        self.streams: dict[str, bool] = {}
        self.drops = 0
        self.venue_labels: dict[str, QLabel] = {}  # one per venue once the window holds several

    def set_environment(self, env: m.Environment) -> None:
        self.env_label.setText(env.name)
        self.env_label.setObjectName(f"env{env.name}")
        self.env_label.setToolTip({"LIVE": "LIVE trading: real money", "TESTNET": "Binance Spot testnet",
                                   "SANDBOX": "Local sandbox exchange"}[env.name])
        self._repolish(self.env_label)

    def set_connection(self, state: str, text: str) -> None:
        """state: ok, wait (connecting / reconnecting), bad."""
        self.conn_label.setText(text)
        self.conn_label.setObjectName({"ok": "connOk", "wait": "connWait", "connecting": "connWait"}.get(state, "connBad"))
        self._repolish(self.conn_label)

    def set_trading(self, enabled: bool, reason: str = "") -> None:
        """A permanent, visible note when trading is disabled (no keys, no keyring, keys refused)."""
        self.trading_label.setText("" if enabled else "TRADING DISABLED")
        self.trading_label.setToolTip(reason)
        self.trading_label.setVisible(not enabled)

    def set_locked(self, locked: bool, reason: str = "") -> None:
        """The kill switch's lock: "TRADING LOCKED" in red while every new order is refused."""
        self.lock_label.setText("TRADING LOCKED (kill switch)" if locked else "")
        self.lock_label.setToolTip(reason or "Trade > Unlock trading… to trade again")
        self.lock_label.setVisible(locked)

    def set_risk(self, summary: str, halted: bool) -> None:
        """The risk engine's summary (``RiskStatus.summary()``), red while opening orders are halted."""
        name = "connBad" if halted else ""
        if self.risk_label.text() != summary or self.risk_label.objectName() != name:
            self.risk_label.setText(summary)
            self.risk_label.setObjectName(name)
            self._repolish(self.risk_label)
        self.risk_label.setVisible(bool(summary))

    def set_key_warnings(self, warnings: dict[str, list[str]]) -> None:
        """Each venue's key hygiene warnings (``Session.key_warnings``): a red "⚠ key: ..." with the first problem
        in short, every warning in the tooltip; nothing when every key is fine."""
        shown = {venue: w for venue, w in warnings.items() if w}
        if not shown:
            self.key_label.hide()
            return
        venue, first = next(iter(shown.items()))
        short = ("can withdraw" if "WITHDRAW" in first[0] else "not IP-restricted" if "IP" in first[0]
                 else "can move funds" if "move funds" in first[0] else "check its permissions")
        more = sum(len(w) for w in shown.values()) - 1
        self.key_label.setText(f"⚠ {venue} API key {short}" + (f" (+{more})" if more else ""))
        self.key_label.setToolTip("\n".join(f"{v}: {t}" for v, ws in shown.items() for t in ws)
                                  + "\n\nChange it at the exchange (API management), then File > Reconnect.")
        self.key_label.show()

    def set_expired(self, text: str) -> None:
        """A venue's login expired: its words in amber and a "Log in again" button; "" hides both."""
        self.expired_label.setText(text)
        self.expired_label.setVisible(bool(text))
        self.login_button.setVisible(bool(text))

    def on_connections(self, events: list[m.ConnectionChanged]) -> None:
        for e in events:  # one at a time, so a drop and its recovery in the same frame both show
            if e.stream.partition("@")[0] == SESSION_STREAM:  # not a stream: the login itself
                self.set_expired("" if e.connected else e.reason)
                continue
            if self.streams.get(e.stream, True) and not e.connected:
                self.drops += 1
            self.streams[e.stream] = e.connected
            down = [s for s, ok in self.streams.items() if not ok]
            if down:
                why = f" ({e.reason})" if e.reason and not e.connected else ""
                self.set_connection("wait", f"● reconnecting {', '.join(sorted(down))}{why}")
            else:
                extra = f" · {self.drops} drop{'s' if self.drops != 1 else ''} recovered" if self.drops else ""
                self.set_connection("ok", f"● connected{extra}")

    def set_venues(self, states: dict[str, tuple[bool, str]]) -> None:
        """Each venue's connection, when the window holds several: ``{venue: (all streams up, text)}``."""
        for venue in [v for v in self.venue_labels if v not in states]:
            label = self.venue_labels.pop(venue)
            self.removeWidget(label)
            label.deleteLater()
        if len(states) < 2:
            for label in self.venue_labels.values():
                label.hide()
            self.conn_label.show()
            return
        self.conn_label.hide()
        for venue, (up, text) in states.items():
            label = self.venue_labels.get(venue)
            if label is None:
                label = self.venue_labels[venue] = QLabel(self)
                self.addPermanentWidget(label)  # on the right: a status message cannot cover it
            label.show()
            shown = f"● {venue}: {text}"
            if label.text() != shown:
                label.setText(shown)
                label.setObjectName("connOk" if up else "connWait")
                self._repolish(label)

    def set_health(self, latency_ms: float | None, offset_ms: float | None, weight_used: int | None,
                   weight_limit: int | None) -> None:
        self.latency_label.setText(f"latency {latency_ms:.0f} ms" if latency_ms is not None else "latency —")
        self.offset_label.setText(f"clock {offset_ms:+.0f} ms" if offset_ms is not None else "clock —")
        if weight_used is not None and weight_limit:
            self.rate_label.setText(f"weight {weight_used}/{weight_limit} ({100 * weight_used / weight_limit:.0f}%)")
        elif weight_used is not None:
            self.rate_label.setText(f"weight {weight_used}")
        self.clock_label.setText(time.strftime("%H:%M:%S"))

    def set_budgets(self, budgets: list[tuple[str, int, int, float]]) -> None:
        """Request budgets (not Binance weight): ``(venue, used, limit, window_s)`` each, said as "finnhub: 12/60
        req/min", in amber past 80% of any. The weight label makes way when no venue reports weight."""
        parts = []
        hot = False
        for venue, used, limit, window_s in budgets:
            per = "min" if window_s == 60 else f"{window_s:g} s"
            parts.append(f"{venue}: {used}/{limit} req/{per}")
            hot = hot or (limit > 0 and used > 0.8 * limit)
        text = " · ".join(parts)
        name = "connWait" if hot else ""
        if self.budget_label.text() != text or self.budget_label.objectName() != name:
            self.budget_label.setText(text)
            self.budget_label.setObjectName(name)
            self.budget_label.setToolTip("Requests used in the provider's current window of its per-minute budget, "
                                         "shared by the chart, the watchlist, news and strategies")
            self._repolish(self.budget_label)
        self.budget_label.setVisible(bool(parts))
        self.rate_label.setVisible(not parts or not self.rate_label.text().startswith("weight —"))

    @staticmethod
    def _repolish(w: QLabel) -> None:
        w.style().unpolish(w)
        w.style().polish(w)

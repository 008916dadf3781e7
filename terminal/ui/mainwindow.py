"""The terminal window: docks, menus, shortcuts, theme, and a layout that is saved and restored."""
from __future__ import annotations

import asyncio
import base64
import logging
from pathlib import Path
from typing import Any, Awaitable, Callable

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QDialog, QDockWidget, QLabel, QMainWindow, QMessageBox, QWidget
from qasync import asyncSlot

from .. import model as m
from ..storage import settings as settings_store
from . import theme
from .bridge import Bridge
from . import layout
from .dialogs.ask import NO, YES, YES_NO, Icon, ask
from .layout import PRESETS, TRADING
from .widgets.blotters import BlottersWidget
from .widgets.book import BookTradesWidget
from .widgets.deferred import DeferredDocks, deferred
from .widgets.log import LogWidget
from .widgets.order_entry import OrderEntryWidget
from .widgets.statusbar import TerminalStatusBar
from .widgets.watchlist import WatchlistWidget

log = logging.getLogger(__name__)
Area = Qt.DockWidgetArea
SHORTCUTS = [
    ("F1", "This help"),
    ("Ctrl+B", "Buy: focus the order entry on the buy side"),
    ("Ctrl+S", "Sell: focus the order entry on the sell side"),
    ("Enter", "Send the order from any order-entry field (with confirmation)"),
    ("Ctrl+Shift+B", "Buy at the bid: a limit buy of the ticket's amount at the best bid"),
    ("Ctrl+Shift+S", "Sell at the ask: a limit sell of the ticket's amount at the best ask"),
    ("Ctrl+Shift+F", "Flatten the selected symbol: sell its free balance at market"),
    ("Esc", "Cancel all open orders (asks first)"),
    ("Ctrl+Shift+K", "Kill switch: cancel every order, stop every strategy, lock trading (asks about positions)"),
    ("Ctrl+K", "API keys"),
    ("Ctrl+T", "Switch dark / light theme"),
    ("Ctrl+Shift+R", "Reset the layout"),
    ("Ctrl+Shift+C", "Reconnect (after new API keys)"),
    ("Delete", "Remove the selected watchlist symbol"),
]


def make_chart(parent: QWidget) -> QWidget:
    """The chart engineer's ChartWidget, or a placeholder with the same API while it is missing."""
    try:
        from .chart.widget import ChartWidget
        return ChartWidget(parent, theme=theme.colors().name)
    except Exception as exc:  # pragma: no cover - only while the chart is not there
        log.warning("chart unavailable (%s); using a placeholder", type(exc).__name__)
        from .widgets.chart_placeholder import PlaceholderChart
        return PlaceholderChart(parent)


class MainWindow(QMainWindow):
    #: docks tabbed behind others at start, built when first shown or read (``widgets/deferred.py``): those whose
    #: minimum size never exceeds their tab group's (a placeholder has none). Alerts and Data are wider than the log
    #: and the blotters: their placeholders would let those columns narrow, so they are built with the window.
    news = deferred("news", "headlines from a news provider (Finnhub), tabbed with the blotters")
    fundamentals = deferred("fundamentals", "the selected symbol's fundamentals, tabbed with the book")
    health = deferred("health", "feed health per stream, tabbed with the log")

    def __init__(self, settings_dir: Path | None = None, environment: m.Environment = m.Environment.SANDBOX) -> None:
        settings = settings_store.load(settings_dir)
        # the theme (palette, font) before the window exists: a window made first kept the application's old font
        # until the change reached it from the event loop, and its widgets polished with a style sheet meanwhile kept
        # that font for good (9 pt menu bar, headers and labels, in the first window only)
        theme.apply(QApplication.instance(), settings.theme)  # type: ignore[arg-type]
        super().__init__()
        self.settings_dir = settings_dir
        self.settings = settings
        self.environment = environment
        self.setWindowTitle(f"Trading Terminal — {environment.name}")
        self.setDockNestingEnabled(True)
        self.setDocumentMode(True)
        self.resize(1560, 940)
        self.bridge = Bridge(self)
        self.docks: dict[str, QDockWidget] = {}
        self._docks_made: dict[str, QDockWidget] = {}  # made, not added yet (add_dock adds them)
        self.deferred = DeferredDocks()
        # each dock's widget is made inside its dock (see _new_dock), in the order the docks are added
        dock = self._new_dock
        self.watchlist = WatchlistWidget(dock("watchlist", "Watchlist"))
        self.chart: Any = make_chart(dock("chart", "Chart"))  # ChartWidget (terminal.ui.chart) or its placeholder
        if hasattr(self.chart, "set_indicator_store"):  # each symbol's indicators, saved with the settings
            from .chart.store import SettingsStore
            self.chart.set_indicator_store(SettingsStore(self.settings))
        self.book_trades = BookTradesWidget(self._instrument_of, dock("book", "Book && trades"))
        self._ticket_area = _scroll_area(dock("order_entry", "Order entry"))
        self.order_entry = OrderEntryWidget(self._ticket_area.viewport())
        self.order_entry.quote_of = self._touch_of  # best bid/ask as the watchlist shows them
        _fit(self._ticket_area, self.order_entry)
        self.blotters = BlottersWidget(self._instrument_of, dock("blotters", "Orders && positions"))
        self.log_widget = LogWidget(dock("log", "Log"))
        for name, title in (("health", "Feed health"), ("alerts", "Alerts"), ("news", "News"),
                            ("fundamentals", "Fundamentals"), ("data", "Data")):
            dock(name, title)
        from .widgets.alerts import AlertsWidget
        self.alerts = AlertsWidget(self._docks_made["alerts"])  # price and condition alerts (market.alerts)
        from .widgets.data import DataWidget
        self.data = DataWidget(self._docks_made["data"])  # the kline history cache of the window's venues
        self.status = TerminalStatusBar(self)
        self.setStatusBar(self.status)
        self.status.reconnect_requested.connect(self._on_reconnect)  # "Log in again" after a session expired
        self.status.set_environment(environment)
        self.order_entry.set_environment(environment)
        self.order_entry.confirm_box.setChecked(self.settings.confirm_orders or environment is m.Environment.LIVE)
        self.instruments: dict[str, m.Instrument] = {}
        self.view_menu = self.menuBar().addMenu("&View")
        theme.style(self.menuBar())
        self._build_docks()
        self._build_menus()
        self._build_shortcuts()
        from .protection import Protection  # the kill switch, its lock, Risk… and Audit trail…
        self.protection = Protection(self)
        self._restored = self._restore_layout()
        self._sized = False
        logging.getLogger().addHandler(self.bridge.log_buffer)  # the log dock shows the app's own records
        self.bridge.logs.connect(self.log_widget.on_logs)
        self.bridge.frame.connect(self.log_widget.flush)
        self.bridge.connections.connect(self.status.on_connections)
        self.bridge.connections.connect(self._on_connections)
        self.confirm: Callable[[str, str], Awaitable[bool]] = self._confirm_dialog  # awaited, never blocks
        self.link: Any = None  # the SessionLink once connected
        self.bridge.start()
        self._clock = QTimer(self)
        self._clock.timeout.connect(lambda: self.status.set_health(None, None, None, None) if self.link is None else None)
        self._clock.start(1000)

    def _on_connections(self, events: list[m.ConnectionChanged]) -> None:
        self.health.on_connections(events)  # (the dock's widget is built by the first event if not before)

    def _make_health(self) -> QWidget:
        from .widgets.health import HealthWidget
        widget = HealthWidget(self.docks["health"])
        self.bridge.frame.connect(widget.flush)
        return widget

    def _make(self, name: str) -> QWidget:
        """The deferred dock ``name``'s widget (its module imported only then), made inside its dock."""
        if name == "health":
            return self._make_health()
        if name == "news":
            from .widgets.news import NewsWidget
            return NewsWidget(self.docks[name])
        from .widgets.fundamentals import FundamentalsWidget
        return FundamentalsWidget(self.docks[name])

    def _instrument_of(self, symbol: str) -> m.Instrument | None:
        return self.instruments.get(symbol)

    def _touch_of(self, symbol: str) -> tuple[Any, Any] | None:
        row = self.watchlist.model.lookup(symbol)
        return (row.bid, row.ask) if row is not None else None

    # ---- docks ---------------------------------------------------------------------------------------------
    def _new_dock(self, name: str, title: str) -> QDockWidget:
        """The dock ``name``, made before its widget so that the widget is made inside it (``add_dock`` then
        finds it): a widget moved into its dock later, with a style sheet of its own (the ticket, the alerts), is
        polished again with everything in it when it moves."""
        dock = self._docks_made[name] = QDockWidget(title, self)
        return dock

    def add_dock(self, name: str, widget: QWidget, area: Qt.DockWidgetArea = Area.RightDockWidgetArea,
                 title: str | None = None) -> QDockWidget:
        """Add a dock (also for other packages: strategies, backtests). ``name`` is its stable object name, used
        by the saved layout; the View menu gets a toggle for it."""
        dock = self._docks_made.pop(name, None) or QDockWidget(title or name, self)
        dock.setObjectName(f"dock-{name}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        self.docks[name] = dock
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def _build_docks(self) -> None:
        """The docks; the ticket scrolls inside its dock rather than forcing the window taller than a laptop
        screen (1280x720) once its exits and options are open. The docks behind others at start are built when
        first shown or used (``self.deferred``)."""
        for name, widget in (("watchlist", self.watchlist), ("chart", self.chart), ("book", self.book_trades),
                             ("order_entry", self._ticket_area),
                             ("blotters", self.blotters), ("log", self.log_widget), ("health", None),
                             ("alerts", self.alerts), ("news", None), ("fundamentals", None), ("data", self.data)):
            dock = self.add_dock(name, widget or QWidget(), Area.LeftDockWidgetArea)
            if widget is None:
                self.deferred.add(name, dock, lambda n=name: self._make(n))
        self.view_menu.addSeparator()
        from .automation import install_automation_docks  # backtest and strategies, tabbed with the blotters

        install_automation_docks(self, lambda: self.link.session if self.link is not None else None)
        self.preset = TRADING
        layout.arrange(self, TRADING)

    def _default_sizes(self) -> None:
        layout.size(self, self.preset)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        keys = file_menu.addAction("API &keys…")
        keys.setShortcut(QKeySequence("Ctrl+K"))
        keys.triggered.connect(self.show_keys)
        reconnect = file_menu.addAction("&Reconnect")
        reconnect.setShortcut(QKeySequence("Ctrl+Shift+C"))
        reconnect.triggered.connect(self._on_reconnect)
        self.add_venue_action = file_menu.addAction("Add &venue…")  # another connection next to this one
        self.add_venue_action.triggered.connect(self._on_add_venue)
        from ..venues import registry
        #: File > Connect to <provider>…: the Add venue dialog with that provider chosen (only registered ones)
        self.connect_actions: dict[str, QAction] = {}
        for provider, title in (("ib", "Interactive Brokers"), ("kite", "Zerodha Kite"),
                                ("finnhub", "Finnhub (market data)"), ("truedata", "TrueData (market data)")):
            if provider in registry.ADAPTERS:
                action = file_menu.addAction(f"Connect to {title}…")
                action.triggered.connect(lambda _=False, p=provider: self._on_connect_to(p))
                self.connect_actions[provider] = action
        env_menu = file_menu.addMenu("&Environment")
        env_group = QActionGroup(self)
        self.env_actions: dict[m.Environment, QAction] = {}
        for env in m.Environment:
            a = env_menu.addAction(env.name)
            a.setCheckable(True)
            a.setChecked(env is self.environment)
            a.triggered.connect(lambda _=False, e=env: self._on_environment(e))
            env_group.addAction(a)
            self.env_actions[env] = a
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        bar.removeAction(self.view_menu.menuAction())
        bar.addMenu(self.view_menu)
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name in ("dark", "light"):
            a = self.view_menu.addAction(f"{name.title()} theme")
            a.setCheckable(True)
            a.setChecked(name == theme.colors().name)
            a.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            group.addAction(a)
            self.theme_actions[name] = a
        toggle = self.view_menu.addAction("Toggle theme")
        toggle.setShortcut(QKeySequence("Ctrl+T"))
        toggle.triggered.connect(lambda: self.set_theme("light" if theme.colors().name == "dark" else "dark"))
        self.view_menu.addSeparator()
        presets = QActionGroup(self)
        self.preset_actions: dict[str, QAction] = {}
        for name in PRESETS:
            a = self.view_menu.addAction(f"{name} layout")
            a.setCheckable(True)
            a.setChecked(name == self.preset)
            a.setToolTip(layout.DESCRIPTIONS[name])
            a.triggered.connect(lambda _=False, n=name: self.set_preset(n))
            presets.addAction(a)
            self.preset_actions[name] = a
        reset = self.view_menu.addAction("&Reset layout")
        reset.setShortcut(QKeySequence("Ctrl+Shift+R"))
        reset.triggered.connect(self.reset_layout)
        trade = self.trade_menu = bar.addMenu("&Trade")
        for text, key, fn in (("Buy", "Ctrl+B", lambda: self.order_entry.focus_side(m.Side.BUY)),
                              ("Sell", "Ctrl+S", lambda: self.order_entry.focus_side(m.Side.SELL)),
                              ("Buy at bid", "Ctrl+Shift+B", self.order_entry.buy_at_bid),
                              ("Sell at ask", "Ctrl+Shift+S", self.order_entry.sell_at_ask),
                              ("Flatten", "Ctrl+Shift+F", self.order_entry.flatten),
                              ("Cancel all orders…", "Esc", self._on_cancel_all)):
            a = trade.addAction(text)
            a.setShortcut(QKeySequence(key))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.triggered.connect(fn)
            self.addAction(a)
        help_menu = bar.addMenu("&Help")
        h = help_menu.addAction("Keyboard shortcuts")
        h.setShortcut(QKeySequence("F1"))
        h.triggered.connect(self.show_help)
        self.addAction(h)
        self.about_action = help_menu.addAction("&About Trading Terminal…")
        self.about_action.triggered.connect(self.show_about)

    def _build_shortcuts(self) -> None:
        self._shortcuts: list[QShortcut] = []

    # ---- layout --------------------------------------------------------------------------------------------
    def _restore_layout(self) -> bool:
        ui = self.settings.ui
        try:
            if isinstance(ui.get("geometry"), str):
                self.restoreGeometry(QByteArray(base64.b64decode(ui["geometry"])))
            preset = ui.get("preset")
            if preset in PRESETS and preset != self.preset:
                self.preset = preset
                layout.arrange(self, preset)
                self.preset_actions[preset].setChecked(True)
            if isinstance(ui.get("window_state"), str):
                return bool(self.restoreState(QByteArray(base64.b64decode(ui["window_state"]))))
        except (ValueError, TypeError):
            log.warning("the saved window layout is unreadable; using the default")
        return False

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._sized:  # dock proportions need the real window size, known only once shown
            self._sized = True
            if not self._restored:
                QTimer.singleShot(0, self._default_sizes)

    def set_preset(self, name: str) -> None:
        """Switch to the "Trading" or "Automation" layout: the current arrangement is kept for when the user comes
        back to it (also across restarts); a preset never used is arranged from its default."""
        if name not in PRESETS:
            raise ValueError(f"unknown layout {name!r}; one of {', '.join(PRESETS)}")
        self.preset_actions[name].setChecked(True)
        if name == self.preset:
            return
        states = dict(self.settings.ui.get("layouts") or {})
        states[self.preset] = base64.b64encode(bytes(self.saveState().data())).decode("ascii")
        self.settings.ui = {**self.settings.ui, "layouts": states, "preset": name}
        self.preset = name
        saved = states.get(name)
        if isinstance(saved, str) and self.restoreState(QByteArray(base64.b64decode(saved))):
            return
        layout.arrange(self, name)
        layout.size(self, name)

    def reset_layout(self) -> None:
        """The current preset's default arrangement (its saved state is forgotten)."""
        states = dict(self.settings.ui.get("layouts") or {})
        states.pop(self.preset, None)
        self.settings.ui = {**self.settings.ui, "layouts": states}
        layout.arrange(self, self.preset)
        layout.size(self, self.preset)

    def save_settings(self, wait: bool = False) -> None:
        """The window's settings as they are now: queued for the background writer (never the GUI thread's disk
        wait), or written before returning with ``wait`` (the window closing: the process may end next)."""
        ui = dict(self.settings.ui)
        ui["geometry"] = base64.b64encode(bytes(self.saveGeometry().data())).decode("ascii")
        ui["window_state"] = base64.b64encode(bytes(self.saveState().data())).decode("ascii")
        ui["preset"] = self.preset
        self.settings.ui = ui
        self.settings.theme = theme.colors().name
        automation = getattr(self, "automation", None)
        if automation is not None and getattr(self, "_strategies_restored", False):
            self.settings.strategies = automation.snapshot()  # (not before they were restored: none would be kept)
        self.settings.confirm_orders = self.order_entry.confirm_box.isChecked()
        if self.link is not None:
            self.settings.watchlist = self.watchlist.symbols()
            if self.link.symbol:
                self.settings.chart_symbol = self.link.symbol
            self.settings.chart_interval = self.link.interval
        if not wait:
            settings_store.save_later(self.settings, self.settings_dir)  # an error is logged by the writer
            return
        try:
            settings_store.save(self.settings, self.settings_dir)
        except OSError as exc:
            log.warning("cannot save settings: %s", type(exc).__name__)

    def set_theme(self, name: str) -> None:
        theme.apply(QApplication.instance(), name)  # type: ignore[arg-type]
        if hasattr(self.chart, "set_theme"):
            self.chart.set_theme(name)
        self.theme_actions[name].setChecked(True)
        self.status.set_environment(self.environment)
        for mdl in (self.watchlist.model, *self.blotters.models(), self.book_trades.book_model):
            if mdl.rowCount() and mdl.columnCount():
                mdl.dataChanged.emit(mdl.index(0, 0), mdl.index(mdl.rowCount() - 1, mdl.columnCount() - 1))

    # ---- actions -------------------------------------------------------------------------------------------
    async def _confirm_dialog(self, title: str, text: str) -> bool:
        return await ask(self, title, text, YES_NO, default=NO, icon=Icon.Warning) == YES

    @asyncSlot()
    async def _on_cancel_all(self) -> None:
        await self.confirm_cancel_all()

    async def confirm_cancel_all(self) -> int:
        """Ask, then cancel every open order. Returns the number of symbols cancelled (0 when declined)."""
        n = self.blotters.open_model.rowCount()
        if n == 0:
            self.status.showMessage("No open orders.", 3000)
            return 0
        if not await self.confirm("Cancel all orders", f"{self.environment.name}: cancel all {n} open orders?"):
            return 0
        return await self.blotters.cancel_all()

    @asyncSlot(object)
    async def _on_environment(self, env: m.Environment) -> None:
        await self.choose_environment(env)

    async def choose_environment(self, env: m.Environment) -> bool:
        """Remember the environment for the next start (a running session is never switched under open orders)."""
        if env is m.Environment.LIVE and not await self.confirm(
                "LIVE trading", "Use LIVE (real money) from the next start? Orders will always ask for confirmation."):
            self.env_actions[self.environment].setChecked(True)
            return False
        self.settings.environment = env.value
        self.save_settings()
        self._audit("environment.chosen", environment=env.value, takes_effect="next start")
        if env is not self.environment:
            self.status.showMessage(f"{env.name} takes effect when the terminal restarts.", 10000)
        return True

    def show_help(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in SHORTCUTS)
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", f"<table>{rows}</table>"
                          "<p>Click a price in the book, the trades or the chart to use it in the order entry.</p>",
                          QMessageBox.StandardButton.Close, self)
        box.setModal(False)
        box.show()
        self._help = box

    def show_about(self) -> None:
        from .dialogs.about import AboutDialog
        if getattr(self, "_about", None) is None:
            self._about = AboutDialog(self, self.settings_dir)
        if self._about.isVisible():
            self._about.raise_()
        self._about.show()  # non-modal, never exec(): the session's tasks keep running

    def show_keys(self) -> None:
        from .dialogs.keys import KeysDialog
        warnings = ({name: list(getattr(s, "key_warnings", [])) for name, s in self.link.workspace.sessions.items()}
                    if self.link is not None else {})
        dlg = KeysDialog(self, self.environment, warnings)
        dlg.keys_changed.connect(self._on_keys_changed)
        dlg.setModal(False)
        dlg.show()
        self._keys_dialog = dlg
        import asyncio
        try:
            asyncio.get_running_loop().create_task(dlg.load())
        except RuntimeError:
            pass

    # ---- session -------------------------------------------------------------------------------------------
    async def start_session(self, connect: Callable[[], Awaitable[Any]]) -> bool:
        """Connect in the background (the window is already usable), then attach. Returns True when attached."""
        from .link import SessionLink
        self._connect_fn = connect
        self.status.set_connection("connecting", f"connecting to {self.environment.value}…")
        try:
            session = await connect()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("cannot connect to %s: %s: %s", self.environment.value, type(exc).__name__,
                      getattr(exc, "message", exc))
            self.status.set_connection("bad", f"not connected: {type(exc).__name__}")
            return False
        self.link = SessionLink(self, session)
        await self.link.attach()
        self.protection.attach(session)
        self.status.set_connection("ok", "● connected")
        log.info("connected to %s (%d instruments)", self.environment.value, len(session.instruments))
        if not getattr(self, "_strategies_restored", False) and getattr(self, "automation", None) is not None:
            self._strategies_restored = True  # once per window: a reconnect keeps the dock's instances
            await self.automation.restore(list(self.settings.strategies))
        return True

    async def reconnect(self) -> bool:
        """Close the session and connect again (after new API keys, or by hand)."""
        connect = getattr(self, "_connect_fn", None)
        if connect is None:
            return False
        added: list[tuple[str, dict[str, Any]]] = []
        if self.link is not None:
            added = list(self.link.added)
            await self.automation.session_closing()  # live strategies stop before their session goes
            self.protection.detach()
            link, self.link = self.link, None
            await link.close()
        self.status.streams.clear()
        if not await self.start_session(connect):
            return False
        for provider, options in added:  # the venues added with File > Add venue… come back with it
            await self.add_venue(provider, **options)
        return True

    @asyncSlot()
    async def _on_reconnect(self) -> None:
        await self.reconnect()

    @asyncSlot()
    async def _on_add_venue(self) -> None:
        await self.ask_add_venue()

    @asyncSlot()
    async def _on_connect_to(self, provider: str) -> None:
        await self.ask_add_venue(provider)

    async def ask_add_venue(self, provider: str | None = None) -> str | None:
        """File > Add venue… (or Connect to <provider>…): a non-modal dialog (the window keeps working), a second
        question for a LIVE environment, then ``add_venue``."""
        from .dialogs.run import run_dialog
        from .dialogs.venue import AddVenueDialog
        present = tuple(self.link.workspace.sessions) if self.link is not None else ()
        dlg = self.add_venue_dialog = AddVenueDialog(self, present, provider)
        try:
            if await run_dialog(dlg, modal=False) != QDialog.DialogCode.Accepted.value:
                return None
            choice = dlg.choice()
        finally:
            dlg.deleteLater()
        options = dict(choice.options)
        if choice.live:
            if not await self.confirm("LIVE trading", f"Connect to {choice.provider} LIVE (real money)? Orders will "
                                                      "always ask for confirmation."):
                self.status.showMessage(f"{choice.provider} LIVE: not connected.", 5000)
                return None
            options["confirm_live"] = True
        return await self.add_venue(choice.provider, env=choice.env, **options)

    async def add_venue(self, provider: str, **options: Any) -> str | None:
        """Connect ``provider`` next to the window's venues (see ``SessionLink.add_venue``); None if it failed."""
        if self.link is None:
            self.status.showMessage("Connect first: the added venue joins the window's connection.", 8000)
            return None
        try:
            name = await self.link.add_venue(provider, **options)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # expected: a duplicate, an option it does not take, a venue that cannot connect
            from ..venues.ports import SessionExpired, VenueError
            from .login import log_in, needs_browser_login
            if (isinstance(exc, SessionExpired) and "access_token" not in options
                    and needs_browser_login(provider, options.get("env"))):  # Kite's daily login, in the browser
                try:
                    token = await log_in(self, provider, options.get("env"))
                except VenueError as failed:  # a refused or timed-out login: said, not connected
                    log.error("login to %s failed: %s", provider, getattr(failed, "message", failed))
                    self.status.showMessage(f"{provider}: login failed: {getattr(failed, 'message', failed)}", 15000)
                    return None
                return await self.add_venue(provider, **options, access_token=token) if token else None
            log.error("cannot add %s: %s: %s", provider, type(exc).__name__, getattr(exc, "message", exc))
            self.status.showMessage(f"Cannot add {provider}: {getattr(exc, 'message', exc)}", 10000)
            return None
        self.status.showMessage(f"Added {name}: watch its instruments as SYMBOL@{name}.", 8000)
        return name

    async def shutdown(self) -> None:
        self.bridge.stop()
        await self.automation.shutdown()
        if self.link is not None:
            self.protection.detach()
            link, self.link = self.link, None
            self.settings.watchlist = self.watchlist.symbols()
            await link.close()

    def _audit(self, action: str, **details: Any) -> None:
        """A user action on the window's settings, in the audit trail of the window's session (never a secret)."""
        audit = getattr(self.link.session, "audit", None) if self.link is not None else None
        if audit is not None:
            audit.record(action, "user", **details)

    def _on_keys_changed(self, env_value: str) -> None:
        self._audit("keys.changed", keys=env_value)  # which keys (an environment or a provider), never the keys
        if env_value == self.environment.value and self.link is not None:
            self.status.showMessage("New API keys: File > Reconnect (Ctrl+Shift+C) to use them.", 15000)

    def closeEvent(self, event: QCloseEvent) -> None:
        for dialog in self.findChildren(QDialog):  # a question still open is answered "no": its task goes on
            if dialog.isVisible() and dialog.isModal():
                dialog.reject()
        self.save_settings(wait=True)
        self.bridge.stop()
        logging.getLogger().removeHandler(self.bridge.log_buffer)
        super().closeEvent(event)


def _scroll_area(parent: QWidget) -> Any:
    """The automation docks' scroll area (in ``parent``), scrolling only vertically; its widget is made in its
    viewport (see ``_fit``)."""
    from .automation import scroll_area
    area = scroll_area(None)
    area.setParent(parent)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


def _fit(area: Any, widget: QWidget) -> None:
    """``widget`` (made in ``area``'s viewport: not moved there, see ``MainWindow._new_dock``) scrolling in
    ``area``: as wide as the widget needs (plus the scroll bar) and as tall as it is when built (the ticket with its
    exits folded), so what it grows by later scrolls instead of growing the window."""
    area.setWidget(widget)
    area.setMinimumWidth(widget.minimumSizeHint().width() + area.verticalScrollBar().sizeHint().width())
    area.setMinimumHeight(widget.minimumSizeHint().height())

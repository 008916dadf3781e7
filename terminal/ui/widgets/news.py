"""The News dock: headlines for the selected symbol, for the watched symbols and for the market, from the window's
news provider (a session whose venue serves ``news``: Finnhub).

Three tabs: the selected symbol's headlines, the watched symbols' (what arrived while the window was open) and the
market's. Time, source, headline; a click or Enter opens the article (``open_url``, by default
``QDesktopServices.openUrl``; tests replace it). A new headline for a watched symbol is highlighted for a few
seconds and counted on its tab and on the dock's title until the user looks at it.

Where the headlines come from: a window symbol is asked of the provider under the symbol its market data comes from
when that is the provider (``Workspace.route``), else under its own symbol when the provider lists it (AAPL@paper ->
AAPL on finnhub). New headlines arrive over the provider's WebSocket where it sends them (``watch_news``) and by
polling every ``poll_s`` seconds (two requests: the symbol and the market) through the session, whose adapter keeps
every request inside the shared budget (its limiter queues). Answers are cached per symbol for ``cache_s``.

Nothing here blocks the GUI thread: requests are tasks on the loop (the link's ``spawn``), the bus callback only
records, and ``flush()`` (once per frame) applies what changed.
"""
from __future__ import annotations

import functools
import logging
import time
from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QPersistentModelIndex, Qt, QTimer, QUrl
from PySide6.QtGui import QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import QDockWidget, QHeaderView, QLabel, QTabWidget, QTableView, QVBoxLayout, QWidget

from .. import theme
from .table import make_table

log = logging.getLogger(__name__)
_Index = QModelIndex | QPersistentModelIndex
NO_PROVIDER = "No news provider: File > Connect to Finnhub (market data)…"
FLASH_S = 4.0
MAX_ROWS = 500  # per tab


# ---- where a window symbol's news comes from ---------------------------------------------------------------------
def news_provider(link: Any, method: str = "news") -> tuple[str, Any] | None:
    """(name, session) of the first venue of the window whose adapter serves ``method`` (news, fundamentals)."""
    if link is None:
        return None
    for name, session in link.workspace.sessions.items():
        if callable(getattr(getattr(session, "venue", None), method, None)):
            return name, session
    return None


def provider_symbol(link: Any, provider: str, key: str) -> str | None:
    """The provider's symbol for window key ``key``: the one its data is routed from when that is the provider,
    else the same ticker when the provider lists it; None when it lists nothing of the kind."""
    if not key or link is None:
        return None
    try:
        venues = link.venues
        venue, sym = link.workspace.data_source(venues.qualified(key))
        if venue == provider:
            return sym
        own = venues.target(key)[2]
    except Exception:  # noqa: BLE001 - a key the workspace no longer knows (a venue removed)
        return None
    listed = link.workspace.session(provider).instruments
    return own if own in listed else None


def _is_news(event: object) -> bool:
    return all(hasattr(event, a) for a in ("headline", "url", "related", "id", "ts_event"))


# ---- the table --------------------------------------------------------------------------------------------------
class NewsModel(QAbstractTableModel):
    """Headlines, newest first (a thin adapter over a list of the provider's NewsItem records)."""

    COLUMNS = ("Time", "Source", "Headline")

    def __init__(self, parent: Any = None, show_symbol: bool = False) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []
        self.show_symbol = show_symbol
        self._ids: set[int] = set()
        self._flash: dict[int, float] = {}  # id -> monotonic time the highlight ends

    def reset(self, items: list[Any]) -> None:
        self.beginResetModel()
        self.rows = sorted(items, key=lambda n: (n.ts_event, n.id), reverse=True)
        self._ids = {n.id for n in self.rows}
        self._flash = {i: t for i, t in self._flash.items() if i in self._ids}
        self.endResetModel()

    def add(self, items: list[Any], flash: bool = False) -> list[Any]:
        """Insert the headlines not listed yet at their place (newest first); returns them."""
        fresh = [n for n in items if n.id not in self._ids]
        if not fresh:
            return []
        until = time.monotonic() + FLASH_S
        for n in sorted(fresh, key=lambda n: (n.ts_event, n.id)):
            row = next((i for i, r in enumerate(self.rows) if (r.ts_event, r.id) < (n.ts_event, n.id)), len(self.rows))
            self.beginInsertRows(QModelIndex(), row, row)
            self.rows.insert(row, n)
            self._ids.add(n.id)
            self.endInsertRows()
            if flash:
                self._flash[n.id] = until
        if len(self.rows) > MAX_ROWS:  # a long session: the oldest go
            self.beginRemoveRows(QModelIndex(), MAX_ROWS, len(self.rows) - 1)
            for n in self.rows[MAX_ROWS:]:
                self._ids.discard(n.id)
                self._flash.pop(n.id, None)
            del self.rows[MAX_ROWS:]
            self.endRemoveRows()
        return fresh

    def flashing(self, row: int) -> bool:
        return 0 <= row < len(self.rows) and self.rows[row].id in self._flash

    def expire(self, now: float) -> None:
        """End the highlights whose time is up (one dataChanged over the rows they span)."""
        done = {i for i, t in self._flash.items() if t <= now}
        if not done:
            return
        for i in done:
            del self._flash[i]
        rows = [r for r, n in enumerate(self.rows) if n.id in done]
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), len(self.COLUMNS) - 1),
                                  [Qt.ItemDataRole.BackgroundRole])

    def url_at(self, row: int) -> str:
        return str(self.rows[row].url) if 0 <= row < len(self.rows) else ""

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and orientation == Qt.Orientation.Horizontal:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        n, c = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if c == 0:
                return _when(n.ts_event)
            if c == 1:
                return n.source
            return f"{n.related.split(',')[0]}: {n.headline}" if self.show_symbol and n.related else n.headline
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{n.headline}\n\n{n.summary}\n\n{n.url}" if getattr(n, "summary", "") else n.url
        if role == Qt.ItemDataRole.BackgroundRole and n.id in self._flash:
            return QBrush(QColor(theme.colors().flash_up))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None


def _when(ts_ms: int) -> str:
    """"14:05" today, "Dec 03 14:05" before (local time)."""
    t = time.localtime(ts_ms / 1000)
    today = time.localtime()
    return time.strftime("%H:%M" if t[:3] == today[:3] else "%b %d %H:%M", t)


# ---- the dock's widget ------------------------------------------------------------------------------------------
class NewsWidget(QWidget):
    SYMBOL, WATCHED, MARKET = 0, 1, 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: opens an article (a QUrl); tests put a recorder here instead of the browser
        self.open_url: Callable[[QUrl], Any] = QDesktopServices.openUrl
        self.poll_s = 60.0
        self.cache_s = 120.0
        self.models = (NewsModel(self), NewsModel(self, show_symbol=True), NewsModel(self))
        self.views: list[QTableView] = []
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        for model, title in zip(self.models, ("Symbol", "Watchlist", "Market")):
            view = make_table(self)
            view.setModel(model)
            view.setWordWrap(False)
            h = view.horizontalHeader()
            h.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
            h.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
            h.setStretchLastSection(True)
            view.clicked.connect(lambda index, v=view: self._open(v, index.row()))
            view.installEventFilter(self)  # Enter opens the current headline
            self.tabs.addTab(view, title)
            self.views.append(view)
        self.tabs.currentChanged.connect(self._on_tab)
        self.note = QLabel(NO_PROVIDER, self)  # where the headlines come from, or why there are none
        self.note.setObjectName("newsNote")
        self.note.setWordWrap(True)
        self.note.setContentsMargins(6, 2, 6, 2)
        theme.style(self.note, "muted")  # follows the theme
        theme.style(self.tabs.tabBar(), "tabbar")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.note)
        lay.addWidget(self.tabs, 1)
        self.unread = [0, 0, 0]
        self.link: Any = None
        self.key = ""  # the window's selected symbol
        self.ticker: str | None = None  # its provider symbol (None: the provider lists none)
        self._arrived: list[Any] = []
        self._cache: dict[str, tuple[float, list[Any]]] = {}
        self._symbol_dirty = self._market_dirty = self._watch_dirty = False
        self._loading = False
        self._news_watched: set[tuple[str, str]] = set()  # (provider, ticker) asked over the WebSocket
        self._unsubs: list[Callable[[], None]] = []
        self._poll = QTimer(self)
        self._poll.timeout.connect(self.poll)

    # ---- wiring ------------------------------------------------------------------------------------------
    def bind(self, link: Any) -> None:
        """Follow ``link``'s venues (a SessionLink): its workspace's news events, its watchlist."""
        from ...session.workspace import VenueEvent
        self.unbind()
        self.link = link
        self._cache.clear()
        self._news_watched.clear()

        def on_event(e: VenueEvent) -> None:  # the bus callback only records; flush() applies
            if _is_news(e.event):
                self._arrived.append(e.event)
        self._unsubs.append(link.workspace.bus.subscribe(VenueEvent, on_event))
        wl = link.w.watchlist
        for signal in (wl.symbol_added, wl.symbol_removed):
            signal.connect(self._on_watchlist)
            self._unsubs.append(functools.partial(_disconnect, signal, self._on_watchlist))
        self.sources_changed()
        self._poll.start(int(self.poll_s * 1000))

    def unbind(self) -> None:
        for u in self._unsubs:
            u()
        self._unsubs.clear()
        self._poll.stop()
        self.link = None

    def set_symbol(self, key: str) -> None:
        """The window's selected symbol changed (asked on the next frame: a burst of changes makes one request)."""
        if key != self.key:
            self.key = key
            self._symbol_dirty = True

    def sources_changed(self) -> None:
        """A venue came or went, or a symbol's data was routed: ask again where the headlines come from."""
        self._symbol_dirty = self._market_dirty = self._watch_dirty = True

    def _on_watchlist(self, _key: str = "") -> None:
        self._watch_dirty = True

    def set_poll_s(self, seconds: float) -> None:
        """How often the headlines are asked again (each time: two requests out of the provider's budget)."""
        self.poll_s = seconds
        self._poll.setInterval(int(seconds * 1000))

    def poll(self) -> None:
        """Ask again for the symbol's and the market's headlines (the timer; new ones flash). Skipped while the
        provider's request budget is past 80% used: the chart and the watchlist come first; the next poll asks."""
        found = news_provider(self.link)
        if found is not None:
            try:
                use = found[1].health()["market"].extra.get("rate_use") or 0.0
            except Exception:  # noqa: BLE001 - health is advisory
                use = 0.0
            if use > 0.8:
                log.info("news poll skipped: %s's request budget is %.0f%% used", found[0], 100 * use)
                return
        self._cache.pop(self.ticker or "", None)
        self._symbol_dirty = self._market_dirty = True

    # ---- per frame ---------------------------------------------------------------------------------------
    def flush(self) -> None:
        if self._arrived:
            batch, self._arrived = self._arrived, []
            self._on_arrived(batch)
        link = self.link
        if link is not None:
            if self._symbol_dirty and not self._loading:
                self._symbol_dirty = False
                self._loading = True
                link.spawn(self._load_symbol(), "news")
            if self._market_dirty:
                self._market_dirty = False
                link.spawn(self._load_market(), "market news")
            if self._watch_dirty:
                self._watch_dirty = False
                link.spawn(self._watch_news(), "news stream")
        if any(self.unread):  # the user looked at the tab: its count goes
            self._on_tab(self.tabs.currentIndex())
        now = time.monotonic()
        for model in self.models:
            model.expire(now)

    # ---- requests (tasks on the loop) --------------------------------------------------------------------
    async def _load_symbol(self) -> None:
        try:
            await self._load_symbol_once()
        finally:
            self._loading = False

    async def _load_symbol_once(self) -> None:
        key = self.key
        found = news_provider(self.link)
        title = key.partition("@")[0] or "Symbol"
        self.tabs.setTabText(self.SYMBOL, self._tab_title(self.SYMBOL, title))
        if found is None:
            self.ticker = None
            self.models[self.SYMBOL].reset([])
            self._say(NO_PROVIDER)
            return
        name, session = found
        ticker = self.ticker = provider_symbol(self.link, name, key)
        if ticker is None:
            self.models[self.SYMBOL].reset([])
            self._say(f"{name} lists no {key.partition('@')[0]}: no company news for it")
            return
        cached = self._cache.get(ticker)
        if cached is not None and time.monotonic() - cached[0] < self.cache_s:
            items = cached[1]
        else:
            try:
                items = list(await session.news(ticker))
            except Exception as exc:  # noqa: BLE001 - rate limited, rejected, down: said in the dock
                self._say(f"{ticker} news from {name}: {getattr(exc, 'message', None) or exc}")
                return
            self._cache[ticker] = (time.monotonic(), items)
        if key != self.key:
            self._symbol_dirty = True  # the user moved on meanwhile
            return
        model = self.models[self.SYMBOL]
        if model.rows and model.rows[0].related.split(",")[0] == ticker:
            new = model.add(items, flash=True)  # a poll: what is new flashes
            self._counted(self.SYMBOL, len(new))
        else:
            model.reset(items)
        self._say(f"{ticker}: {len(items)} headlines from {name}" if items else f"{ticker}: no recent headlines "
                  f"from {name}")

    async def _load_market(self) -> None:
        found = news_provider(self.link)
        if found is None:
            self.models[self.MARKET].reset([])
            return
        name, session = found
        try:
            items = list(await session.news())
        except Exception as exc:  # noqa: BLE001
            log.info("market news from %s failed: %s", name, type(exc).__name__)
            return
        model = self.models[self.MARKET]
        if model.rows:
            self._counted(self.MARKET, len(model.add(items, flash=True)))
        else:
            model.reset(items)

    async def _watch_news(self) -> None:
        """Headlines of the watched symbols over the provider's WebSocket (where it sends them)."""
        found = news_provider(self.link)
        if found is None or self.link is None:
            return
        name, session = found
        if not callable(getattr(session.venue, "watch_news", None)):
            return  # a provider without a news stream: the dock polls ``news()`` instead
        for key in self.link.w.watchlist.symbols():
            ticker = provider_symbol(self.link, name, key)
            if ticker is not None and (name, ticker) not in self._news_watched:
                self._news_watched.add((name, ticker))
                await session.watch_news(ticker)

    # ---- arrivals ----------------------------------------------------------------------------------------
    def watched_tickers(self) -> set[str]:
        found = news_provider(self.link)
        if found is None:
            return set()
        keys = list(self.link.w.watchlist.symbols()) + ([self.key] if self.key else [])
        return {t for t in (provider_symbol(self.link, found[0], k) for k in keys) if t is not None}

    def _on_arrived(self, items: list[Any]) -> None:
        market = [n for n in items if not n.related]
        if market:
            self._counted(self.MARKET, len(self.models[self.MARKET].add(market, flash=True)))
        watched = self.watched_tickers()
        company = [n for n in items if n.related and set(n.related.split(",")) & watched]
        if company:
            new = self.models[self.WATCHED].add(company, flash=True)
            self._counted(self.WATCHED, len(new))
            mine = [n for n in company if self.ticker in n.related.split(",")]
            if mine:
                self.models[self.SYMBOL].add(mine, flash=True)
                cached = self._cache.get(self.ticker or "")
                if cached is not None:
                    self._cache[self.ticker or ""] = (cached[0], mine + cached[1])

    def _counted(self, tab: int, n: int) -> None:
        """``n`` new headlines in ``tab``: counted unless the user is looking at that tab."""
        if n <= 0 or (self.seen() and self.tabs.currentIndex() == tab):
            return
        self.unread[tab] += n
        self._titles()

    def seen(self) -> bool:
        """On screen: shown, and not a dock behind another's tab (Qt keeps those "visible")."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def _on_tab(self, index: int) -> None:
        if 0 <= index < 3 and self.unread[index] and self.seen():
            self.unread[index] = 0
            self._titles()

    def _tab_title(self, tab: int, base: str | None = None) -> str:
        if base is None:
            base = self.tabs.tabText(tab).split(" (")[0]
        return f"{base} ({self.unread[tab]})" if self.unread[tab] else base

    def _titles(self) -> None:
        for tab in range(3):
            self.tabs.setTabText(tab, self._tab_title(tab))
        total = sum(self.unread)
        dock = self.parentWidget()
        if isinstance(dock, QDockWidget):
            dock.setWindowTitle(f"News ({total} new)" if total else "News")

    def _say(self, text: str) -> None:
        self.note.setText(text)

    def eventFilter(self, obj: Any, event: Any) -> bool:
        if (event.type() == QEvent.Type.KeyPress and obj in self.views
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self._open(obj, obj.currentIndex().row())
            return True
        return super().eventFilter(obj, event)

    def _open(self, view: QTableView, row: int) -> None:
        url = view.model().url_at(row)  # type: ignore[attr-defined]
        if url:
            self.open_url(QUrl(url))


def _disconnect(signal: Any, slot: Any) -> None:
    try:
        signal.disconnect(slot)
    except (RuntimeError, TypeError):
        pass

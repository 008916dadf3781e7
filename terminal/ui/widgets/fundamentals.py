"""The Fundamentals dock: profile, market cap, P/E, 52-week range (and where the last price sits in it), dividend
yield and next earnings of the selected symbol, from the window's provider of fundamentals (Finnhub).

The symbol is asked under the provider's own ticker (see ``news.provider_symbol``); answers are cached per ticker for
``cache_s`` seconds (three requests each, out of a shared per-minute budget). A value the provider does not give
shows "—". Requests are tasks on the loop; ``flush()`` (once per frame) asks for a changed symbol and moves the last
price's mark in the range.
"""
from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QProgressBar, QScrollArea, QVBoxLayout, QWidget

from .. import theme
from .news import news_provider, provider_symbol

DASH = "—"
FIELDS = (("name", "Company"), ("exchange", "Exchange"), ("industry", "Industry"), ("market_cap", "Market cap"),
          ("pe", "P/E (TTM)"), ("range", "52-week range"), ("dividend", "Dividend yield"),
          ("earnings", "Next earnings"))
HOURS = {"bmo": "before the open", "amc": "after the close", "dmh": "during market hours"}


def money_units(value: Decimal | None, currency: str = "") -> str:
    """2504065200000 -> "2.50 T USD"; None -> "—"."""
    if value is None:
        return DASH
    for size, unit in ((Decimal(10) ** 12, "T"), (Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"),
                       (Decimal(10) ** 3, "K")):
        if abs(value) >= size:
            return f"{value / size:.2f} {unit} {currency}".rstrip()
    return f"{value:.2f} {currency}".rstrip()


def number(value: Decimal | None, suffix: str = "") -> str:
    return DASH if value is None else f"{value:.2f}{suffix}"


def range_position(low: Decimal | None, high: Decimal | None, last: Decimal | None) -> float | None:
    """Where ``last`` sits between the 52-week low (0) and high (1), clamped; None when unknown."""
    if low is None or high is None or last is None or high <= low:
        return None
    return float(min(Decimal(1), max(Decimal(0), (last - low) / (high - low))))


class FundamentalsWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cache_s = 300.0
        self.link: Any = None
        self.key = ""
        self.record: Any = None  # the provider's Fundamentals shown
        self._cache: dict[str, tuple[float, Any]] = {}
        self._dirty = self._loading = False
        self._last: Decimal | None = None
        self.title = QLabel("—", self)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold; font-size: 13px; padding: 4px 6px 0 6px;")
        self.note = QLabel("No fundamentals provider: File > Connect to Finnhub (market data)…", self)
        self.note.setWordWrap(True)
        self.note.setContentsMargins(6, 0, 6, 4)
        theme.style(self.note, "muted")  # follows the theme
        form_host = QWidget(self)
        self.form = QFormLayout(form_host)
        self.form.setContentsMargins(6, 2, 6, 6)
        self.form.setHorizontalSpacing(10)
        self.form.setVerticalSpacing(1)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # a narrow column: names above values
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self.values: dict[str, QLabel] = {}
        for key, text in FIELDS:
            label = QLabel(DASH, form_host)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            name = QLabel(text, form_host)
            name.setContentsMargins(0, 3, 0, 0)
            small = name.font()
            small.setPointSizeF(small.pointSizeF() * 0.9)
            name.setFont(small)
            theme.style(name, "muted")
            self.form.addRow(name, label)
            self.values[key] = label
            if key == "range":  # the last price's place in the range, under it
                self.range_bar = QProgressBar(form_host)
                self.range_bar.setRange(0, 1000)
                self.range_bar.setTextVisible(False)
                self.range_bar.setFixedHeight(6)
                self.range_bar.setEnabled(False)
                self.range_bar.hide()
                self.form.addRow("", self.range_bar)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(form_host)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.title)
        lay.addWidget(self.note)
        lay.addWidget(scroll, 1)

    def text(self, field: str) -> str:
        return self.values[field].text()

    # ---- wiring ------------------------------------------------------------------------------------------
    def bind(self, link: Any) -> None:
        self.link = link
        self._cache.clear()
        self._dirty = True

    def unbind(self) -> None:
        self.link = None

    def set_symbol(self, key: str) -> None:
        if key != self.key:
            self.key = key
            self._dirty = True

    def sources_changed(self) -> None:
        self._dirty = True

    def flush(self) -> None:
        link = self.link
        if link is None:
            return
        if self._dirty and not self._loading:
            self._dirty = False
            self._loading = True
            link.spawn(self._load(), "fundamentals")
        last = link.last_prices.get(self.key)
        if last != self._last:
            self._last = last
            self._show_range()

    # ---- loading -----------------------------------------------------------------------------------------
    async def _load(self) -> None:
        try:
            await self._load_once()
        finally:
            self._loading = False

    async def _load_once(self) -> None:
        key = self.key
        self.title.setText(key.partition("@")[0] or DASH)
        found = news_provider(self.link, "fundamentals")
        if found is None:
            self.display(None, "No fundamentals provider: File > Connect to Finnhub (market data)…")
            return
        name, session = found
        ticker = provider_symbol(self.link, name, key)
        if ticker is None:
            self.display(None, f"{name} lists no {key.partition('@')[0]}: no fundamentals for it")
            return
        cached = self._cache.get(ticker)
        if cached is not None and time.monotonic() - cached[0] < self.cache_s:
            record = cached[1]
        else:
            self.note.setText(f"Asking {name} for {ticker}…")
            try:
                record = await session.fundamentals(ticker)
            except Exception as exc:  # noqa: BLE001 - rate limited, rejected, down: said in the panel
                self.display(None, f"{ticker} from {name}: {getattr(exc, 'message', None) or exc}")
                return
            self._cache[ticker] = (time.monotonic(), record)
        if key != self.key:
            self._dirty = True  # the user moved on meanwhile
            return
        self.display(record, f"from {name} · kept {self.cache_s / 60:.0f} min")

    def display(self, f: Any, note: str = "") -> None:
        """Show the record ``f`` (a provider's Fundamentals; None: every value "—")."""
        self.record = f
        self.note.setText(note)
        v = self.values
        if f is None:
            for label in v.values():
                label.setText(DASH)
            self._show_range()
            return
        if f.name:
            self.title.setText(f"{f.name} ({f.symbol})")
        v["name"].setText(f.name or DASH)
        v["exchange"].setText(f.exchange or DASH)
        v["industry"].setText(f.industry or DASH)
        v["market_cap"].setText(money_units(f.market_cap, f.currency))
        v["pe"].setText(number(f.pe_ttm))
        v["dividend"].setText(number(f.dividend_yield_pct, " %"))
        e = f.next_earnings
        if e is None:
            v["earnings"].setText(DASH)
        else:
            when = HOURS.get(e.hour, "")
            v["earnings"].setText(f"{e.date}" + (f", {when}" if when else "") + (f" (Q{e.quarter} {e.year})"
                                                                                  if e.quarter else ""))
        self._show_range()

    def _show_range(self) -> None:
        f = self.record
        low, high = (f.low_52w, f.high_52w) if f is not None else (None, None)
        if low is None or high is None:
            self.values["range"].setText(DASH)
            self.range_bar.hide()
            return
        text = f"{low:.2f} – {high:.2f}"
        pos = range_position(low, high, self._last)
        if pos is not None and self._last is not None:
            text += f"\nlast {self._last:.2f}: {pos * 100:.0f}% of the range"
            self.range_bar.setValue(int(pos * 1000))
            self.range_bar.show()
        else:
            self.range_bar.hide()
        self.values["range"].setText(text)

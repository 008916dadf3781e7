"""The news generator: company news for every listed stock and market news, deterministic by seed.

History: one company headline per stock every ``HISTORY_EVERY_S`` over the last ``HISTORY_DAYS`` days and market
news as often, generated at start. Live: every ``every_s`` a new headline for each *watched* stock (asked for its news
or subscribed on the WebSocket) and one market headline. Ids grow with time (``/news?minId=`` pages on them); every
item's ``url`` is a page this server serves (``/article/<id>``).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

HISTORY_DAYS = 30
HISTORY_EVERY_S = 6 * 3600
SOURCES = ("Reuters", "Bloomberg", "MarketWatch", "CNBC", "Yahoo", "Seeking Alpha", "Benzinga")
COMPANY = (
    "{name} shares rise after analysts lift price target",
    "{name} slips as investors weigh supply-chain worries",
    "{name} announces new product line ahead of earnings",
    "What to expect from {name}'s next quarterly report",
    "{name} expands buyback programme",
    "Options traders bet on big move in {ticker}",
    "{name} names new chief financial officer",
    "{ticker} hits intraday high on heavy volume",
)
MARKET = (
    "Stocks edge higher as bond yields ease",
    "Dollar steadies ahead of central bank decision",
    "Oil prices climb on supply concerns",
    "Tech shares lead broad market rally",
    "Investors turn cautious before jobs report",
    "Bitcoin swings as crypto markets digest regulation news",
)


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    datetime: int  # UNIX seconds
    headline: str
    source: str
    summary: str
    related: str
    category: str

    def wire(self, base_url: str) -> dict[str, Any]:
        return {"category": self.category, "datetime": self.datetime, "headline": self.headline, "id": self.id,
                "image": "", "related": self.related, "source": self.source, "summary": self.summary,
                "url": f"{base_url}/article/{self.id}"}


class NewsGenerator:
    def __init__(self, seed: int, names: dict[str, str], now_s: Callable[[], int], *, every_s: float = 60.0) -> None:
        self.seed = seed
        self.names = names  # ticker -> company name
        self.every_s = every_s
        self._now_s = now_s
        self.items: list[Item] = []
        self.by_id: dict[int, Item] = {}
        self.watched: set[str] = set()
        self.listeners: list[Callable[[Item], None]] = []
        self._count = 0
        self._next_at = 0.0
        self._history()

    def _rng(self, key: str, n: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(key.encode()), abs(n) * 2 + (n < 0)])

    def _make(self, related: str, t: int, n: int) -> Item:
        g = self._rng(related or "market", n)
        if related:
            name = self.names[related].title()
            headline = COMPANY[int(g.integers(len(COMPANY)))].format(name=name, ticker=related)
            summary = f"{headline}. {name} ({related}) was in focus as traders reacted to the news."
            category = "company"
        else:
            headline = MARKET[int(g.integers(len(MARKET)))]
            summary = f"{headline}, as markets weighed the latest data."
            category = "general"
        self._count += 1
        return Item(self._count, t, headline, SOURCES[int(g.integers(len(SOURCES)))], summary, related, category)

    def _history(self) -> None:
        now = self._now_s()
        slots = HISTORY_DAYS * 86400 // HISTORY_EVERY_S
        raw = []
        for key in [""] + sorted(self.names):
            g = self._rng(key, -1)
            for k in range(slots, 0, -1):
                raw.append((now - k * HISTORY_EVERY_S + int(g.integers(0, HISTORY_EVERY_S)), key, k))
        for t, key, k in sorted(raw):
            self._add(self._make(key, t, k))
        self._next_at = now + self.every_s

    def _add(self, item: Item) -> None:
        self.items.append(item)
        self.by_id[item.id] = item

    def watch(self, symbol: str) -> None:
        if symbol in self.names:
            self.watched.add(symbol)

    def break_news(self) -> None:
        """Fresh headlines at the next step (within the server's tick) instead of after ``every_s``: breaking news
        for a demo or a test."""
        self._next_at = 0.0

    def step(self) -> list[Item]:
        """New headlines once ``every_s`` has passed (each watched stock and the market); returns them."""
        now = self._now_s()
        if now < self._next_at:
            return []
        self._next_at = now + self.every_s
        fresh = [self._make(sym, now, -self._count - 2) for sym in [""] + sorted(self.watched)]
        for item in fresh:
            self._add(item)
            for fn in list(self.listeners):
                fn(item)
        return fresh

    def company(self, symbol: str, from_s: int, to_s: int) -> list[Item]:
        """Newest first."""
        return [i for i in reversed(self.items) if i.related == symbol and from_s <= i.datetime <= to_s]

    def market(self, min_id: int = 0, limit: int = 100) -> list[Item]:
        return [i for i in reversed(self.items) if not i.related and i.id > min_id][:limit]

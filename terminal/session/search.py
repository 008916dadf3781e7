"""Instrument search: what the watchlist's "Add symbol…" box and ``Session.search`` answer.

A venue that cannot list its instruments up front (IB's contracts, Kite's 100k-row dump) implements
``InstrumentSearch.search`` and the session keeps what it finds; for the others the session ranks its own list here.
Ranking: exact symbol, then symbol prefix, then base asset, then a word of the title, each in symbol order, so
"ES" puts ES futures before "MESZ6" and "BTC" puts BTCUSDT before WBTCBTC.
"""
from __future__ import annotations

import re
from typing import Iterable

from ..model import Instrument

_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACES.sub(" ", text.strip()).upper()


def score(ins: Instrument, query: str) -> int | None:
    """Lower is better; None when ``ins`` does not match ``query`` (already normalised) at all."""
    symbol = ins.symbol.upper()
    compact = query.replace(" ", "")
    if symbol == query or symbol == compact:
        return 0
    if symbol.startswith(compact):
        return 1
    if ins.base_asset.upper() == query:
        return 2
    title = ins.title.upper()
    words = query.split(" ")
    if all(w in title or w in symbol for w in words):
        return 3 if title.startswith(words[0]) else 4
    if compact in symbol:
        return 5
    return None


def rank(instruments: Iterable[Instrument], text: str, limit: int = 20) -> list[Instrument]:
    query = normalise(text)
    if not query:
        return []
    scored = [(s, ins.symbol, ins) for ins in instruments if (s := score(ins, query)) is not None]
    scored.sort(key=lambda t: (t[0], len(t[1]), t[1]))
    return [ins for _, _, ins in scored[:limit]]

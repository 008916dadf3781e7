"""Finnhub's news and fundamentals as records: frozen dataclasses, lists of them with ``to_frame()`` (pandas is
imported only inside that call)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class NewsItem:
    id: int
    ts_event: int  # published, epoch ms
    headline: str
    source: str
    summary: str
    url: str
    related: str  # ticker(s), comma-separated; "" for market news
    category: str


class NewsList(list[NewsItem]):
    """Headlines, newest first."""

    def to_frame(self) -> Any:
        import pandas as pd

        rows = [asdict(n) for n in self]
        frame = pd.DataFrame(rows, columns=[f for f in NewsItem.__dataclass_fields__])
        frame["time"] = pd.to_datetime(frame["ts_event"], unit="ms", utc=True)
        return frame.set_index("time")


@dataclass(frozen=True, slots=True)
class Earnings:
    date: str  # YYYY-MM-DD
    hour: str  # "bmo" before open, "amc" after close, "dmh" during market hours, "" unknown
    quarter: int
    year: int
    eps_estimate: Decimal | None
    eps_actual: Decimal | None
    revenue_estimate: Decimal | None
    revenue_actual: Decimal | None


@dataclass(frozen=True, slots=True)
class Fundamentals:
    """Profile, key metrics and the next earnings of one stock. Market cap and shares in units (not millions)."""

    symbol: str
    name: str = ""
    exchange: str = ""
    industry: str = ""
    country: str = ""
    currency: str = ""
    ipo: str = ""
    weburl: str = ""
    market_cap: Decimal | None = None
    shares_outstanding: Decimal | None = None
    pe_ttm: Decimal | None = None
    eps_ttm: Decimal | None = None
    beta: Decimal | None = None
    dividend_yield_pct: Decimal | None = None
    high_52w: Decimal | None = None
    low_52w: Decimal | None = None
    next_earnings: Earnings | None = None
    #: every metric Finnhub sent (``/stock/metric?metric=all``), under its own names
    metrics: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> Any:
        """One column (the symbol), a row per field; the raw metrics after the named ones."""
        import pandas as pd

        named = {k: v for k, v in asdict(self).items() if k not in ("metrics", "next_earnings")}
        if self.next_earnings is not None:
            named.update({f"next_earnings_{k}": v for k, v in asdict(self.next_earnings).items()})
        named.update({f"metric.{k}": v for k, v in self.metrics.items()})
        return pd.DataFrame({self.symbol: pd.Series(named, dtype=object)})

"""Fundamentals of the listed stocks, deterministic by seed: company profile (``/stock/profile2``), basic financials
(``/stock/metric?metric=all``) and the earnings calendar (``/calendar/earnings``), in Finnhub's units (market cap and
shares in millions, margins and returns in percent)."""
from __future__ import annotations

import zlib
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable

import numpy as np

from .listing import Listed

INDUSTRY = {"AAPL": "Technology", "MSFT": "Technology", "NVDA": "Semiconductors", "SPY": "N/A",
            "AMZN": "Retail", "GOOGL": "Media", "TSLA": "Automobiles", "META": "Media"}
WEB = {"AAPL": "https://www.apple.com/", "MSFT": "https://www.microsoft.com/", "NVDA": "https://www.nvidia.com/",
       "AMZN": "https://www.amazon.com/", "GOOGL": "https://abc.xyz/", "TSLA": "https://www.tesla.com/",
       "META": "https://about.meta.com/", "SPY": "https://www.ssga.com/"}


def _rng(seed: int, symbol: str, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(symbol.encode()), stream])


def _r(x: float, places: int = 4) -> float:
    return round(float(x), places)


class Reference:
    """Profiles, metrics and earnings of the stocks in ``listed``; prices from ``last_price``."""

    def __init__(self, listed: dict[str, Listed], seed: int, last_price: Callable[[str], Decimal | None],
                 today: Callable[[], date]) -> None:
        self.stocks = {s: i for s, i in listed.items() if i.kind == "stock"}
        self.seed = seed
        self._last = last_price
        self._today = today
        self._shares = {s: _r(_rng(seed, s, 1).uniform(900, 16000), 2) for s in self.stocks}
        self._earnings = {s: self._schedule(s) for s in self.stocks}

    def profile(self, symbol: str) -> dict[str, Any]:
        item = self.stocks.get(symbol)
        if item is None:
            return {}
        last = float(self._last(symbol) or item.spec.start_price)
        ipo = date(1980, 1, 1) + timedelta(days=int(_rng(self.seed, symbol, 2).integers(0, 13000)))
        return {"country": "US", "currency": "USD", "estimateCurrency": "USD",
                "exchange": f"{item.exchange} NMS - GLOBAL MARKET" if item.exchange == "NASDAQ" else item.exchange,
                "finnhubIndustry": INDUSTRY.get(symbol, "Technology"), "ipo": ipo.isoformat(),
                "logo": "", "marketCapitalization": _r(last * self._shares[symbol], 2),
                "name": item.description.title(), "phone": "10000000000",
                "shareOutstanding": self._shares[symbol], "ticker": symbol, "weburl": WEB.get(symbol, "")}

    def metric(self, symbol: str, kind: str) -> dict[str, Any]:
        item = self.stocks.get(symbol)
        if item is None or kind != "all":
            return {"metric": {}, "metricType": kind, "series": {}, "symbol": symbol}
        g = _rng(self.seed, symbol, 3)
        last = float(self._last(symbol) or item.spec.start_price)
        eps = _r(last / g.uniform(15, 45), 2)
        high, low = _r(last * g.uniform(1.02, 1.35), 2), _r(last * g.uniform(0.6, 0.95), 2)
        today = self._today()
        margin = _r(g.uniform(3, 40), 2)
        metric: dict[str, Any] = {
            "10DayAverageTradingVolume": _r(float(item.spec.base_volume) * 390 / 1e6 * g.uniform(0.8, 1.2), 5),
            "3MonthAverageTradingVolume": _r(float(item.spec.base_volume) * 390 * 63 / 1e6, 4),
            "52WeekHigh": high, "52WeekHighDate": (today - timedelta(days=int(g.integers(5, 200)))).isoformat(),
            "52WeekLow": low, "52WeekLowDate": (today - timedelta(days=int(g.integers(200, 360)))).isoformat(),
            "52WeekPriceReturnDaily": _r(g.normal(15, 20), 2), "13WeekPriceReturnDaily": _r(g.normal(4, 10), 2),
            "26WeekPriceReturnDaily": _r(g.normal(8, 14), 2), "5DayPriceReturnDaily": _r(g.normal(0, 3), 2),
            "beta": _r(g.uniform(0.7, 2.0), 3), "marketCapitalization": _r(last * self._shares[symbol], 2),
            "peTTM": _r(last / eps, 2), "peBasicExclExtraTTM": _r(last / eps * 1.01, 2),
            "peNormalizedAnnual": _r(last / eps * 1.03, 2), "epsTTM": eps, "epsBasicExclExtraItemsTTM": eps,
            "pbQuarterly": _r(g.uniform(2, 50), 2), "pbAnnual": _r(g.uniform(2, 50), 2),
            "psTTM": _r(g.uniform(2, 25), 2), "dividendYieldIndicatedAnnual": _r(g.uniform(0, 2.5), 2),
            "dividendPerShareAnnual": _r(g.uniform(0, 4), 2), "currentRatioQuarterly": _r(g.uniform(0.8, 4), 2),
            "quickRatioQuarterly": _r(g.uniform(0.6, 3.5), 2), "grossMarginTTM": _r(g.uniform(20, 80), 2),
            "operatingMarginTTM": _r(g.uniform(5, 45), 2), "netProfitMarginTTM": margin,
            "roeTTM": _r(g.uniform(5, 150), 2), "roaTTM": _r(g.uniform(2, 30), 2),
            "revenueGrowthTTMYoy": _r(g.normal(8, 10), 2), "epsGrowthTTMYoy": _r(g.normal(10, 15), 2),
            "totalDebt/totalEquityQuarterly": _r(g.uniform(0, 2), 2),
            "yearToDatePriceReturnDaily": _r(g.normal(10, 15), 2), "monthToDatePriceReturnDaily": _r(g.normal(1, 4), 2),
        }
        ends = [today.replace(day=1) - timedelta(days=1 + 91 * k) for k in range(4)]
        series = {"annual": {"currentRatio": [{"period": ends[0].isoformat(), "v": metric["currentRatioQuarterly"]}],
                             "netMargin": [{"period": ends[0].isoformat(),
                                            "v": _r(margin / 100)}]},
                  "quarterly": {"currentRatio": [{"period": e.isoformat(), "v": _r(g.uniform(0.8, 4))}
                                                 for e in ends]}}
        return {"metric": metric, "metricType": "all", "series": series, "symbol": symbol}

    # ------------------------------------------------------------------ earnings
    def _schedule(self, symbol: str) -> list[dict[str, Any]]:
        """Four reported quarters and the next one (within 90 days), dates anchored to the server's first day."""
        g = _rng(self.seed, symbol, 4)
        today = self._today()
        first = today + timedelta(days=int(g.integers(3, 85)))
        out = []
        for k in range(4, -1, -1):
            day = first - timedelta(days=91 * k)
            estimate = _r(g.uniform(0.5, 4.0), 4)
            revenue = float(g.uniform(5e9, 120e9))
            reported = k > 0
            quarter = (day.month - 1) // 3 + 1
            out.append({"date": day.isoformat(), "epsActual": _r(estimate * g.uniform(0.9, 1.15), 2)
                        if reported else None, "epsEstimate": estimate,
                        "hour": ("bmo", "amc", "dmh")[int(g.integers(0, 3))], "quarter": quarter,
                        "revenueActual": int(revenue * g.uniform(0.95, 1.08)) if reported else None,
                        "revenueEstimate": int(revenue), "symbol": symbol, "year": day.year})
        return out

    def earnings(self, start: date | None, end: date | None, symbol: str) -> list[dict[str, Any]]:
        today = self._today()
        start = start or today - timedelta(days=30)
        end = end or today + timedelta(days=90)
        rows = [e for s, sched in self._earnings.items() if not symbol or s == symbol for e in sched
                if start.isoformat() <= e["date"] <= end.isoformat()]
        return sorted(rows, key=lambda e: (e["date"], e["symbol"]))


def utc_today(now_ms: int) -> date:
    return datetime.fromtimestamp(now_ms / 1000, timezone.utc).date()

"""Request weight per IP per minute, order counts per account (10 s / 1 day), 429 then 418 bans."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import errors

MINUTE_MS = 60_000
TEN_S_MS = 10_000
DAY_MS = 86_400_000
BAN_AFTER_429S = 20
BAN_MS = 120_000


@dataclass(frozen=True, slots=True)
class Limits:
    weight_per_minute: int = 6000
    orders_per_10s: int = 50
    orders_per_day: int = 160_000
    raw_requests_per_5m: int = 61_000

    def exchange_info(self) -> list[dict[str, object]]:
        return [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": self.weight_per_minute},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": self.orders_per_10s},
            {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": self.orders_per_day},
            {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": self.raw_requests_per_5m},
        ]


@dataclass(slots=True)
class _IpState:
    window: int = -1
    used: int = 0
    rejected: int = 0
    banned_until: int = 0


@dataclass(slots=True)
class _OrderState:
    windows: dict[int, tuple[int, int]] = field(default_factory=dict)  # span -> (window start, count)


class RateLimiter:
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._ips: dict[str, _IpState] = {}
        self._orders: dict[str, _OrderState] = {}

    def used_weight(self, ip: str, now_ms: int) -> int:
        state = self._ips.get(ip)
        if state is None or state.window != now_ms // MINUTE_MS:
            return 0
        return state.used

    def charge(self, ip: str, weight: int, now_ms: int) -> int:
        """Add ``weight`` for ``ip``; raise 429/418 beyond the limit. Return the weight used this minute."""
        state = self._ips.get(ip)
        if state is None:
            if len(self._ips) > 10_000:  # forget idle clients (one entry per WS API connection too)
                window = now_ms // MINUTE_MS
                self._ips = {k: v for k, v in self._ips.items() if v.window == window or v.banned_until > now_ms}
            state = self._ips[ip] = _IpState()
        if state.banned_until > now_ms:
            raise errors.banned(max(1, (state.banned_until - now_ms + 999) // 1000))
        window = now_ms // MINUTE_MS
        if state.window != window:
            state.window, state.used, state.rejected = window, 0, 0
        state.used += weight
        if state.used > self.limits.weight_per_minute:
            state.rejected += 1
            if state.rejected > BAN_AFTER_429S:
                state.banned_until = now_ms + BAN_MS
                raise errors.banned(BAN_MS // 1000)
            raise errors.too_many_requests(max(1, ((window + 1) * MINUTE_MS - now_ms + 999) // 1000))
        return state.used

    def refund(self, ip: str, weight: int, now_ms: int) -> int:
        """Give back ``weight`` charged this minute (a successful placement or cancel costs 0). Return the weight
        used this minute."""
        state = self._ips.get(ip)
        if state is None or state.window != now_ms // MINUTE_MS:
            return 0
        state.used = max(0, state.used - weight)
        return state.used

    def count_order(self, account_id: str, now_ms: int, n: int = 1) -> tuple[int, int]:
        """Count ``n`` new orders (an OCO or OTO counts 2, an OTOCO 3); raise -1015 beyond a limit. Return
        (count 10 s, count 1 day)."""
        state = self._orders.setdefault(account_id, _OrderState())
        counts = []
        for span, limit, label in ((TEN_S_MS, self.limits.orders_per_10s, "10 SECOND"),
                                   (DAY_MS, self.limits.orders_per_day, "1 DAY")):
            start = now_ms // span
            prev_start, count = state.windows.get(span, (start, 0))
            if prev_start != start:
                count = 0
            if count + n > limit:
                raise errors.too_many_orders(limit, label)
            counts.append((span, start, count + n))
        for span, start, count in counts:
            state.windows[span] = (start, count)
        return counts[0][2], counts[1][2]

    def order_counts(self, account_id: str, now_ms: int) -> tuple[int, int]:
        state = self._orders.get(account_id)
        if state is None:
            return 0, 0
        out = []
        for span in (TEN_S_MS, DAY_MS):
            start, count = state.windows.get(span, (0, 0))
            out.append(count if start == now_ms // span else 0)
        return out[0], out[1]

    def reset(self) -> None:
        self._ips.clear()
        self._orders.clear()

"""Typed refusals of the pre-trade checks and the risk engine. Nothing that raises one of these was journaled or sent.

Every limit refusal is a ``LimitExceeded``: ``limit`` is the name of the setting in ``risk.limits`` (e.g.
``"max_order_notional"``, ``"band.max_pct"``), ``value`` what the order would make it, ``threshold`` the limit, both
Decimal; the message says it in words with units ("price 91,000.00 USDT is 14.2% above the ask 79,700.00 USDT; the
band is 5%"). ``TradingHalted`` refuses opening orders for the rest of the day (closing ones still pass);
``StrategyLimitHit`` stops one strategy (the runner understands it).
"""
from __future__ import annotations

from decimal import Decimal

from ..model.numbers import InvalidArgument, describe


class PreTradeError(ValueError):
    """A request refused locally before anything was sent; ``message`` says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownSymbol(PreTradeError, InvalidArgument):
    """A symbol the venue does not list (also an ``InvalidArgument`` of ``symbol``)."""

    def __init__(self, symbol: str, suggestion: str | None = None) -> None:
        hint = f"; did you mean {suggestion}?" if suggestion else ""
        InvalidArgument.__init__(self, f"unknown symbol {describe(symbol)}{hint}", "symbol")
        self.symbol = symbol
        self.suggestion = suggestion


class InsufficientBalance(PreTradeError):
    def __init__(self, asset: str, need: str, available: str) -> None:
        super().__init__(f"insufficient {asset}: need {need}, available {available}")
        self.asset, self.need, self.available = asset, need, available


class AccountStreamDown(PreTradeError):
    """The account stream (fills, order reports) has been down past the fail-safe's threshold: an order sent now
    would be sent blind, so it is refused until the stream is back."""


class KillSwitchActive(PreTradeError):
    def __init__(self) -> None:
        super().__init__("the kill switch is on: new orders are blocked (turn it off to trade again)")


class NoReferencePrice(PreTradeError):
    """A limit that needs the market price (price band, exposure of a market order) and no price is known yet."""

    def __init__(self, symbol: str, limit: str) -> None:
        super().__init__(f"no market price for {symbol} yet, so the {limit} limit cannot be checked: watch the "
                         "symbol or fetch its quote first")
        self.symbol, self.limit = symbol, limit


class LimitExceeded(PreTradeError):
    """An order refused by a configured limit: ``limit`` names the setting, ``value`` and ``threshold`` the figures."""

    def __init__(self, message: str, *, limit: str, value: Decimal | None = None, threshold: Decimal | None = None,
                 symbol: str = "") -> None:
        super().__init__(message)
        self.limit, self.value, self.threshold, self.symbol = limit, value, threshold, symbol


class NotionalLimitExceeded(LimitExceeded):
    """The order's value is above the maximum order value."""


class QuantityLimitExceeded(LimitExceeded):
    """The order's quantity is above the maximum order quantity."""


class PositionLimitExceeded(LimitExceeded):
    """The position the order could leave (with the working orders on its side) is above the maximum position."""


class ExposureLimitExceeded(LimitExceeded):
    """The account's gross exposure the order could leave is above the maximum."""


class PriceBandExceeded(LimitExceeded):
    """A price too far (in % or ticks) from the market."""


class SpreadTooWide(LimitExceeded):
    """A market order while the spread is wider than allowed."""


class OrderRateExceeded(LimitExceeded):
    """More orders in the last second (minute) than allowed."""


class CancelRateExceeded(LimitExceeded):
    """More cancels in the last minute than allowed."""


class TradingHalted(LimitExceeded):
    """A loss limit was reached today: opening orders are refused until the next trading day (closing ones pass)."""


class DailyLossLimitHit(TradingHalted):
    pass


class DrawdownLimitHit(TradingHalted):
    pass


class StrategyLimitHit(LimitExceeded):
    """One strategy went past its own limit (capital, loss, order rate): that strategy alone is stopped."""

    def __init__(self, message: str, *, strategy: str, limit: str, value: Decimal | None = None,
                 threshold: Decimal | None = None, symbol: str = "") -> None:
        super().__init__(message, limit=limit, value=value, threshold=threshold, symbol=symbol)
        self.strategy = strategy

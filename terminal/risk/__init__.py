"""Pre-trade risk: the order draft shared by the ticket and scripts, the checks every order passes, and the risk
engine's limits (``limits``: typed, declarative, per venue and environment in the settings through ``config``).

    from terminal.risk import RiskLimits, PriceBand, LossLimits
    session.risk.engine.set_limits(RiskLimits(band=PriceBand(max_pct=Decimal("5")),
                                              loss=LossLimits(max_daily_loss=Decimal("800"))), actor="user")
"""
from .draft import DEFAULT_FEE_RATE, Draft, Market, draft_order
from .errors import (CancelRateExceeded, DailyLossLimitHit, DrawdownLimitHit, ExposureLimitExceeded, LimitExceeded,
                     NoReferencePrice, NotionalLimitExceeded, OrderRateExceeded, PositionLimitExceeded,
                     PreTradeError, PriceBandExceeded, QuantityLimitExceeded, SpreadTooWide, StrategyLimitHit,
                     TradingHalted)
from .limits import LossLimits, PriceBand, RiskLimits, StrategyLimits, SymbolLimits, Throttle

__all__ = ["DEFAULT_FEE_RATE", "Draft", "Market", "draft_order", "RiskLimits", "SymbolLimits", "PriceBand", "Throttle",
           "LossLimits", "StrategyLimits", "PreTradeError", "LimitExceeded", "NotionalLimitExceeded",
           "QuantityLimitExceeded", "PositionLimitExceeded", "ExposureLimitExceeded", "PriceBandExceeded",
           "SpreadTooWide", "OrderRateExceeded", "CancelRateExceeded", "TradingHalted", "DailyLossLimitHit",
           "DrawdownLimitHit", "StrategyLimitHit", "NoReferencePrice"]

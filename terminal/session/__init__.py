"""The session: composition root, async facade and blocking twin. Every GUI action and every strategy goes through it.

    session = await terminal.connect("sandbox")          # Binance against an embedded sandbox exchange
    session = await terminal.connect("binance", env="testnet")
    session = await terminal.connect("paper")             # simulated US equities, no network

``facade`` (the Session), ``connecting`` (``connect()``: registry, credentials, journal -> a started Session), ``blocking`` (the same
without ``await``), ``health`` (feed health), ``input`` (argument checks at the library boundary).
"""
from ..model.numbers import InvalidArgument
from ..oms.manager import CancelFailed
from ..oms.position import Position
from ..risk.checks import (InsufficientBalance, KillSwitchActive, NotionalLimitExceeded, PreTradeError, RiskLimits,
                           UnknownSymbol)
from .blocking import BlockingSession, connect_blocking
from .connecting import connect
from .facade import Session
from .health import StreamHealth
from .workspace import FxTable, VenueEvent, Workspace

__all__ = ["Session", "BlockingSession", "connect", "connect_blocking", "UnknownSymbol", "InsufficientBalance",
           "KillSwitchActive", "NotionalLimitExceeded", "PreTradeError", "CancelFailed", "Position", "StreamHealth",
           "RiskLimits", "InvalidArgument", "Workspace", "VenueEvent", "FxTable"]

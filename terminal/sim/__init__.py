"""Simulation: the matching engine (shared by the sandbox server and the backtester) and simulated markets."""
from .engine import Engine
from .reports import (AccountTrade, EngineReject, Execution, ExecType, OrderView, PlaceResult, RejectReason,
                      Trade)

__all__ = ["Engine", "AccountTrade", "EngineReject", "Execution", "ExecType", "OrderView", "PlaceResult",
           "RejectReason", "Trade"]

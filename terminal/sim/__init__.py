"""Simulation: the matching engine (shared by the sandbox server and the backtester) and simulated markets."""
from .engine import Engine
from .lists import ContingencyType, Leg, ListOrderStatus, ListResult, ListStatusType, ListView
from .reports import (AccountTrade, EngineReject, Execution, ExecType, ExpiryReason, OrderView, PlaceResult,
                      RejectReason, Trade)

__all__ = ["Engine", "AccountTrade", "EngineReject", "Execution", "ExecType", "ExpiryReason", "OrderView",
           "PlaceResult", "RejectReason", "Trade", "Leg", "ListView", "ListResult", "ContingencyType",
           "ListStatusType", "ListOrderStatus"]

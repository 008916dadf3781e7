"""The TrueData adapter: NSE real-time ticks, quotes, 5-level depth and 1/5-minute bars over TrueData's WebSocket
protocol (our own asyncio client on the shared reconnecting base), history over its REST API. Market data only
(``Capabilities(trading=False)``). Environments: ``sandbox`` (the paper server ``terminal/servers/truedata`` started
in this process, default) and ``live`` (push.truedata.in / history.truedata.in). Reached through the registry:
``terminal.connect("truedata")``.
"""
from .info import INFO, NAME
from .venue import TrueDataVenue, create

__all__ = ["INFO", "NAME", "TrueDataVenue", "create"]

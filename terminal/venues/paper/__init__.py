"""The paper venue: US equities (AAPL, MSFT, NVDA, SPY in USD) on a simulated exchange inside this process.

No network and no credentials: the ``terminal.sim`` matching engine and living market run on the caller's asyncio
loop. Instruments have US market hours; orders outside the regular session are rejected ("market closed, opens Mon
09:30 ET") unless flagged ``extended_hours`` (LIMIT, pre-market/after-hours), and ``always_open=True`` lifts the hours
for tests and demos. Reached through the registry: ``terminal.connect("paper")``.
"""
from .info import INFO, NAME
from .venue import PaperVenue, create

__all__ = ["INFO", "NAME", "PaperVenue", "create"]

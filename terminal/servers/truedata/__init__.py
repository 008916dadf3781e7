"""The TrueData paper server: TrueData's real-time WebSocket protocol (JSON frames keyed by symbol id, heartbeats,
market status) and its REST history API (token, bars and ticks in CSV/JSON, ``comp=true`` framing) over a simulated
NSE market (a dozen stocks, NIFTY 50 and NIFTY BANK, ``NIFTY-I``/``BANKNIFTY-I`` and a dated NIFTY future), in IST
hours or always open. ``trading-terminal sandbox --venue truedata`` runs it alone (``cli``).
"""
from .server import PASSWORD, USERNAME, PaperServer

__all__ = ["PASSWORD", "PaperServer", "USERNAME"]

"""The Kite Connect-compatible paper server: Kite's REST API (login page and session, instruments dump, quotes,
historical candles, orders, trades, positions, holdings, margins, GTT) and its binary ticker WebSocket, over the shared
simulated market (a dozen NSE stocks, NIFTY 50 and NIFTY BANK, NIFTY/BANKNIFTY futures, NIFTY options, a CRUDEOIL
future) in IST hours or always open. ``trading-terminal sandbox --venue kite`` runs it alone (``cli``).
"""
from .auth import DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_REDIRECT
from .limits import Limits
from .server import PaperServer

__all__ = ["DEFAULT_API_KEY", "DEFAULT_API_SECRET", "DEFAULT_REDIRECT", "Limits", "PaperServer"]

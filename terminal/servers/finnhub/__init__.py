"""The Finnhub paper server: Finnhub's REST and WebSocket subset (``/shared/reference/finnhub-subset.md``) on the
``terminal.sim`` market (US stocks, ``OANDA:`` forex, ``BINANCE:`` crypto), with news, fundamentals, the documented
rate limits and fault switches. ``trading-terminal sandbox --venue finnhub`` runs it on its own."""
from .server import BUILTIN_TOKEN, PaperServer

__all__ = ["BUILTIN_TOKEN", "PaperServer"]

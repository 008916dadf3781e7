"""The Finnhub adapter: market data only (quotes from trades, candles, trades over the WebSocket, news and
fundamentals) on ``requests`` and ``websockets``, through one request budget per token. Reached through the registry:
``terminal.connect("finnhub")`` (its paper server in this process) or ``terminal.connect("finnhub", env="live",
credentials={"token": ...})``."""
from .info import INFO, NAME
from .records import Earnings, Fundamentals, NewsItem, NewsList
from .venue import FinnhubVenue, create

__all__ = ["INFO", "NAME", "Earnings", "FinnhubVenue", "Fundamentals", "NewsItem", "NewsList", "create"]

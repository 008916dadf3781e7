"""The Zerodha Kite Connect adapter: our own REST client (requests, on a pool it owns), binary ticker (websockets, on
the shared reconnecting connection), daily login and instruments dump; implements ``venues.ports.Venue`` plus
``InstrumentSearch`` and ``NativeProtection`` (GTT OCO). The official ``kiteconnect`` package is never imported here.

Reached through the registry: ``terminal.connect("kite")`` (the paper server, in this process) or
``terminal.connect("kite", env="live", access_token=..., confirm_live=True)``; ``login(...)`` is the daily login.
"""
from .factory import create
from .info import INFO, NAME
from .login import LoginResult, LoginTimeout, RedirectListener, expiry_ms, follow_redirects, login, login_url
from .venue import KiteVenue

__all__ = ["INFO", "NAME", "KiteVenue", "LoginResult", "LoginTimeout", "RedirectListener", "create", "expiry_ms",
           "follow_redirects", "login", "login_url"]

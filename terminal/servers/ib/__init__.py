"""The IB paper server: the TWS API socket protocol (server version 157) that the unchanged ``ib_async`` client
speaks, over the shared simulated market (a dozen US stocks on SMART, ES futures on CME, the SPX index, EUR.USD on
IDEALPRO) with TWS's order semantics (brackets, OCA groups, stops, trailing stops) and a paper margin account.
``trading-terminal sandbox --venue ib`` runs it alone (``cli``)."""
from .ledger import ACCOUNT
from .server import PaperServer

__all__ = ["ACCOUNT", "PaperServer"]

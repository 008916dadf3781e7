"""Trading terminal: a library first, a desktop app on top.

    import terminal
    session = await terminal.connect("sandbox")
"""
from .model import *  # noqa: F401,F403
from .model import __all__ as _model_all

__version__ = "0.1.0"

try:  # the session is the library's entry point; it lands with the venue adapter
    from .session import BlockingSession, Session, connect, connect_blocking  # noqa: F401
    from .session import (CancelFailed, InsufficientBalance, KillSwitchActive, NotionalLimitExceeded,  # noqa: F401
                          Position, PreTradeError, RiskLimits, StreamHealth, UnknownSymbol)
    from .venues.ports import (AuthError, OrderRejected, RateLimited, TemporaryError, UnknownOrder,  # noqa: F401
                              VenueError)
    __all__ = [*_model_all, "Session", "BlockingSession", "connect", "connect_blocking", "CancelFailed",
               "InsufficientBalance", "KillSwitchActive", "NotionalLimitExceeded", "Position", "PreTradeError",
               "RiskLimits", "StreamHealth", "UnknownSymbol", "AuthError", "OrderRejected", "RateLimited",
               "TemporaryError", "UnknownOrder", "VenueError"]
except ImportError:  # pragma: no cover
    __all__ = list(_model_all)

"""Trading terminal: a library first, a desktop app on top.

    import terminal
    session = await terminal.connect("sandbox")
"""
from typing import TYPE_CHECKING, Any

from .model import *  # noqa: F401,F403
from .model import __all__ as _model_all

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .session import BlockingSession, Session, connect, connect_blocking  # noqa: F401
    from .session import (CancelFailed, InsufficientBalance, KillSwitchActive, NotionalLimitExceeded,  # noqa: F401
                          Position, PreTradeError, RiskLimits, StreamHealth, UnknownSymbol)
    from .venues.ports import (AuthError, OrderRejected, RateLimited, TemporaryError, UnknownOrder,  # noqa: F401
                              VenueError)

# the session and the venue errors are imported on first use (PEP 562): ``import terminal.model`` or the window's
# start-up does not pay for the session, the OMS, the risk engine and the keyring
_SESSION = ["Session", "BlockingSession", "connect", "connect_blocking", "CancelFailed", "InsufficientBalance",
            "KillSwitchActive", "NotionalLimitExceeded", "Position", "PreTradeError", "RiskLimits", "StreamHealth",
            "UnknownSymbol"]
_PORTS = ["AuthError", "OrderRejected", "RateLimited", "TemporaryError", "UnknownOrder", "VenueError"]
__all__ = [*_model_all, *_SESSION, *_PORTS]


def __getattr__(name: str) -> Any:
    from importlib import import_module

    if name in _SESSION:
        value = getattr(import_module(".session", __name__), name)
    elif name in _PORTS:
        value = getattr(import_module(".venues.ports", __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value

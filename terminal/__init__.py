"""Trading terminal: a library first, a desktop app on top.

    import terminal
    session = await terminal.connect("sandbox")
"""
from .model import *  # noqa: F401,F403
from .model import __all__ as _model_all

__version__ = "0.1.0"

try:  # the session is the library's entry point; it lands with the venue adapter
    from .session import BlockingSession, Session, connect, connect_blocking  # noqa: F401
    __all__ = [*_model_all, "Session", "BlockingSession", "connect", "connect_blocking"]
except ImportError:  # pragma: no cover
    __all__ = list(_model_all)

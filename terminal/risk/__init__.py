"""Pre-trade risk: the order draft shared by the ticket and scripts, and the checks every order passes."""
from .draft import DEFAULT_FEE_RATE, Draft, Market, draft_order

__all__ = ["DEFAULT_FEE_RATE", "Draft", "Market", "draft_order"]

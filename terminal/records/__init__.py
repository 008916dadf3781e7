"""Records for the trader: orders, fills with their fees, realised P&L and a daily statement, read from the order
journal of a venue and environment, exported as CSV or XLSX (``trading-terminal export``)."""
from __future__ import annotations

from .export import export_fills, export_orders, export_statement, write_table
from .statement import DayRow, daily_statement
from .tables import fill_rows, journal_path, order_rows

__all__ = ["DayRow", "daily_statement", "export_fills", "export_orders", "export_statement", "fill_rows",
           "journal_path", "order_rows", "write_table"]

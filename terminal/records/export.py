"""Write records tables as CSV or XLSX (by the file's suffix), and the library calls that export a journal's fills,
orders and daily statement for a date range.

CSV cells hold the exact decimal text (``format(x, 'f')``, never ``1E-8``). XLSX cells are numbers written from the
Decimal's own digits (openpyxl writes a Decimal's text into the file); the XLSX writer needs openpyxl.
"""
from __future__ import annotations

import csv
import importlib
import importlib.util
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..market.history import to_ms
from ..model import Instrument
from ..storage.journal import Journal
from .statement import STATEMENT_COLUMNS, DayRow, PriceAt, daily_statement
from .tables import FILL_COLUMNS, ORDER_COLUMNS, fill_rows, order_rows

FORMATS = (".csv", ".xlsx")


class ExportError(ValueError):
    """A bad destination or range (the message says which)."""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def write_table(rows: Iterable[Mapping[str, Any]], columns: list[str], path: str | Path) -> Path:
    """Rows (dicts) to ``path``: ``.csv`` or ``.xlsx``. Returns the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(f"{path.name}: the file must end in .csv or .xlsx")
    rows = list(rows)
    if suffix == ".csv":
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            writer.writerows([_cell(r.get(c)) for c in columns] for r in rows)
        return path
    if importlib.util.find_spec("openpyxl") is None:  # pandas' xlsx writer
        raise ExportError("writing .xlsx needs openpyxl ('pip install openpyxl'); .csv works without it")
    import pandas as pd
    frame = pd.DataFrame([[r.get(c) for c in columns] for r in rows], columns=columns, dtype=object)
    frame.to_excel(path, index=False, engine="openpyxl")
    return path


def date_range(start: Any, end: Any) -> tuple[int | None, int | None]:
    """Epoch ms from dates or times; an end given as a date alone means the end of that day (UTC)."""
    try:
        start_ms, end_ms = to_ms(start, "from"), to_ms(end, "to")
    except ValueError as exc:
        raise ExportError(str(exc)) from None
    if end_ms is not None and isinstance(end, str) and len(end.strip()) <= 10:
        end_ms += 86_400_000 - 1
    if start_ms is not None and end_ms is not None and end_ms < start_ms:
        raise ExportError("--to is before --from")
    return start_ms, end_ms


def export_fills(journal: Journal, venue: str, start: Any, end: Any, path: str | Path, *, symbol: str | None = None,
                 instruments: Mapping[str, Instrument] | None = None) -> int:
    """The fills of ``[start, end]`` with fees, fee asset, fee value and realised P&L. Returns the rows written."""
    start_ms, end_ms = date_range(start, end)
    rows = fill_rows(journal, venue, start_ms, end_ms, symbol, instruments)
    write_table(rows, FILL_COLUMNS, path)
    return len(rows)


def export_orders(journal: Journal, venue: str, start: Any, end: Any, path: str | Path, *,
                  symbol: str | None = None) -> int:
    start_ms, end_ms = date_range(start, end)
    rows = order_rows(journal, venue, start_ms, end_ms, symbol)
    write_table(rows, ORDER_COLUMNS, path)
    return len(rows)


def export_statement(journal: Journal, start: Any, end: Any, path: str | Path, *, symbol: str | None = None,
                     instruments: Mapping[str, Instrument] | None = None, price_at: PriceAt | None = None,
                     capital: Mapping[str, Decimal] | None = None, plot: str | Path | None = None) -> list[DayRow]:
    """The daily statement of ``[start, end]`` as a table (deposits and withdrawals the journal saw counted in equity,
    never in P&L); ``plot``: also the equity curve as a PNG (needs matplotlib; skipped with a note when it is not
    installed)."""
    start_ms, end_ms = date_range(start, end)
    rows = daily_statement(journal.fills(symbol), start_ms, end_ms, instruments=instruments, price_at=price_at,
                           capital=capital, transfers=journal.transfers())
    write_table((r.as_dict() for r in rows), STATEMENT_COLUMNS, path)
    if plot is not None:
        equity_plot(rows, plot)
    return rows


def can_plot() -> bool:
    """Whether matplotlib (optional) is installed."""
    return importlib.util.find_spec("matplotlib") is not None


def equity_plot(rows: list[DayRow], path: str | Path) -> bool:
    """Closing equity per day and quote asset as a PNG. False (nothing written) without matplotlib."""
    if not can_plot():
        return False
    importlib.import_module("matplotlib").use("Agg")
    plt: Any = importlib.import_module("matplotlib.pyplot")
    fig, ax = plt.subplots(figsize=(8, 4))
    for quote in sorted({r.quote for r in rows}):
        mine = [r for r in rows if r.quote == quote]
        ax.plot([r.date for r in mine], [float(r.closing_equity) for r in mine], label=quote)
    ax.set_title("Closing equity per day")
    ax.legend()
    fig.autofmt_xdate()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True

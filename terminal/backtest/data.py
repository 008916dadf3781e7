"""Load OHLCV bars for a backtest from a CSV file, a DataFrame or the history store, and check them.

Columns are matched case-insensitively: a time column (``date``, ``time``, ``datetime``, ``timestamp``,
``open_time`` or the index) and ``open``, ``high``, ``low``, ``close``, ``volume`` (volume may be absent: 0).
Numeric times are epoch ms (or seconds when they look like seconds). The result is a DataFrame indexed by a
sorted, unique ``DatetimeIndex`` with float columns Open, High, Low, Close, Volume (backtesting.py's layout).
Every problem raises ``DataError`` with a message naming it: missing columns, unparsable times, unsorted or
duplicate timestamps, NaN or non-positive prices, High/Low not bracketing Open/Close.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

OHLCV = ("Open", "High", "Low", "Close", "Volume")
TIME_NAMES = ("date", "datetime", "time", "timestamp", "open_time", "opentime", "ts", "ts_event")


class DataError(ValueError):
    """Bars that cannot be backtested, with the reason."""


def load_csv(path: str | Path) -> pd.DataFrame:
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: no such file")
    try:
        raw = pd.read_csv(p)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{p}: not a readable CSV file ({exc})") from None
    return prepare(raw, source=str(p))


def prepare(df: pd.DataFrame, source: str = "data") -> pd.DataFrame:
    """Normalise and validate a DataFrame of bars (see the module docstring)."""
    index, cols = bars_arrays(df, source)
    # the five columns as the rows of one block, the layout pandas keeps float columns in: the frame is built on it
    # without the copy that consolidating five separate arrays would make
    block = np.empty((len(OHLCV), len(index)))
    for k, col in enumerate(OHLCV):
        block[k] = cols[col]
    return pd.DataFrame(block.T, index=index, columns=list(OHLCV), copy=False)


def bars_arrays(df: pd.DataFrame, source: str = "data") -> tuple[pd.DatetimeIndex, dict[str, np.ndarray]]:
    """``prepare``'s checks and values without making the frame: the index and the columns Open, High, Low,
    Close, Volume as float arrays. Columns that are floats already are read where they are (read-only views of
    ``df``'s data, not copies): for a reader that is done with them before ``df`` changes (a backtest)."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{source}: expected a DataFrame, got {type(df).__name__}")
    if df.empty:
        raise DataError(f"{source}: no rows")
    lower = {str(c).strip().lower(): c for c in df.columns}
    missing = [c for c in OHLCV[:4] if c.lower() not in lower]
    if missing:
        raise DataError(f"{source}: missing column(s) {', '.join(m.lower() for m in missing)} "
                        f"(have: {', '.join(map(str, df.columns))})")
    index = _time_index(df, lower, source)
    cols = _float_columns(df, lower)
    if cols is not None:
        _check(index, cols, source)
        return index, cols
    cols = {}
    for col in OHLCV:
        if col.lower() in lower:
            raw = df[lower[col.lower()]]
            if raw.dtype == np.float64:  # already floats (NaN stays NaN): to_numeric would give the same values
                values = raw.to_numpy(dtype=np.float64, copy=False)
                if values.flags.writeable:
                    values = values.view()
                    values.flags.writeable = False
            else:
                values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            values = np.zeros(len(df))
        cols[col] = values
    _check(index, cols, source)
    return index, cols


def _float_columns(df: pd.DataFrame, lower: dict[str, object]) -> dict[str, np.ndarray] | None:
    """The five columns of a frame that has exactly Open, High, Low, Close and Volume, of numpy number types, as
    float arrays, read-only (what ``bars_arrays`` reads column by column, from one ``to_numpy``, which costs a
    tenth as much as five column lookups: a frame of float64 columns keeps them as the rows of one block, and its
    array is that block transposed, each column a contiguous row of it, not a copy). Integer columns are converted
    as ``to_numeric(...).to_numpy(float64)`` would (the same astype). None for any other frame."""
    if len(lower) != len(OHLCV) or len(df.columns) != len(OHLCV) or any(c.lower() not in lower for c in OHLCV):
        return None
    # float64 only when every column is a numpy number type (anything else, bool or text, makes it object)
    values = df.to_numpy(copy=False)
    if values.dtype != np.float64 or values.ndim != 2:
        return None
    position = {str(c).strip().lower(): k for k, c in enumerate(df.columns)}
    cols: dict[str, np.ndarray] = {}
    for col in OHLCV:
        view = values[:, position[col.lower()]].view()
        view.flags.writeable = False
        cols[col] = view
    return cols


def _time_index(df: pd.DataFrame, lower: dict[str, object], source: str) -> pd.DatetimeIndex:
    col = next((lower[n] for n in TIME_NAMES if n in lower), None)
    first = df.columns[0]
    if col is None and str(first).startswith("Unnamed: 0") and not pd.api.types.is_numeric_dtype(df[first]):
        col = first  # a DataFrame saved with to_csv(): its DatetimeIndex is the unnamed first column
    if col is None:
        if isinstance(df.index, pd.DatetimeIndex):
            if df.index.hasnans:
                raise DataError(f"{source}: column 'index' has empty times (first at row {int(df.index.isna().argmax())})")
            idx = df.index if df.index.tz is None else df.index.tz_convert("UTC").tz_localize(None)
            # ns, no freq (name=None keeps the index's name)
            ns = _ns_ticks(idx)
            if ns is not None:  # the index from its integer ticks: one small construction instead of three
                return pd.DatetimeIndex(ns.view("M8[ns]"), name=idx.name)
            return pd.DatetimeIndex(idx.as_unit("ns"), freq=None, name=None)
        else:
            raise DataError(f"{source}: missing a date/time column (one of: {', '.join(TIME_NAMES)}) "
                            "or a DatetimeIndex")
        name = "index"
    else:
        raw = df[col]
        name = str(col)
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        if raw.isna().any():
            raise DataError(f"{source}: column {name!r} has empty times (first at row {int(raw.isna().argmax())})")
        unit = "s" if raw.abs().max() < 1e11 else "ms"
        index = pd.to_datetime(raw.astype("int64"), unit=unit)
    else:
        try:
            index = pd.to_datetime(raw, format="mixed")
        except (ValueError, TypeError) as exc:
            raise DataError(f"{source}: column {name!r} has times that cannot be parsed ({exc})") from None
        if index.isna().any():
            raise DataError(f"{source}: column {name!r} has empty times (first at row {int(index.isna().argmax())})")
    idx = pd.DatetimeIndex(index)
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    return idx.as_unit("ns").rename(None)


_TICKS_PER_UNIT = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
_NS_LIMIT = 2**63 - 1


def _ns_ticks(idx: pd.DatetimeIndex) -> np.ndarray | None:
    """Epoch ns of a naive index without NaT (``idx.as_unit("ns").asi8``: the same integers), or None when they
    do not fit in int64 (``as_unit`` raises then: the caller goes that way for its error)."""
    per = _TICKS_PER_UNIT.get(idx.unit)
    if per is None:
        return None
    ticks = idx.asi8
    if per == 1:
        return ticks
    limit = _NS_LIMIT // per
    if len(ticks) and (int(ticks.max()) > limit or int(ticks.min()) < -limit):
        return None
    return ticks * per


def _check(idx: pd.DatetimeIndex, cols: dict[str, np.ndarray], source: str) -> None:
    # each check first over the whole column in one or two passes; where it finds something, the pass that says where
    if len(idx) > 1:
        t = idx.asi8
        # comparisons of shifted views: a 1-byte flag per bar, not an 8-byte difference (fresh pages cost)
        if not (t[1:] > t[:-1]).all():
            d = np.diff(t)
            if (d == 0).any():
                i = int(np.argmax(d == 0)) + 1
                raise DataError(f"{source}: duplicate timestamp {idx[i]} (rows {i} and {i + 1})")
            i = int(np.argmax(d < 0)) + 1
            raise DataError(f"{source}: timestamps are not sorted: {idx[i]} (row {i + 1}) comes after {idx[i - 1]}")
    for col in OHLCV:
        if not np.isfinite(cols[col]).all():
            bad = ~np.isfinite(cols[col])
            i = int(np.argmax(bad))
            raise DataError(f"{source}: NaN or non-numeric {col.lower()} at {idx[i]} (row {i + 1}); "
                            f"{int(bad.sum())} such value(s)")
    o, hi, lo, c = (cols[k] for k in OHLCV[:4])
    if len(o) and min(o.min(), hi.min(), lo.min(), c.min()) <= 0:
        nonpositive = (o <= 0) | (hi <= 0) | (lo <= 0) | (c <= 0)
        i = int(np.argmax(nonpositive))
        raise DataError(f"{source}: non-positive price at {idx[i]} (row {i + 1})")
    # hi < max(o, c) is hi < o or hi < c (no NaN here): flags only, no 8-byte maximum / minimum arrays
    if ((hi < o) | (hi < c) | (lo > o) | (lo > c)).any():
        bad = (hi < np.maximum(o, c)) | (lo > np.minimum(o, c))
        i = int(np.argmax(bad))
        raise DataError(f"{source}: high/low do not contain open/close at {idx[i]} (row {i + 1})")


def load(source: "str | Path | pd.DataFrame") -> pd.DataFrame:
    """A CSV path or a DataFrame -> validated bars."""
    if isinstance(source, pd.DataFrame):
        return prepare(source)
    return load_csv(source)


def to_ms(index: pd.DatetimeIndex) -> np.ndarray:
    """Epoch milliseconds of a (naive UTC) DatetimeIndex (``as_unit("ms")``, which floors: integer division of
    the ticks of a finer unit gives the same integers)."""
    per = {"ns": 1_000_000, "us": 1_000}.get(getattr(index, "unit", ""))
    if per is not None and not index.hasnans:
        return index.asi8 // per
    return index.as_unit("ms").asi8.astype(np.int64)

"""The time axis' ticks and labels as pyqtgraph's ``DateAxisItem`` makes them, without its per-frame cost.

At every pan or zoom frame pyqtgraph's date axis measured its zoom levels' example texts again (a
``QFontMetrics.boundingRect`` each), compared tick levels with ``np.isclose`` (~25 us a level) and, for each label,
asked Qt for the local UTC offset of the tick (a ``QDateTime`` in local time, ~15 us) before ``strftime``: ~0.35 ms
a frame for a dozen labels. The same ticks come back frame after frame while the view moves a few candles, so the
labels and the per-tick offsets are kept per tick value (they depend on nothing else but the format and the axis'
``utcOffset``), the example sizes per font metrics, and ``isclose`` (rtol 0) is written out as ``|a - b| <= atol``.
A label not seen before takes its tick's local UTC offset from the C library's ``localtime`` (what Qt's local
time is made from on Linux and macOS, ~1 us) rather than from a ``QDateTime``, for times ``time_t`` holds on every
platform (1970 to 2038); outside that range Qt answers, as in pyqtgraph. The results are pyqtgraph's, value for
value and string for string (tests/ui/chart/test_chart_axis_cost.py, in three time zones across DST changes).
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np
from pyqtgraph.graphicsItems import DateAxisItem as _date

_KEPT = 4096  # labels and offsets remembered per axis (a day of minute ticks is ~1,500)


_TIME_T_MAX = 2**31 - 1


def utc_offset(ts: float) -> int:
    """pyqtgraph's ``calculateUtcOffset``: minus the local time's offset from UTC (s) at ``round(ts)``."""
    secs = round(ts)
    if 0 <= secs <= _TIME_T_MAX:
        return -time.localtime(secs).tm_gmtoff
    return _date.calculateUtcOffset(ts)  # type: ignore[no-any-return]


class LeanDateTicks:
    """Mixin for ``pg.DateAxisItem`` subclasses (put it before the class): ``tickValues``, ``tickStrings`` and
    ``setZoomLevelForDensity`` as pyqtgraph's, with what they compute kept between frames."""

    def _store(self, name: str) -> dict[Any, Any]:
        store: dict[Any, Any] | None = self.__dict__.get(name)
        if store is None or len(store) >= _KEPT:
            store = {}
            self.__dict__[name] = store
        return store

    # ---- labels ------------------------------------------------------------------------------------------------
    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        axis: Any = self
        spec = next((s for s in axis.zoomLevel.tickSpecs if s.spacing == spacing), None)
        if spec is None:  # pyqtgraph's own answer (and its error) for a spacing none of the level's specs has
            return _date.DateAxisItem.tickStrings(axis, values, scale, spacing)  # type: ignore[no-any-return]
        labels = self._store("_labels")
        fmt, offset = spec.format, axis.utcOffset
        out: list[str] = []
        for v in values:
            key = (v, fmt, offset)
            text = labels.get(key)
            if text is None:
                text = self._label(v, fmt, offset)
                if text is None:  # out of datetime's range: pyqtgraph labels the whole list in years
                    return _date.DateAxisItem.tickStrings(axis, values, scale, spacing)  # type: ignore[no-any-return]
                labels[key] = text
            out.append(text)
        return out

    def _label(self, v: float, fmt: str, offset: int | None) -> str | None:
        """pyqtgraph's label for one tick; None where its conversion fails."""
        try:
            d = _date.utcfromtimestamp(v - (offset if offset is not None else utc_offset(v)))
        except (OverflowError, ValueError, OSError):
            return None
        try:
            s = d.strftime(fmt)
        except ValueError:
            return ""
        if "%f" in fmt:
            return s[:-3]
        if "%Y" in fmt:
            return s.lstrip("0")
        return s

    # ---- tick values -------------------------------------------------------------------------------------------
    def setZoomLevelForDensity(self, density: float) -> None:
        axis: Any = self
        fm = axis.fontMetrics
        sizes = self.__dict__.get("_example_sizes")
        if sizes is None or sizes[0] is not fm:
            sizes = (fm, {})
            self.__dict__["_example_sizes"] = sizes
        known: dict[str, int] = sizes[1]
        horizontal = axis.orientation in ("bottom", "top")

        def size_of(text: str) -> int:
            size = known.get(text)
            if size is None:
                br = fm.boundingRect(text)
                size = known[text] = (br.width() if horizontal else br.height()) + 10
            return size

        axis.zoomLevel = _date.YEAR_MONTH_ZOOM_LEVEL
        for maximal_spacing, level in axis.zoomLevels.items():
            if maximal_spacing / size_of(level.exampleText) < density:
                break
            axis.zoomLevel = level
        axis.zoomLevel.utcOffset = axis.utcOffset
        axis.minSpacing = density * size_of(axis.zoomLevel.exampleText)

    def tickValues(self, lo: float, hi: float, size: float) -> list[tuple[float, list[float]]]:
        """``DateAxisItem.tickValues``: the zoom level's ``ZoomLevel.tickValues``, step by step."""
        axis: Any = self
        self.setZoomLevelForDensity((hi - lo) / size)
        level, min_spc = axis.zoomLevel, axis.minSpacing
        seen = np.array([])
        specs: list[tuple[float, list[float]]] = []
        for spec in level.tickSpecs:
            extended = self._extended(spec.spacing, lo, hi, level.utcOffset)
            ticks, skip = spec.makeTicks(*extended, min_spc)
            ticks = self._to_local(ticks, spec.spacing, skip, level.utcOffset)
            if len(seen) and len(ticks):
                ticks = ticks[~(np.abs(seen - ticks[:, np.newaxis]) <= min_spc * 0.01).any(axis=-1)]
            seen = np.concatenate([seen, ticks])
            specs.append((spec.spacing, ticks.tolist()))
            if skip > 1:
                break
        return specs

    @staticmethod
    def _extended(spacing: float, lo: float, hi: float, offset: int | None) -> tuple[float, float]:
        """``ZoomLevel.extendTimeRangeForSpacing``: hour and longer ticks look past the range by the UTC offset."""
        if spacing < _date.HOUR_SPACING:
            return lo, hi
        return (lo - abs(offset if offset is not None else utc_offset(lo)),
                hi + abs(offset if offset is not None else utc_offset(hi)))

    def _to_local(self, ticks: np.ndarray, spacing: float, skip: int, offset: int | None) -> np.ndarray:
        """``ZoomLevel.moveTicksToLocalTimeCoords`` with each tick's local-time answer kept."""
        if len(ticks) == 0:
            return ticks
        if (spacing == _date.HOUR_SPACING and skip > 1) or spacing > _date.HOUR_SPACING:
            shifts = self._store("_to_utc")
            ticks += [self._kept(shifts, (t, offset), lambda t=t: _date.applyOffsetToUtc(t, offset)) for t in ticks]
        elif spacing == _date.HOUR_SPACING:
            hours = self._store("_local_hour")
            ticks += [self._kept(hours, t, lambda t=t: _date.offsetToLocalHour(t)) for t in ticks]
            ticks = np.array([t for t in ticks if self._kept(hours, t, lambda t=t: _date.offsetToLocalHour(t)) == 0])
        return ticks

    @staticmethod
    def _kept(store: dict[Any, Any], key: Any, compute: Any) -> Any:
        value = store.get(key)
        if value is None:
            value = store[key] = compute()
        return value

"""Parameter grids: parsed from ``name=start:stop:step`` / ``name=a,b,c``, sized, enumerated, or sampled by index.

A grid maps each parameter to its values; its combinations are the cartesian product, in ``itertools.product``
order (the last parameter fastest). ``expand`` builds them all, which only an exhaustive search needs and only
within ``MAX_GRID_SIZE`` (``check_grid`` refuses more, before any work). A random search never builds the grid:
``sample_indices`` draws distinct indices into the product (a lazy Fisher-Yates shuffle whose memory grows with the
draws, not with the grid) and ``combination`` decodes one index (mixed radix), so 3 tries of a grid of 10^15
combinations cost 3 combinations. A single parameter has at most ``MAX_GRID_SIZE`` values.
"""
from __future__ import annotations

import itertools
import math
import random
from typing import Any, Iterator, Mapping, Sequence

#: the most combinations an exhaustive search will enumerate (and hold in memory); larger grids need random search
MAX_GRID_SIZE = 100_000


class GridTooLarge(ValueError):
    """An exhaustive search over more than ``MAX_GRID_SIZE`` combinations (refused before any work starts)."""


def parse_grid_spec(spec: str) -> tuple[str, list[str]]:
    """``fast=5:30:5`` (start:stop:step, stop included) or ``fast=5,10,20`` -> (name, values as text)."""
    name, sep, rhs = spec.partition("=")
    name = name.strip()
    if not sep or not name or not rhs.strip():
        raise ValueError(f"grid {spec!r} is not of the form name=start:stop:step or name=a,b,c")
    if ":" in rhs:
        parts = rhs.split(":")
        if len(parts) not in (2, 3):
            raise ValueError(f"grid {spec!r}: a range is start:stop or start:stop:step")
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"grid {spec!r}: range bounds must be numbers") from None
        start, stop = nums[0], nums[1]
        step = nums[2] if len(nums) == 3 else 1.0
        if step <= 0 or stop < start:
            raise ValueError(f"grid {spec!r}: need start <= stop and a positive step")
        count = int(math.floor((stop - start) / step + 1e-9)) + 1
        if count > MAX_GRID_SIZE:
            raise ValueError(f"grid {spec!r} has {count:,} values; at most {MAX_GRID_SIZE:,} per parameter")
        values = [start + k * step for k in range(count)]
        as_int = all(float(p).is_integer() for p in parts)
        return name, [str(int(round(v))) if as_int else repr(round(v, 12)) for v in values]
    return name, [v.strip() for v in rhs.split(",") if v.strip()]


def expand(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination (the whole grid in memory: only for grids within ``MAX_GRID_SIZE``)."""
    names = list(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*(grid[n] for n in names))]


def grid_size(grid: Mapping[str, Sequence[Any]]) -> int:
    """Number of combinations (an exact int, however large)."""
    return math.prod(len(v) for v in grid.values())


def check_grid(grid: Mapping[str, Sequence[Any]], method: str = "grid", max_tries: int | None = None) -> int:
    """The grid's size; raises GridTooLarge if ``method`` would enumerate more than ``MAX_GRID_SIZE`` of them."""
    size = grid_size(grid)
    if max_tries is not None and max_tries < 1:
        raise ValueError(f"max tries must be at least 1, got {max_tries}")
    exhaustive = method != "random" or max_tries is None
    if exhaustive and size > MAX_GRID_SIZE:
        raise GridTooLarge(f"the grid has {size:,} combinations; an exhaustive search is limited to "
                           f"{MAX_GRID_SIZE:,}: narrow the ranges")
    return size


def combination(grid: Mapping[str, Sequence[Any]], index: int) -> dict[str, Any]:
    """The ``index``-th combination in ``itertools.product`` order (mixed-radix digits, the last parameter fastest)."""
    values: dict[str, Any] = {}
    for name in reversed(list(grid)):
        options = grid[name]
        index, digit = divmod(index, len(options))
        values[name] = options[digit]
    return {name: values[name] for name in grid}


def sample_indices(size: int, rng: random.Random) -> Iterator[int]:
    """Distinct random integers in [0, size) in random order, drawn one at a time: a lazy Fisher-Yates shuffle
    whose memory grows with the draws, never with ``size``."""
    moved: dict[int, int] = {}  # position -> value, where the shuffle has moved values so far
    for k in range(size):
        j = rng.randrange(k, size)
        yield moved.get(j, j)
        moved[j] = moved.pop(k, k)

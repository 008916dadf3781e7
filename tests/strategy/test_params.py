"""Strategy parameters are typed and checked; errors name the parameter and the problem."""
from __future__ import annotations

import pytest

from terminal.strategy.base import ParamError
from terminal.strategy.builtin import BUILTIN, RsiReversion, SmaCross


def test_text_values_are_coerced_to_the_declared_types():
    s = SmaCross(fast="5", slow="12", long_short="true")
    assert (s.p.fast, s.p.slow, s.p.long_short) == (5, 12, True)


def test_wrong_type_names_the_parameter_and_what_it_expects():
    with pytest.raises(ParamError, match=r"parameter 'fast' expects an integer, got 'ten'"):
        SmaCross(fast="ten")
    with pytest.raises(ParamError, match=r"parameter 'fast' expects an integer, got float 10.5"):
        SmaCross(fast=10.5)
    with pytest.raises(ParamError, match=r"parameter 'long_short' expects true or false, got 'maybe'"):
        SmaCross(long_short="maybe")


def test_slow_not_above_fast_is_refused_with_both_values():
    with pytest.raises(ParamError, match=r"parameter 'slow' \(10\) must be greater than 'fast' \(10\)"):
        SmaCross(fast=10, slow=10)
    with pytest.raises(ParamError, match=r"'slow' \(5\) must be greater than 'fast' \(20\)"):
        SmaCross(fast=20, slow=5)


def test_out_of_range_and_unknown_parameters():
    with pytest.raises(ParamError, match=r"parameter 'fast' must be >= 1, got 0"):
        SmaCross(fast=0)
    with pytest.raises(ParamError, match=r"has no parameter 'fsat' \(parameters: fast, slow, long_short\)"):
        SmaCross(fsat=3)
    with pytest.raises(ParamError, match=r"'upper' \(20.0\) must be greater than 'lower' \(30.0\)"):
        RsiReversion(upper=20)


def test_builtin_registry_has_the_classics():
    assert {"sma_cross", "rsi_reversion", "bollinger_breakout", "donchian"} <= set(BUILTIN)

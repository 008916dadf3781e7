from decimal import Decimal as D

import pytest
from hypothesis import given, strategies as st

from terminal.model import NumberError, fmt, snap, to_decimal
from terminal.model.numbers import decimals_of


def test_fmt_never_uses_exponent():
    assert fmt(D("1E-8")) == "0.00000001"
    assert fmt(D("1E+2")) == "100"
    assert fmt(D("1.50000000")) == "1.5"
    assert fmt(D("1.5"), 8) == "1.50000000"


@pytest.mark.parametrize("bad", [float("nan"), 0.1, "nan", "inf", "-1", "abc", "", None, True])
def test_to_decimal_refuses_floats_nan_inf_negative_and_junk(bad):
    with pytest.raises(NumberError):
        to_decimal(bad)


def test_decimals_of_steps():
    assert decimals_of(D("0.01")) == 2
    assert decimals_of(D("0.00001000")) == 5
    assert decimals_of(D("1")) == 0


@given(st.decimals(min_value=D("0"), max_value=D("1000000"), places=8, allow_nan=False, allow_infinity=False),
       st.sampled_from([D("0.01"), D("0.00001"), D("1"), D("0.5"), D("10")]))
def test_snap_lands_on_step_and_never_moves_more_than_a_step(value, step):
    for mode in ("down", "up", "nearest"):
        s = snap(value, step, mode)
        assert s % step == 0
        assert abs(s - value) < step
    assert snap(value, step, "down") <= value <= snap(value, step, "up")

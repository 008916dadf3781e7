import re
from decimal import Decimal
from decimal import Decimal as D

import pytest
from hypothesis import given, strategies as st

from terminal.model import InvalidArgument, NumberError, fmt, snap, to_decimal
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


# ---------------------------------------------------------------- strict ASCII parsing (issue 9, item 5)
PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


@pytest.mark.parametrize("text", [
    "١",  # ARABIC-INDIC DIGIT ONE: Decimal("١") == 1
    "١٢٣.٥", "۱", "१", "１", "𝟏", "¹",  # extended Arabic-Indic, Devanagari, fullwidth, mathematical, superscript
    "1_000", "1__0", "_1",  # Decimal() accepts underscores between digits
    "1e3", "1E-8", "1e999999999", "2E+2",  # exponents
    "NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf",
    "1 000", "1\u00a0000", "\u20031", "1\u2009", "1\u3000",  # inner and non-ASCII spaces (Decimal strips the outer ones)
    "0x10", "1/2", "1,5", "1.2.3", "--1", "+-1", ".", "+", "-", "1.5\n1",
    "1" * 65, "0." + "0" * 70 + "1",  # over the length bound
])
def test_to_decimal_refuses_everything_but_plain_ascii_decimal_text(text):
    with pytest.raises(NumberError, match=r"^quantity: "):
        to_decimal(text, name="quantity")


@pytest.mark.parametrize("text, expected", [
    ("0.001", D("0.001")), (" 0.001\t", D("0.001")), ("+1.5", D("1.5")), (".5", D("0.5")), ("5.", D("5")),
    ("0", D("0")), ("-0", D("0")), ("1" * 20, D("1" * 20)), ("0." + "0" * 19 + "1", D("1E-20")),
    ("1.50000000000000000000000000000", D("1.5")),
])
def test_to_decimal_accepts_plain_ascii_decimal_text(text, expected):
    value = to_decimal(text)
    assert value == expected and not value.is_signed()


@pytest.mark.parametrize("value", [
    10**20, -(10**20), 10**400, D("1E+20"), D("1E+999999"), D("1E-21"), D("-1E-999999"), D("sNaN"), D("-Infinity"),
    "1" * 21, "0." + "0" * 20 + "1", [1], {"a": 1}, (1,), b"1", object(), 1 + 0j,
])
def test_to_decimal_refuses_out_of_bound_and_non_number_values_with_the_argument_named(value):
    with pytest.raises(NumberError) as info:
        to_decimal(value, name="price")
    assert info.value.argument == "price" and str(info.value).startswith("price: ")
    assert isinstance(info.value, InvalidArgument) and isinstance(info.value, ValueError)
    assert len(str(info.value)) < 300  # a huge value makes a short message


def test_to_decimal_allows_negatives_only_when_asked():
    assert to_decimal("-1.5", allow_negative=True) == D("-1.5")
    assert to_decimal(-3, allow_negative=True) == -3
    with pytest.raises(NumberError, match="negative"):
        to_decimal(D("-0.1"))


@given(st.text(max_size=30))
def test_to_decimal_accepts_text_exactly_when_it_is_plain_ascii_decimal_within_bounds(text):
    stripped = text.strip(" \t\r\n")
    try:
        value = to_decimal(text, allow_negative=True)
    except NumberError:
        ok = False
    else:
        ok = True
        assert value == Decimal(stripped)
    whole, _, frac = stripped.lstrip("+-").partition(".")
    within = len(whole.lstrip("0")) <= 20 and len(frac.rstrip("0")) <= 20
    assert ok == bool(PLAIN.fullmatch(stripped) and within)


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=8))
def test_to_decimal_refuses_every_non_ascii_unicode_digit_string(text):
    if not text.isascii():
        with pytest.raises(NumberError):
            to_decimal(text)


@given(st.decimals(min_value=D("-1E+19"), max_value=D("1E+19"), places=12, allow_nan=False, allow_infinity=False))
def test_to_decimal_round_trips_wire_formatting(value):
    assert to_decimal(fmt(value), allow_negative=True) == value
    assert to_decimal(value, allow_negative=True) == value


def test_to_decimal_keeps_the_largest_value_of_20_plus_20_digits_exactly():
    # abs() rounds to the context's 28 digits, which turned this into 1E+20 and refused it as too large
    text = "99999999999999999999.99999999999999999999"
    assert to_decimal(text) == Decimal(text)

"""The event-driven engine gives, bit for bit, the results it gave before the speed work (recorded on main)."""
from __future__ import annotations

import json

import pytest

from tests.backtest.golden_cases import CASES, GOLDEN, fingerprint

RECORDED = json.loads(GOLDEN.read_text())


def test_every_case_has_a_recording():
    assert sorted(RECORDED) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_backtest_results_are_identical_to_the_recording(name):
    got, want = fingerprint(CASES[name]()), RECORDED[name]
    assert got["trades"] == want["trades"]
    assert got["first_trades"] == want["first_trades"]
    assert got["stats"] == want["stats"]
    assert got == want

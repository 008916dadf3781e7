"""Fee schedules the venues declare: the ticket's estimate equals what their paper servers charge."""
from __future__ import annotations

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from terminal.model import AssetClass, Instrument, OptionRight
from terminal.model.fees import FeeRule, FeeSchedule
from terminal.servers.ib import ledger
from terminal.servers.ib.contracts import listing
from terminal.venues.binance.info import INFO as BINANCE
from terminal.venues.ib.info import FEES as IB
from terminal.venues.kite.info import FEES as KITE

D = Decimal


def ins(kind: AssetClass, multiplier: str = "1") -> Instrument:
    extra: dict = {}
    if kind in (AssetClass.FUTURE, AssetClass.OPTION):
        extra["expiry"] = date(2026, 12, 18)
    if kind is AssetClass.OPTION:
        extra.update(strike=D(24000), right=OptionRight.CALL)
    return Instrument("X", "X", "USD", tick_size=D("0.01"), step_size=D(1), asset_class=kind,
                      multiplier=D(multiplier), **extra)


def test_ib_stocks_pay_per_share_with_a_minimum_and_a_cap_of_one_percent():
    stock = ins(AssetClass.EQUITY)
    assert IB.estimate(stock, D(10), D(150)) == D(1)         # 0.05 -> the 1.00 minimum
    assert IB.estimate(stock, D(1000), D(150)) == D(5)       # 0.005 a share
    assert IB.estimate(stock, D(1000), D("0.2")) == D(2)     # 5.00 capped at 1 % of 200
    assert IB.estimate(stock, D(10), D("0.05")) == D(1)      # the cap never goes under the minimum


def test_ib_futures_pay_per_contract_whatever_the_notional_and_forex_a_rate_with_a_minimum():
    assert IB.estimate(ins(AssetClass.FUTURE, "50"), D(2), D(5000)) == D("4.50")
    fx = ins(AssetClass.FOREX)
    assert IB.estimate(fx, D(20000), D("1.1")) == D(2)
    assert IB.estimate(fx, D(10_000_000), D("1.1")) == D("220.000")


def test_kite_brokerage_is_the_lower_of_three_basis_points_and_rs_20_and_options_are_flat():
    eq = ins(AssetClass.EQUITY)
    assert KITE.estimate(eq, D(10), D(100)) == D("0.3")
    assert KITE.estimate(eq, D(100), D(2500)) == D(20)
    assert KITE.estimate(ins(AssetClass.OPTION, "75"), D(75), D("120.5")) == D(20)
    assert "CNC" in KITE.note


def test_binance_charges_a_tenth_of_a_percent_of_the_notional():
    fees = BINANCE.capabilities.fees
    assert fees is not None and fees.rate == D("0.001")
    assert fees.estimate(ins(AssetClass.CRYPTO_SPOT), D("0.5"), D(60000)) == D("30")


@pytest.mark.parametrize("seed", range(3))
def test_the_ib_schedule_is_what_the_ib_paper_server_charges(seed):
    rnd = random.Random(seed)
    kinds = {"STK": AssetClass.EQUITY, "FUT": AssetClass.FUTURE, "CASH": AssetClass.FOREX}
    listed = [c for c in listing() if c.sec_type in kinds]
    assert {c.sec_type for c in listed} == set(kinds)
    for _ in range(300):
        item = rnd.choice(listed)
        qty = D(rnd.choice([1, 3, 10, 99, 250, 1000, 25000, 1_000_000]))
        price = D(rnd.randint(1, 600_000)) / 100
        ours = IB.estimate(ins(kinds[item.sec_type]), qty, price)
        assert ours.quantize(D("0.01"), ROUND_HALF_UP) == ledger.commission(item, qty, price), (item.sec_type, qty, price)


def test_a_rule_without_charges_is_free_and_the_minimum_only_applies_to_a_charge():
    assert FeeSchedule().estimate(ins(AssetClass.EQUITY), D(100), D(10)) == 0
    assert FeeRule(minimum=D(1)).estimate(D(1000), D(5)) == D(1)

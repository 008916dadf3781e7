"""The limits as a declarative configuration: JSON form, refusal of bad entries naming the field, per venue and
environment in the settings file (saved, loaded, surviving the settings' secret scrubbing)."""
from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from terminal.risk import config
from terminal.risk.limits import (LossLimits, PriceBand, RiskLimits, StrategyLimits, SymbolLimits, Throttle, changes,
                                  from_dict, to_dict)
from terminal.storage import settings as st

D = Decimal
FULL = RiskLimits(max_order_notional=D("1000"), symbols={"btcusdt": SymbolLimits(max_order_qty=D("0.5"),
                                                                                  max_position_qty=D("2"))},
                  max_gross_exposure=D("50000"), band=PriceBand(max_pct=D("5"), max_ticks=500, max_spread_pct=D("0.2")),
                  throttle=Throttle(orders_per_second=5, orders_per_minute=100, cancels_per_minute=50),
                  loss=LossLimits(max_daily_loss=D("800"), max_drawdown=D("1200"), flatten=True),
                  strategy=StrategyLimits(max_loss=D("100")),
                  strategies={"TokenMomentum": StrategyLimits(capital=D("2500"), orders_per_minute=10)})


def test_json_form_round_trips_and_leaves_no_limit_out():
    data = to_dict(FULL)
    assert data["band"] == {"max_pct": "5", "max_ticks": 500, "max_spread_pct": "0.2"}
    assert data["symbols"] == {"BTCUSDT": {"max_order_qty": "0.5", "max_position_qty": "2"}}
    assert from_dict(data) == FULL
    assert to_dict(RiskLimits()) == {"check_balance": True, "loss": {"flatten": False, "day_start_hour_utc": 0},
                                     "reference": "USDT"}


@pytest.mark.parametrize("data, message", [
    ({"band": {"max_pct": "five"}}, r"band.max_pct: 'five' is not a plain decimal number"),
    ({"band": {"max_pct": 5.5}}, r"band.max_pct: pass a string or Decimal, not a float"),
    ({"throttle": {"orders_per_second": "3"}}, r"throttle.orders_per_second: expected a whole number"),
    ({"symbols": {"BTCUSDT": {"max_qty": "1"}}}, r"symbols.BTCUSDT.max_qty: unknown limit"),
    ({"max_order_notional": "-1"}, r"max_order_notional: '-1' is negative"),
    ({"loss": {"day_start_hour_utc": 24}}, r"loss.day_start_hour_utc: must be 0 to 23"),
    ({"loss": {"flatten": "yes"}}, r"loss.flatten: expected true or false"),
])
def test_a_bad_entry_is_refused_naming_the_field(data, message):
    with pytest.raises(ValueError, match=message):
        from_dict(data)


def test_changes_list_each_limit_by_its_path():
    new = FULL.replace(band=PriceBand(max_pct=D("3")), symbols={})
    assert changes(FULL, new) == [("band.max_pct", "5", "3"), ("band.max_spread_pct", "0.2", None),
                                  ("band.max_ticks", "500", None), ("symbols.BTCUSDT.max_order_qty", "0.5", None),
                                  ("symbols.BTCUSDT.max_position_qty", "2", None)]


def test_limits_per_venue_and_environment_survive_a_save_and_load(tmp_path):
    s = st.Settings()
    config.store(s, "binance", "testnet", FULL)
    config.store(s, "paper", "sim", RiskLimits(max_order_notional=D("10")))
    st.save(s, tmp_path)
    loaded = st.load(tmp_path)
    assert config.limits_for(loaded, "binance", "testnet") == FULL  # "TokenMomentum" is not taken for a secret
    assert config.limits_for(loaded, "paper", "sim") == RiskLimits(max_order_notional=D("10"))
    assert config.limits_for(loaded, "binance", "live") == RiskLimits()


def test_the_old_single_setting_is_the_default_and_a_broken_entry_is_ignored_with_a_warning(caplog):
    s = st.Settings(max_order_notional="250")
    assert config.limits_for(s, "binance", "testnet") == RiskLimits(max_order_notional=D("250"))
    s.risk_limits["binance/testnet"] = {"band": {"max_pct": "lots"}}
    with caplog.at_level(logging.WARNING, logger="terminal.risk.config"):
        assert config.limits_for(s, "binance", "testnet") == RiskLimits()
    assert "the risk limits of binance/testnet are ignored: band.max_pct" in caplog.text

"""Context accounting: position, cash, average entry; fees in quote or base; indicator reads."""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from terminal.model import Fill, Liquidity, Order, OrderRequest, Side
from terminal.strategy.context import Context
from terminal.strategy.indicators import sma
from terminal.strategy.params import Params
from terminal.strategy.series import BarSeries


class RecordingPort:
    def __init__(self) -> None:
        self.sent: list[OrderRequest] = []

    def submit(self, request: OrderRequest) -> Order | None:
        self.sent.append(request)
        return None

    def cancel(self, symbol: str, client_order_id: str) -> None:
        pass


def fill(ctx: Context, coid: str, side: Side, qty: str, price: str, fee: str, asset: str) -> None:
    q, p = Decimal(qty), Decimal(price)
    ctx.apply_fill(Fill("BTCUSDT", coid, 1, 1, side, p, q, q * p, Decimal(fee), asset, Liquidity.TAKER))


def test_position_cash_and_average_entry_follow_fills_with_fees_in_quote_or_base():
    ctx = Context("BTCUSDT", BarSeries(), RecordingPort(), cash=Decimal(1000), params=Params({}), base_asset="BTC")
    a = ctx.buy(Decimal("2"))
    fill(ctx, a, Side.BUY, "1", "100", "0.1", "USDT")
    fill(ctx, a, Side.BUY, "1", "110", "0.001", "BTC")
    assert ctx.position == Decimal("1.999") and ctx.cash == Decimal("789.9")
    assert ctx.entry_price == Decimal("105")
    b = ctx.sell(Decimal("1.999"))
    fill(ctx, b, Side.SELL, "1.999", "120", "0.2", "USDT")
    assert ctx.position == 0 and ctx.entry_price is None
    assert ctx.cash == Decimal("789.9") + Decimal("239.88") - Decimal("0.2")
    foreign = Fill("BTCUSDT", "someone-else", 1, 1, Side.BUY, Decimal(1), Decimal(1), Decimal(1), Decimal(0), "USDT",
                   Liquidity.TAKER)
    assert ctx.apply_fill(foreign) is False


def test_indicators_read_the_current_bar_and_refuse_future_indices():
    s = BarSeries()
    ctx = Context("BTCUSDT", s, RecordingPort(), cash=Decimal(1), params=Params({}))
    ind = ctx.indicator(sma, 3)
    for t, c in enumerate([1.0, 2.0, 3.0, 4.0]):
        s.append(t * 60_000, c, c, c, c, 1.0)
    assert ind[-1] == 3.0 and ind[-2] == 2.0 and np.isnan(ind[-3])
    with pytest.raises(IndexError, match="use -1 for the current bar"):
        ind[0]
    assert list(ctx.bars(2)["close"]) == [3.0, 4.0]
    assert ctx.values("close").flags.writeable is False

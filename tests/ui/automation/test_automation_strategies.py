"""The strategies dock: instances start and stop on a session; a raising strategy is an error row, alone."""
from __future__ import annotations

import itertools
import textwrap
from decimal import Decimal

import pandas as pd
import pytest
from PySide6.QtCore import Qt

from terminal import model as m
from terminal.backtest.synthetic import random_walk
from terminal.bus import Bus
from terminal.ui.automation.host import InstanceState
from terminal.ui.automation.strategies_dock import StrategiesDock

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin says this on every show()

USER_STRATEGIES = textwrap.dedent('''
    from decimal import Decimal
    from terminal.strategy.base import Param, Strategy

    class BuyOnce(Strategy):
        """Buys a fixed quantity on the first closed bar, then holds."""
        name = "buy_once"
        parameters = {"qty": Param(str, "0.001")}

        def on_bar(self, bar):
            if not getattr(self, "done", False):
                self.done = True
                self.ctx.log.info("buying %s at bar %s", self.p.qty, self.ctx.bar_index)
                self.ctx.buy(Decimal(self.p.qty))

    class Boom(Strategy):
        name = "boom"

        def on_bar(self, bar):
            raise ZeroDivisionError("division by zero in my strategy")
''')


@pytest.fixture
def strategy_folder(tmp_path):
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "mine.py").write_text(USER_STRATEGIES)
    return folder


def dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


class FakeSession:
    """The part of the session the dock uses: bus, instruments, history, bar watches, an order port that fills."""

    def __init__(self) -> None:
        self.bus = Bus()
        self.instruments = {"BTCUSDT": m.Instrument("BTCUSDT", "BTC", "USDT")}
        self.watched: list[tuple[str, str]] = []
        self.requests: list[m.OrderRequest] = []
        self.ids = itertools.count(1)
        self.history = random_walk(80, seed=3, start="2024-01-01", freq="min")

    def instrument(self, symbol: str) -> m.Instrument:
        return self.instruments[symbol]

    async def klines(self, symbol, interval, start=None, end=None, limit=None):
        return self.history.tail(limit) if limit else self.history

    async def watch_bars(self, symbol, interval):
        self.watched.append((symbol, interval))

    async def unwatch_bars(self, symbol, interval):
        self.watched.remove((symbol, interval))

    async def place_order(self, request: m.OrderRequest) -> m.Order:
        self.requests.append(request)
        price = Decimal("100")
        qty = request.quantity
        order = m.Order.from_request(request).with_status(m.OrderStatus.FILLED, quantity=qty, filled_qty=qty,
                                                           filled_quote=qty * price)
        fill = m.Fill(request.symbol, request.client_order_id, None, next(self.ids), request.side, price, qty,
                      qty * price, Decimal("0"), "USDT", m.Liquidity.TAKER, ts_event=0)
        self.bus.publish(fill)
        self.bus.publish(m.OrderUpdated(order))
        return order

    async def cancel_order(self, symbol, client_order_id):
        return None

    def publish_bars(self, n: int) -> None:
        live = random_walk(n, seed=4, start=str(self.history.index[-1] + pd.Timedelta(minutes=1)), freq="min")
        for t, r in zip(live.index, live.itertuples(index=False)):
            self.bus.publish(m.Bar("BTCUSDT", m.Interval.M1, int(t.value // 1_000_000), dec(r.Open), dec(r.High),
                                   dec(r.Low), dec(r.Close), dec(r.Volume)))


@pytest.fixture
def fake():
    return FakeSession()


@pytest.fixture
def dock(qtbot, themed, fake, strategy_folder):
    d = StrategiesDock(lambda: fake)
    qtbot.addWidget(d)
    d.resize(1200, 500)
    d.show()
    d.catalog.load_folder(strategy_folder)
    d.refresh_strategies()
    return d


def add(dock, qloop, name, interval="1m", **params):
    dock.select_strategy(name)
    dock.params.set_values(params)
    dock.interval_combo.setCurrentText(interval)
    return qloop.run(dock.add_and_start())


def test_a_raising_strategy_becomes_an_error_row_and_the_others_keep_trading(dock, qloop, qtbot, fake,
                                                                             qtmodeltester, answer_box):
    boom = add(dock, qloop, "boom")
    buyer = add(dock, qloop, "buy_once", qty="0.5")
    assert boom.state is buyer.state is InstanceState.RUNNING
    assert fake.watched == [("BTCUSDT", "1m"), ("BTCUSDT", "1m")]
    fake.publish_bars(3)
    qtbot.waitUntil(lambda: dock.model.data(dock.model.index(0, 5)) == "error", timeout=5000)
    qtbot.waitUntil(lambda: buyer.position == Decimal("0.5"), timeout=5000)
    assert "on_bar raised ZeroDivisionError: division by zero in my strategy" in boom.error
    assert "ZeroDivisionError" in dock.model.data(dock.model.index(0, 9))
    assert buyer.state is InstanceState.RUNNING and buyer.orders == 1
    assert [r.quantity for r in fake.requests] == [Decimal("0.5")]
    dock.refresh()
    assert dock.model.data(dock.model.index(1, 6)) == "0.5"
    assert dock.model.data(dock.model.index(1, 8)) == "1 (0 open)"
    qtmodeltester.check(dock.model, force_py=True)
    dock.table.selectRow(1)
    qtbot.waitUntil(lambda: "buying 0.5" in dock.log_view.toPlainText())
    dock.table.selectRow(0)
    assert "division by zero" in dock.log_view.toPlainText()
    assert dock.start_button.isEnabled() and dock.remove_button.isEnabled()  # an error row can be restarted
    dock.grab().save("/tmp/strategies.png")
    dock.table.selectRow(1)
    from PySide6.QtWidgets import QMessageBox
    keep = answer_box(QMessageBox.StandardButton.No)  # "Keep position": asked because it holds 0.5
    qloop.run(dock.stop_selected())
    assert keep.clicked and "holds a long position of 0.5 BTCUSDT" in keep.text
    assert buyer.state is InstanceState.STOPPED and fake.requests[-1].quantity == Decimal("0.5")  # no close order
    assert dock.model.data(dock.model.index(1, 5)) == "stopped"
    assert dock.start_button.isEnabled() and dock.remove_button.isEnabled()
    dock.table.selectRow(0)
    qloop.run(dock.remove_selected())
    assert dock.model.rowCount() == 1 and dock.model.instance(0) is buyer
    qloop.run(dock.shutdown())
    assert fake.watched == []


def test_bad_parameters_and_unknown_symbols_are_messages(dock, qloop):
    dock.select_strategy("sma_cross")
    dock.params.set_values({"fast": 30, "slow": 10})
    assert qloop.run(dock.add_and_start()) is None
    assert "must be greater than 'fast'" in dock.message.text()
    assert dock.model.rowCount() == 0
    # the symbol is picked from the session's instruments, never typed
    assert not dock.symbol_combo.isEditable()
    assert dock.symbol_combo.symbols() == ["BTCUSDT"] and dock.symbol_combo.currentText() == "BTCUSDT"
    with pytest.raises(ValueError, match="unknown symbol 'NOPE'"):
        dock.symbol_combo.choose("NOPE")


def test_without_a_session_nothing_starts(qtbot, themed, qloop):
    d = StrategiesDock(lambda: None)
    qtbot.addWidget(d)
    assert not d.add_button.isEnabled()
    d.refresh()
    assert not d.add_button.isEnabled() and d.add_button.toolTip() == "connect a session first"
    assert d.add_instance() is None
    assert d.message.text() == "not connected: connect a session first" and d.model.rowCount() == 0

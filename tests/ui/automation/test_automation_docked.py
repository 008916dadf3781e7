"""The automation docks as a trader uses them docked in the window: the backtest symbol comes from the chart and a
list, amounts in the account's currency, a heatmap centred where it means something, a Stop that asks about the
position, and a strategy log with clock times."""
from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from terminal import model as m
from terminal.ui.automation.host import InstanceState
from terminal.ui.automation.models import HeatmapModel

from test_automation_strategies import USER_STRATEGIES, FakeSession  # noqa: E402 - same folder

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_backtest_symbol_follows_the_chart_from_a_list_and_stats_are_in_the_quote_currency(window, qloop, qtbot):
    w = window
    setup = w.automation.backtest.setup
    session = w.link.session
    qtbot.waitUntil(lambda: w.watchlist.model.rowCount() >= 8, timeout=15000)
    w.watchlist.select("ETHUSDT")
    qtbot.waitUntil(lambda: w.link.symbol == "ETHUSDT", timeout=5000)
    w.docks["backtest"].raise_()
    qtbot.waitUntil(lambda: setup.symbol_combo.currentText() == "ETHUSDT")
    combo = setup.symbol_combo
    assert not combo.isEditable() and combo.lineEdit() is None  # picked, never typed
    assert combo.symbols() == sorted(session.instruments)
    assert setup.source_combo.currentIndex() == 1  # session history, as soon as there is a session
    assert combo.currentText() == "ETHUSDT"  # the chart's symbol
    w.watchlist.select("BTCUSDT")
    qtbot.waitUntil(lambda: w.link.symbol == "BTCUSDT", timeout=5000)
    qtbot.waitUntil(lambda: combo.currentText() == "BTCUSDT")  # still following: the user has not picked one
    # a backtest on the session's bars: amounts in USDT, never "[$]"
    end = pd.Timestamp.now(tz="UTC").floor("min").tz_localize(None)
    setup.interval_combo.setCurrentText("1m")
    setup.start_edit.setDateTime(setup.start_edit.dateTime().fromMSecsSinceEpoch(
        int((end - pd.Timedelta(hours=6)).value // 1_000_000), setup.start_edit.timeZone()))
    setup.select_strategy("sma_cross")
    setup.params.set_values({"fast": 5, "slow": 20})
    outcome = qloop.run(w.automation.backtest.run(), 60)
    assert outcome.ok, outcome.value
    dock = w.automation.backtest
    metrics = [dock.stats_model.data(dock.stats_model.index(r, 0)) for r in range(dock.stats_model.rowCount())]
    assert "Equity Final [USDT]" in metrics and "Commissions [USDT]" in metrics
    assert not any("[$]" in x for x in metrics)
    assert dock.summary.values["Equity Final [$]"].text().endswith(" USDT")
    view = dock.optimize
    view.set_currency(setup.quote_currency())
    assert "Equity Final [USDT]" in [view.metric_combo.itemText(i) for i in range(view.metric_combo.count())]
    view.metric_combo.setCurrentText("Equity Final [USDT]")
    assert view.metric_combo.currentData() == "Equity Final [$]"  # the engine's own key goes to the worker


def _heat(values):
    model = HeatmapModel()
    table = pd.DataFrame(np.array(values, dtype=float).reshape(2, -1), index=pd.Index([1, 2], name="slow"),
                         columns=pd.Index(range(len(values) // 2), name="fast"))
    model.set_table(table)
    return model


def test_heatmap_colours_diverge_from_zero_or_from_the_median_with_a_colour_bar(qtbot, themed):
    from terminal.ui.automation.colorbar import ColorBar
    model = _heat([-2.0, -1.0, 0.5, 3.0])  # both signs: zero is neutral
    assert model.center == 0 and model.centred_on_zero
    assert model.color_of(0.0) == model.neutral()
    assert model.color_of(0.5) != model.neutral() and model.color_of(-0.5) != model.neutral()
    up, down = model.color_of(3.0), model.color_of(-3.0)  # one unit is as strong on both sides
    assert up.name() != down.name()
    n = model.neutral()
    assert abs(up.red() - n.red()) + abs(up.green() - n.green()) + abs(up.blue() - n.blue()) > 40
    index = model.index(0, 1)  # -1.0: reddish, not the neutral colour
    assert model.data(index, Qt.ItemDataRole.BackgroundRole).color() == model.color_of(-1.0)
    bar = ColorBar(model)
    qtbot.addWidget(bar)
    bar.resize(300, bar.height())
    assert bar.labels() == ("-2", "0", "3")
    img = bar.grab().toImage()
    centre_x = round(2 / 5 * 299)
    assert img.pixelColor(centre_x + 3, 2).name() == model.color_of(bar.value_at(centre_x + 3)).name()
    assert img.pixelColor(0, 2).name() == model.color_of(-2.0).name()
    same_sign = _heat([1.0, 2.0, 3.0, 10.0])  # all positive: the median is neutral, not the middle of the range
    assert same_sign.center == 2.5 and not same_sign.centred_on_zero
    assert same_sign.color_of(2.5) == same_sign.neutral()
    assert same_sign.color_of(5.5) != same_sign.neutral()
    assert ColorBar(same_sign).labels() == ("1", "median 2.5", "10")


def _btc(session) -> Decimal:
    return session.balances()["BTC"].total


def _start_buy_once(dock, qloop, qtbot, folder):
    dock.catalog.load_folder(folder)
    dock.refresh_strategies()
    dock.select_strategy("buy_once")
    dock.params.set_values({"qty": "0.001"})
    dock.refresh_symbols()
    dock.symbol_combo.choose("BTCUSDT")
    dock.interval_combo.setCurrentText("1s")
    inst = qloop.run(dock.add_and_start(), 20)
    assert inst.state is InstanceState.RUNNING, inst.error
    qtbot.waitUntil(lambda: inst.position is not None and inst.position > 0, timeout=25000)
    return inst


def test_stop_with_a_position_asks_keep_or_close_and_close_flattens_it_on_the_sandbox(window, qloop, qtbot,
                                                                                      tmp_path, answer_box):
    w = window
    session = w.link.session
    dock = w.automation.strategies
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "mine.py").write_text(USER_STRATEGIES)
    qloop.run(session.refresh_balances())
    before = _btc(session)
    from terminal.strategy.context import lot_step_of
    step = lot_step_of(session.instruments["BTCUSDT"])
    # Keep: the strategy stops, its position stays in the account, no order goes out
    kept = _start_buy_once(dock, qloop, qtbot, folder)
    qtbot.waitUntil(lambda: _btc(session) > before, timeout=10000)
    held = _btc(session)
    keep = answer_box(QMessageBox.StandardButton.No)
    qloop.run(dock.stop(kept), 30)
    assert keep.clicked and keep.title == f"Stop {kept.name}"
    assert f"holds a long position of {format(dock.host.open_position(kept).normalize(), 'f')} BTCUSDT" in keep.text
    assert kept.state is InstanceState.STOPPED and "is kept" in dock.message.text()
    orders = qloop.run(session.order_history("BTCUSDT"))
    assert not [o for o in orders if o.side is m.Side.SELL]
    qloop.run(session.refresh_balances())
    assert _btc(session) == held
    # Close position: a market sell of the position (whole lot steps) through the session
    closed = _start_buy_once(dock, qloop, qtbot, folder)
    qtbot.waitUntil(lambda: _btc(session) > held, timeout=10000)
    position = closed.position
    close = answer_box(QMessageBox.StandardButton.Yes)
    qloop.run(dock.stop(closed), 30)
    assert close.clicked and closed.state is InstanceState.STOPPED
    box_buttons = close.buttons
    assert box_buttons & QMessageBox.StandardButton.Cancel  # "Don't stop" is offered too

    def flattened() -> bool:
        qloop.run(session.refresh_balances())
        return _btc(session) - held < step  # only dust below one lot step is left of this run
    qtbot.waitUntil(flattened, timeout=15000)
    sells = [o for o in qloop.run(session.order_history("BTCUSDT")) if o.side is m.Side.SELL]
    assert len(sells) == 1 and sells[0].type is m.OrderType.MARKET
    assert sells[0].quantity == (position / step).to_integral_value(rounding="ROUND_FLOOR") * step
    assert "position closed" in dock.message.text()


def test_the_box_names_its_buttons_in_words(qtbot, qloop, themed, answer_box):
    from PySide6.QtWidgets import QApplication

    from terminal.ui.automation.strategies_dock import StrategiesDock
    d = StrategiesDock(lambda: FakeSession())
    qtbot.addWidget(d)
    texts: list[str] = []

    def when() -> bool:  # read the open box's buttons before answering it
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        texts.extend(b.text().replace("&", "") for b in box.buttons())
        return True
    answer_box(QMessageBox.StandardButton.Cancel, when=when)
    assert qloop.run(d.ask_position("Stop x", "holds a position")) == QMessageBox.StandardButton.Cancel
    assert {"Close position", "Keep position", "Don't stop"} <= set(texts), texts


def test_the_strategy_log_shows_clock_times_never_epoch_milliseconds(qtbot, qloop, themed, tmp_path):
    from terminal.ui.automation.strategies_dock import StrategiesDock
    fake = FakeSession()
    d = StrategiesDock(lambda: fake)
    qtbot.addWidget(d)
    d.show()
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "mine.py").write_text(USER_STRATEGIES)
    d.catalog.load_folder(folder)
    d.refresh_strategies()
    d.select_strategy("buy_once")
    d.params.set_values({"qty": "0.5"})
    inst = qloop.run(d.add_and_start())
    fake.publish_bars(2)
    qtbot.waitUntil(lambda: inst.position == Decimal("0.5"), timeout=5000)
    last = fake.history.index[-1]  # a bar that is not after the last one: the runner says so, with its time
    fake.bus.publish(m.Bar("BTCUSDT", m.Interval.M1, int(last.value // 1_000_000), Decimal(1), Decimal(1),
                           Decimal(1), Decimal(1), Decimal(1)))
    d.table.selectRow(0)
    qtbot.waitUntil(lambda: "ignoring bar at" in d.log_view.toPlainText(), timeout=5000)
    lines = d.log_view.toPlainText().splitlines()
    assert lines and all(re.match(r"^\d\d:\d\d:\d\d ", line) for line in lines), lines
    assert not any(re.search(r"\d{12,}", line) for line in lines), lines
    ignored = next(line for line in lines if "ignoring bar at" in line)
    assert re.search(r"ignoring bar at \d\d:\d\d:\d\d: not after the last bar", ignored), ignored
    qloop.run(d.host.stop_all())

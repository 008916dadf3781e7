"""The blotters widget on its own (no session): the model tester on every table, amounts at the asset's precision,
sorting by a header click, Copy row and Export CSV through the real right-click menu, the source filter, the
positions' figures (BNB fees, the partial-history note, values, equity) and the modify dialog's checks."""
from __future__ import annotations

import csv
import time
from decimal import Decimal

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLineEdit, QMenu

from terminal import model as m
from terminal.ui.dialogs.modify import ModifyOrderDialog
from terminal.ui.widgets.blotters import ALL_SOURCES, BlottersWidget

# the offscreen plugin says these on every show() and popup (no window stacking, no keyboard grab)
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise",
                                                         "does not support grabbing the keyboard")]
D = Decimal
T0 = 1_780_000_000_000


def ins(symbol: str, base: str, quote: str, tick: str, step: str) -> m.Instrument:
    return m.Instrument(symbol, base, quote, tick_size=D(tick), step_size=D(step), min_qty=D(step),
                        min_notional=D("5"))


INS = {"BTCUSDT": ins("BTCUSDT", "BTC", "USDT", "0.01", "0.00001"),
       "ETHUSDT": ins("ETHUSDT", "ETH", "USDT", "0.01", "0.0001"),
       "BNBUSDT": ins("BNBUSDT", "BNB", "USDT", "0.01", "0.001"),
       "ETHBTC": ins("ETHBTC", "ETH", "BTC", "0.00001", "0.0001")}


def order(cid: str, price: str, symbol: str = "BTCUSDT", qty: str = "0.01", origin: str = "", ts: int = 1,
          filled: str = "0", status: m.OrderStatus = m.OrderStatus.NEW) -> m.Order:
    return m.Order(symbol, m.Side.BUY, m.OrderType.LIMIT, cid, D(qty), price=D(price), status=status,
                   filled_qty=D(filled), filled_quote=D(filled) * D(price), time_in_force=m.TimeInForce.GTC,
                   ts_created=T0 + ts, ts_updated=T0 + ts, origin=origin)


def fill(tid: int, cid: str, price: str, qty: str, fee: str, fee_asset: str, symbol: str = "BTCUSDT",
         side: m.Side = m.Side.BUY) -> m.Fill:
    return m.Fill(symbol, cid, tid, tid, side, D(price), D(qty), D(price) * D(qty), D(fee), fee_asset,
                  m.Liquidity.TAKER, ts_event=T0 + tid)


@pytest.fixture
def bl(qtbot):
    w = BlottersWidget(INS.get)
    qtbot.addWidget(w)
    w.set_instruments(INS)
    w.resize(1100, 320)
    w.show()
    qtbot.waitExposed(w)
    return w


def texts(w: BlottersWidget, name: str, column: str) -> list[str]:
    proxy, model = w.proxies[name], w.proxies[name].sourceModel()
    col = model.column_index(column)
    return [proxy.index(r, col).data() for r in range(proxy.rowCount())]


def click_header(qtbot, view, section: int) -> None:
    h = view.horizontalHeader()
    qtbot.mouseClick(h.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(h.sectionViewportPosition(section) + h.sectionSize(section) // 2, h.height() // 2))


def right_click_menu(qtbot, view, row: int) -> QMenu:
    """A right-click on ``row``: the press, then the context-menu event the platform sends with it (the offscreen
    platform sends none for a synthetic click)."""
    pos = view.visualRect(view.model().index(row, 1)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.RightButton, pos=pos)
    QApplication.sendEvent(view.viewport(), QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos,
                                                              view.viewport().mapToGlobal(pos)))
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=3000)
    return QApplication.activePopupWidget()


def click_menu(qtbot, menu: QMenu, text: str) -> None:
    action = next(a for a in menu.actions() if a.text() == text)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


@pytest.mark.parametrize("name", ["open", "history", "fills", "balances", "positions"])
@pytest.mark.parametrize("through_proxy", [False, True])
def test_every_blotter_table_passes_the_model_tester_with_its_sorting_proxy(qtmodeltester, bl, name, through_proxy):
    bl.on_orders([order("a", "100.50"), order("b", "99.99", origin="sma"),
                  order("c", "98", status=m.OrderStatus.CANCELED)])
    bl.on_fills([fill(1, "c", "98", "0.01", "0.00001", "BTC")])
    bl.on_balances([m.Balance("USDT", D("1000"), D("5")), m.Balance("BTC", D("1.5"), D("0"))])
    bl.on_prices({"BTCUSDT": D("100")})
    bl.flush()
    assert [mdl.rowCount() for mdl in bl.models()] == [2, 3, 1, 2, 1]
    proxy = bl.proxies[name]
    qtmodeltester.check(proxy if through_proxy else proxy.sourceModel(), force_py=True)
    bl.on_prices({"BTCUSDT": D("101")})  # changes while the tester watches
    bl.on_orders([order("d", "97", ts=4)])
    bl.source_box.setCurrentText("sma")
    bl.flush()


def test_amounts_show_at_the_precision_the_asset_trades_in_not_eight_decimals(bl):
    bl.on_balances([m.Balance("BTC", D("1.02"), D("0")), m.Balance("ETH", D("1.01998002"), D("0")),
                    m.Balance("USDT", D("99934.1"), D("5"))])
    bl.on_fills([fill(1, "a", "64000.01", "0.00001", "0.00000001", "BTC"),
                 fill(2, "b", "0.05", "0.5", "0.0000375", "BTC", symbol="ETHBTC")])
    bl.flush()
    assert texts(bl, "balances", "Total") == ["1.02000", "1.01998002", "99939.10"]  # ETH dust is not rounded away
    assert texts(bl, "balances", "Locked") == ["0.00000", "0.0000", "5.00"]
    assert texts(bl, "fills", "Fee") == ["0.0000375 BTC", "0.00000001 BTC"]
    assert texts(bl, "fills", "Notional") == ["0.02500", "0.6400001"]  # ETHBTC's notional in BTC, BTCUSDT's in USDT
    assert texts(bl, "fills", "Price") == ["0.05000", "64000.01"]


def test_a_header_click_sorts_by_the_number_not_the_text_and_a_third_click_restores_the_feed_order(qtbot, bl):
    bl.on_orders([order("a", "9.50", ts=1), order("b", "100.00", ts=2), order("c", "10.25", ts=3)])
    bl.flush()
    view, price = bl.open_view, bl.open_model.column_index("Price")
    assert texts(bl, "open", "Price") == ["9.50", "100.00", "10.25"]  # as they came
    click_header(qtbot, view, price)
    assert texts(bl, "open", "Price") == ["9.50", "10.25", "100.00"]
    click_header(qtbot, view, price)
    assert texts(bl, "open", "Price") == ["100.00", "10.25", "9.50"]
    click_header(qtbot, view, price)
    assert texts(bl, "open", "Price") == ["9.50", "100.00", "10.25"]
    bl.on_orders([order("d", "50.00", ts=4)])  # a new row lands in its sorted place
    click_header(qtbot, view, price)
    bl.flush()
    assert texts(bl, "open", "Price") == ["9.50", "10.25", "50.00", "100.00"]
    assert bl.order_at(2).client_order_id == "d"  # the buttons act on the order shown, not the model's row 2
    click_header(qtbot, bl.views["history"], bl.history_model.column_index("Status"))
    assert texts(bl, "history", "Status") == ["New"] * 4


def test_copy_row_from_the_right_click_menu_puts_the_row_as_shown_on_the_clipboard(qtbot, bl):
    bl.on_orders([order("a", "9.50", origin="grid"), order("b", "100.00", ts=2)])
    bl.flush()
    click_header(qtbot, bl.open_view, bl.open_model.column_index("Price"))
    click_header(qtbot, bl.open_view, bl.open_model.column_index("Price"))  # descending: "b" first
    QApplication.clipboard().clear()
    menu = right_click_menu(qtbot, bl.open_view, 0)
    assert [a.text() for a in menu.actions()] == ["Modify…", "Cancel order", "", "Copy row", "Export CSV…",
                                                  "Export XLSX…"]
    click_menu(qtbot, menu, "Copy row")
    qtbot.waitUntil(lambda: QApplication.clipboard().text() != "", timeout=3000)
    cells = QApplication.clipboard().text().split("\t")
    proxy = bl.proxies["open"]
    assert cells == [proxy.index(0, c).data() for c in range(1, proxy.columnCount())
                     if not bl.open_view.isColumnHidden(c)]  # no button column, no hidden Venue column
    assert cells[:6] == ["BTCUSDT", "BUY", "Limit", "100.00", "0.01000", "0.00000"] and cells[-1] == "b"


def test_export_csv_writes_the_table_as_shown_through_the_save_dialog(qtbot, qloop, bl, tmp_path):
    bl.on_orders([order("a", "9.50", origin="grid", ts=1), order("b", "100.00", ts=2),
                  order("c", "10.25", origin="grid", ts=3)])
    bl.flush()
    bl.source_box.setCurrentText("grid")
    view = bl.views["history"]
    bl.setCurrentIndex(1)
    click_header(qtbot, view, bl.history_model.column_index("Price"))
    done: list[str] = []
    bl.menus["history"].exported.connect(done.append)
    menu = right_click_menu(qtbot, view, 0)
    click_menu(qtbot, menu, "Export CSV…")
    qtbot.waitUntil(lambda: any(isinstance(x, QFileDialog) and x.isVisible() for x in QApplication.topLevelWidgets()),
                    timeout=5000)
    dialog = next(x for x in QApplication.topLevelWidgets() if isinstance(x, QFileDialog) and x.isVisible())
    assert dialog.acceptMode() is QFileDialog.AcceptMode.AcceptSave
    path = tmp_path / "grid orders"  # no suffix typed: ".csv" is added
    edit = dialog.findChild(QLineEdit, "fileNameEdit")
    edit.clear()
    qtbot.keyClicks(edit, str(path))
    box = dialog.findChild(QDialogButtonBox)
    ok = next(b for b in box.buttons() if box.buttonRole(b) is QDialogButtonBox.ButtonRole.AcceptRole)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert done == [str(path) + ".csv"]
    with open(done[0], newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    proxy, model = bl.proxies["history"], bl.history_model
    shown = [c for c in range(model.columnCount()) if not view.isColumnHidden(c)]  # Venue: several venues only
    assert rows[0] == [model.headerData(c, Qt.Orientation.Horizontal) for c in shown]
    assert rows[1:] == [[proxy.index(r, c).data() for c in shown] for r in range(proxy.rowCount())]
    assert [r[model.column_index("Client id")] for r in rows[1:]] == ["a", "c"]  # filtered and sorted as shown


def test_export_xlsx_writes_the_fills_as_shown_and_pandas_reads_them(qtbot, qloop, bl, tmp_path):
    import pandas as pd

    bl.on_fills([fill(1, "s1", "100", "0.1", "0.01", "USDT"), fill(2, "m1", "101.5", "0.2", "0", "USDT")])
    bl.flush()
    bl.setCurrentIndex(2)
    view = bl.views["fills"]
    done: list[str] = []
    bl.menus["fills"].exported.connect(done.append)
    menu = right_click_menu(qtbot, view, 0)
    click_menu(qtbot, menu, "Export XLSX…")
    qtbot.waitUntil(lambda: any(isinstance(x, QFileDialog) and x.isVisible() for x in QApplication.topLevelWidgets()),
                    timeout=5000)
    dialog = next(x for x in QApplication.topLevelWidgets() if isinstance(x, QFileDialog) and x.isVisible())
    edit = dialog.findChild(QLineEdit, "fileNameEdit")
    edit.clear()
    qtbot.keyClicks(edit, str(tmp_path / "fills"))
    box = dialog.findChild(QDialogButtonBox)
    ok = next(b for b in box.buttons() if box.buttonRole(b) is QDialogButtonBox.ButtonRole.AcceptRole)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert done == [str(tmp_path / "fills") + ".xlsx"]
    frame = pd.read_excel(done[0])
    model, proxy = bl.fills_model, bl.proxies["fills"]
    shown = [c for c in range(model.columnCount()) if not view.isColumnHidden(c)]
    assert list(frame.columns) == [model.headerData(c, Qt.Orientation.Horizontal) for c in shown]
    assert len(frame) == 2
    price = model.column_index("Price")
    assert sorted(frame[model.headerData(price, Qt.Orientation.Horizontal)]) == [100.0, 101.5]


def test_the_source_column_names_the_strategy_and_the_filter_keeps_one_source(qtbot, bl):
    bl.on_fills([fill(1, "s1", "100", "0.1", "0", "USDT"), fill(2, "m1", "101", "0.1", "0", "USDT")])
    bl.flush()
    assert texts(bl, "fills", "Source") == ["manual", "manual"]  # orders not known yet
    bl.on_orders([order("s1", "100", origin="sma_cross", filled="0.01", status=m.OrderStatus.FILLED),
                  order("m1", "101", ts=2), order("s2", "99", origin="sma_cross", ts=3)])
    bl.flush()
    assert texts(bl, "fills", "Source") == ["manual", "sma_cross"]  # learnt from the orders
    assert texts(bl, "open", "Source") == ["manual", "sma_cross"]
    assert [bl.source_box.itemText(i) for i in range(bl.source_box.count())] == [ALL_SOURCES, "manual", "sma_cross"]
    bl.source_box.setCurrentText("sma_cross")
    assert texts(bl, "open", "Client id") == ["s2"]
    assert texts(bl, "history", "Client id") == ["s2", "s1"]
    assert texts(bl, "fills", "Order") == ["s1"]
    bl.source_box.setCurrentText("manual")
    assert texts(bl, "open", "Client id") == ["m1"] and texts(bl, "fills", "Order") == ["m1"]
    bl.source_box.setCurrentText(ALL_SOURCES)
    assert len(texts(bl, "history", "Client id")) == 3


def test_positions_count_bnb_fees_note_a_partial_history_and_sum_the_equity(qtbot, bl):
    # 1 BTC was deposited; 0.5 bought at 100 with the fee paid in BNB
    bl.on_balances([m.Balance("BTC", D("1.5"), D("0")), m.Balance("USDT", D("950"), D("50")),
                    m.Balance("BNB", D("2"), D("0"))])
    bl.on_fills([fill(1, "a", "100", "0.5", "0.001", "BNB")])
    bl.on_prices({"BTCUSDT": D("120"), "BNBUSDT": D("600")})
    bl.flush()
    p = bl.positions_model.position("BTCUSDT")
    assert p.qty == D("1.5") and p.partial and p.fees_total == D("0.6") and p.realised_pnl == D("-0.6")
    day = time.strftime("%Y-%m-%d", time.localtime((T0 + 1) / 1000))

    def row(column: str) -> str:
        return dict(zip(texts(bl, "positions", "Asset"), texts(bl, "positions", column)))["BTC"]
    assert row("Qty") == "1.50000" and row("Avg price") == "100.00"
    assert row("Fees") == "0.60" and row("Realised") == "-0.60"
    assert row("Unrealised") == "+10.00" and row("P&L %") == "+20.00%"  # on the 0.5 the fill bought
    assert row("Value") == "180.00 USDT" and row("Value (ref)") == "180.00"
    assert row("History") == f"from 1 fill since {day}"
    assert dict(zip(texts(bl, "positions", "Asset"), texts(bl, "positions", "History")))["BNB"] == "no fills known"
    assert bl.equity_label.text() == "≈ 2,380.00 USDT"  # 1000 USDT + 1.5 BTC at 120 + 2 BNB at 600
    assert texts(bl, "balances", "Value") == ["180.00", "1,000.00", "1,200.00"]  # BTC, USDT, BNB
    assert bl.balances_model.headerData(4, Qt.Orientation.Horizontal) == "Value (USDT)"

    seen: list[str] = []
    bl.reference_changed.connect(seen.append)
    bl.reference_box.setCurrentText("BTC")
    bl.flush()
    assert seen == ["BTC"] and bl.equity_label.text() == "≈ 19.83333 BTC"
    pm = bl.positions_model
    assert pm.headerData(pm.column_index("Value (ref)"), Qt.Orientation.Horizontal) == "Value (BTC)"
    assert row("Value (ref)") == "1.50000"


def test_the_modify_dialog_checks_the_instrument_rules_and_needs_a_change(qtbot):
    o = order("a", "100.00", qty="0.01", filled="0.004", status=m.OrderStatus.PARTIALLY_FILLED)
    d = ModifyOrderDialog(o, INS["BTCUSDT"])
    qtbot.addWidget(d)
    assert d.price_edit.text() == "100.00" and d.qty_edit.text() == "0.00600"  # what is left to fill
    assert not d.ok.isEnabled()  # nothing changed yet
    d.price_edit.setText("100.005")
    assert not d.ok.isEnabled() and "tick size 0.01" in d.error.text() and "nearest valid: 100" in d.error.text()
    d.price_edit.setText("99.50")
    d.qty_edit.setText("0.000001")
    assert not d.ok.isEnabled() and "below the minimum 0.00001 BTC" in d.error.text()
    d.qty_edit.setText("1e3")
    assert not d.ok.isEnabled() and d.error.text().startswith("Quantity: '1e3' is not a plain decimal number")
    d.qty_edit.setText("0.02")
    assert not d.ok.isEnabled() and d.error.text() == "Order value 1.99 USDT is below the minimum 5"
    d.qty_edit.setText("0.06")
    assert d.ok.isEnabled() and d.error.text() == "" and d.values() == (D("99.50"), D("0.06"))
    d.order_changed(o.with_status(m.OrderStatus.FILLED, filled_qty=D("0.01")))
    assert not d.ok.isEnabled() and "filled" in d.error.text() and d.values() is None

"""Table models: qtmodeltester on each, per-frame flushing, and the plain-Python logic under them."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from terminal import model as m
from terminal.ui.models.balances import BalancesModel, PositionsModel
from terminal.ui.models.book import BookModel, DepthRole, SideRole
from terminal.ui.models.fills import FillsModel
from terminal.ui.models.health import HealthModel
from terminal.ui.models.log import LogFilter, LogModel, LogRow
from terminal.ui.models.orders import OpenOrdersModel, OrderHistoryModel
from terminal.ui.models.table import RawRole, contiguous
from terminal.ui.models.trades import TradesModel
from terminal.ui.models.watchlist import WatchlistModel

D = Decimal
BTC = m.Instrument("BTCUSDT", "BTC", "USDT", tick_size=D("0.01"), step_size=D("0.00001"), min_qty=D("0.00001"),
                   min_notional=D("5"))
INS = {"BTCUSDT": BTC}


def order(cid: str, status=m.OrderStatus.NEW, price="100.5", qty="0.5", filled="0") -> m.Order:
    return m.Order("BTCUSDT", m.Side.BUY, m.OrderType.LIMIT, cid, D(qty), price=D(price), status=status,
                   filled_qty=D(filled), time_in_force=m.TimeInForce.GTC, ts_created=1_700_000_000_000)


def fill(tid: int, side=m.Side.BUY, price="100", qty="1", fee="0.1") -> m.Fill:
    return m.Fill("BTCUSDT", f"c{tid}", tid, tid, side, D(price), D(qty), D(price) * D(qty), D(fee), "USDT",
                  m.Liquidity.TAKER, ts_event=1_700_000_000_000 + tid)


def test_contiguous_groups_dirty_rows_into_ranges():
    assert contiguous([7, 1, 2, 3, 8]) == [(1, 3), (7, 8)]
    assert contiguous([]) == []


def test_watchlist_model_passes_modeltester_and_formats_at_instrument_precision(qtmodeltester):
    mdl = WatchlistModel()
    mdl.add("BTCUSDT", BTC)
    mdl.add("ETHUSDT", None)
    mdl.flush()
    mdl.on_quotes([m.QuoteTick("BTCUSDT", D("100.1"), D("1"), D("100.2"), D("2"))])
    mdl.on_tickers([m.Ticker24h("BTCUSDT", D("100.15"), D("99"), D("101"), D("98"), D("10"), D("1000"), D("1.16"))])
    mdl.flush()
    qtmodeltester.check(mdl, force_py=True)
    assert mdl.data(mdl.index(0, 1)) == "100.15"
    assert mdl.data(mdl.index(0, 2)) == "+1.16%"
    assert mdl.data(mdl.index(0, 3)) == "100.10"  # bid, two decimals from the tick size
    assert mdl.data(mdl.index(0, 1), RawRole) == D("100.15")


def test_watchlist_flashes_the_last_cell_on_a_price_change_then_clears(qtbot):
    mdl = WatchlistModel()
    mdl.add("BTCUSDT", BTC)
    mdl.flush()
    t = m.TradeTick("BTCUSDT", D("100"), D("1"), 1, m.Side.BUY)
    mdl.on_trades([t])
    mdl.on_trades([m.TradeTick("BTCUSDT", D("101"), D("1"), 2, m.Side.BUY)])
    with qtbot.waitSignal(mdl.dataChanged):
        mdl.flush()
    assert mdl.data(mdl.index(0, 1), Qt.ItemDataRole.BackgroundRole) is not None
    assert mdl.data(mdl.index(0, 0), Qt.ItemDataRole.BackgroundRole) is None
    mdl.lookup("BTCUSDT").flash_until = 0.001  # expired
    mdl.flush()
    assert mdl.data(mdl.index(0, 1), Qt.ItemDataRole.BackgroundRole) is None


def test_updates_reach_the_view_only_on_flush_as_one_range_signal(qtbot):
    mdl = WatchlistModel()
    for s in ("A", "B", "C", "D"):
        mdl.add(s, None)
    assert mdl.rowCount() == 0
    with qtbot.waitSignal(mdl.rowsInserted) as sig:
        mdl.flush()
    assert sig.args[1:] == [0, 3] and mdl.rowCount() == 4
    ranges = []
    mdl.dataChanged.connect(lambda a, b, *_: ranges.append((a.row(), b.row())))
    for s in ("A", "B", "C"):
        for i in range(50):
            mdl.on_quotes([m.QuoteTick(s, D(i), D(1), D(i + 1), D(1))])
    assert ranges == []
    mdl.flush()
    assert ranges == [(0, 2)]


def test_open_orders_model_removes_final_orders_and_history_keeps_latest_state(qtmodeltester):
    om, hm = OpenOrdersModel(INS.get), OrderHistoryModel(INS.get)
    a, b = order("a"), order("b", price="99.99")
    for mdl in (om, hm):
        mdl.on_orders([a, b])
        mdl.flush()
    assert om.rowCount() == 2
    done = a.with_status(m.OrderStatus.CANCELED)
    om.on_orders([done]); hm.on_orders([done])
    om.flush(); hm.flush()
    assert om.rowCount() == 1 and om.row_at(0).client_order_id == "b"
    assert hm.rowCount() == 2 and hm.lookup("a").status is m.OrderStatus.CANCELED
    assert hm.data(hm.index(0, 4)) == "99.99"  # newest first
    qtmodeltester.check(om, force_py=True)
    qtmodeltester.check(hm, force_py=True)


def test_fills_model_is_newest_first_and_bounded(qtmodeltester):
    mdl = FillsModel(INS.get)
    mdl.MAX_ROWS = 10
    mdl.on_fills([fill(i) for i in range(25)])
    mdl.flush()
    assert mdl.rowCount() == 10 and mdl.row_at(0).trade_id == 24
    qtmodeltester.check(mdl, force_py=True)


def test_balances_model_skips_empty_assets_and_updates_in_place(qtmodeltester):
    mdl = BalancesModel()
    mdl.on_balances([m.Balance("USDT", D("100"), D("5")), m.Balance("XRP", D(0), D(0))])
    mdl.flush()
    assert mdl.rowCount() == 1 and mdl.data(mdl.index(0, 3)) == "105.00"  # USDT (a quote only): 2 decimals
    mdl.on_balances([m.Balance("USDT", D("90"), D("5"))])
    mdl.flush()
    assert mdl.balance("USDT").free == D("90")
    qtmodeltester.check(mdl, force_py=True)


def test_positions_follow_the_core_accounting_average_price_realised_and_unrealised():
    mdl = PositionsModel(INS.get)
    mdl.set_instruments(INS)
    mdl.on_fills([fill(1, m.Side.BUY, "100", "1", "0"), fill(2, m.Side.BUY, "110", "1", "0")])
    p = mdl.position("BTCUSDT")
    assert p.qty == 2 and p.avg_price == D("105")
    mdl.on_fills([fill(3, m.Side.SELL, "120", "0.5", "0.06")])
    assert mdl.position("BTCUSDT").realised_pnl == D("7.5") - D("0.06")
    mdl.on_prices({"BTCUSDT": D("100")})
    assert mdl.position("BTCUSDT").unrealised_pnl == D("-7.5")
    mdl.on_fills([fill(3, m.Side.SELL, "120", "0.5", "0.06")])  # a repeated report changes nothing
    assert mdl.position("BTCUSDT").qty == D("1.5")


def test_positions_model_tracks_fills_and_prices(qtmodeltester):
    mdl = PositionsModel(INS.get)
    mdl.set_instruments(INS)
    mdl.on_fills([fill(1, m.Side.BUY, "100", "2", "0")])
    mdl.flush()
    mdl.on_prices({"BTCUSDT": D("103")})
    mdl.flush()
    assert mdl.data(mdl.index(0, mdl.column_index("Unrealised"))) == "+6.00"
    qtmodeltester.check(mdl, force_py=True)


def test_book_model_ladder_rows_cumulative_and_depth(qtmodeltester):
    mdl = BookModel(depth=3)
    mdl.set_symbol("BTCUSDT", BTC)
    bids = ((D("99"), D("1")), (D("98"), D("2")))
    asks = ((D("101"), D("1.5")), (D("102"), D("0.5")), (D("103"), D("1")))
    mdl.on_books({"BTCUSDT": m.BookUpdated("BTCUSDT", 1, bids, asks)})
    mdl.flush()
    assert mdl.rowCount() == 7  # 3 asks, the spread row, 3 bids
    assert [mdl.price_at(r) for r in range(7)] == [D("103"), D("102"), D("101"), None, D("99"), D("98"), None]
    assert mdl.data(mdl.index(0, 2)) == "3.00000"  # cumulative ask size at the far level
    assert mdl.data(mdl.index(0, 0), DepthRole) == 1.0
    assert mdl.data(mdl.index(4, 0), SideRole) == -1 and mdl.data(mdl.index(6, 0), SideRole) == 0
    assert mdl.ladder.spread() == D("2")
    qtmodeltester.check(mdl, force_py=True)


def test_trades_model_keeps_only_the_selected_symbol_bounded(qtmodeltester):
    mdl = TradesModel(INS.get)
    mdl.set_symbol("BTCUSDT")
    mdl.on_trades([m.TradeTick("BTCUSDT" if i % 2 else "ETHUSDT", D(100 + i), D(1), i, m.Side.SELL)
                   for i in range(600)])
    mdl.flush()
    assert mdl.rowCount() == 200 and mdl.row_at(0).trade_id == 599
    qtmodeltester.check(mdl, force_py=True)


def test_log_model_is_bounded_and_the_filter_selects_level_and_text(qtmodeltester):
    mdl = LogModel()
    mdl.MAX_ROWS = 50
    mdl.on_records([LogRow.make(i, "INFO" if i % 3 else "WARNING", "terminal.x", f"message {i}") for i in range(120)])
    mdl.flush()
    assert mdl.rowCount() == 50 and mdl.row_at(0).ts_ms == 70
    proxy = LogFilter()
    proxy.setSourceModel(mdl)
    proxy.set_min_level("WARNING")
    assert proxy.rowCount() == len([i for i in range(70, 120) if i % 3 == 0])
    proxy.set_text("message 99")
    assert proxy.rowCount() == 1
    qtmodeltester.check(mdl, force_py=True)
    qtmodeltester.check(proxy, force_py=True)


def test_health_model_from_session_health(qtmodeltester):
    class H:
        def __init__(self, n, extra):
            self.messages, self.reconnects, self.gaps, self.resyncs, self.errors, self.extra = n, 1, 0, 0, 0, extra
    mdl = HealthModel()
    mdl.on_health({"market": H(10, {"connected": True, "age_ms": 12}), "btcusdt@trade": H(5, {"age_ms": 40})})
    mdl.flush()
    assert mdl.rowCount() == 2
    assert mdl.data(mdl.index(0, 1)) == "connected" and mdl.data(mdl.index(1, 1)) == "live"
    mdl.on_connections([m.ConnectionChanged("market", False, "dropped")])
    mdl.flush()
    assert mdl.data(mdl.index(0, 1)) == "down"
    qtmodeltester.check(mdl, force_py=True)


@pytest.mark.parametrize("value,expected", [(D("1234.5"), "+1,234.50"), (D("-0.004"), "-0.00"), (None, "—")])
def test_format_signed(value, expected):
    from terminal.ui import format as f
    assert f.signed(value) == expected


def test_watchlist_quotes_mark_only_bid_and_ask_and_reach_rows_not_yet_shown(qtbot):
    mdl = WatchlistModel()
    mdl.add("BTCUSDT", BTC)
    mdl.flush()
    mdl.add("ETHUSDT", None)  # waiting for the next flush
    mdl.on_quotes([m.QuoteTick("BTCUSDT", D("100.1"), D("1"), D("100.2"), D("2")),
                   m.QuoteTick("ETHUSDT", D("5.5"), D("1"), D("5.6"), D("2")),
                   m.QuoteTick("XRPUSDT", D("1"), D("1"), D("2"), D("2"))])  # not on the list: ignored
    assert mdl.store.dirty == {"BTCUSDT": (3, 4)}
    assert mdl.data(mdl.index(0, 3)) == "100.10"  # the shown row's text is not a stale cache
    with qtbot.waitSignal(mdl.dataChanged) as sig:
        mdl.flush()
    assert (sig.args[0].row(), sig.args[0].column(), sig.args[1].column()) == (0, 3, 4)
    assert mdl.rowCount() == 2
    assert (mdl.lookup("ETHUSDT").bid, mdl.lookup("ETHUSDT").ask) == (D("5.5"), D("5.6"))
    mdl.on_trades([m.TradeTick("BTCUSDT", D("100.15"), D("1"), 1, m.Side.BUY)])
    mdl.on_quotes([m.QuoteTick("BTCUSDT", D("100.11"), D("1"), D("100.2"), D("2"))])
    assert mdl.store.dirty == {"BTCUSDT": (1, 4)}  # the trade's last and the quote's bid/ask, one range
    assert "XRPUSDT" not in mdl.symbols()

"""App-held protective orders against the real sandbox exchange (issue 15, item 2): a bracket whose stop fires and
cancels its take-profit, an OCO whose legs never both fill, a trailing stop that follows up and never down, and a
bracket that outlives a SIGKILLed terminal: a second process on the same journal re-arms it and still stops the
position out. The sandbox runs without its simulated market ("quiet"): the book holds only what the test rests there,
so every price move is the test's own trade; the tests wait for bus events, never for time."""
from __future__ import annotations

import asyncio
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest

import terminal
from terminal.model import ConnectionChanged, OrderRequest, OrderStatus, OrderType, QuoteTick, Side
from terminal.model.numbers import InvalidArgument
from terminal.oms.protective_group import GroupState, HeldBy, ProtectionChanged

from children import python_code
from session_helpers import wait_for_event
from venues.sandbox.quiet import Quiet, quiet_sandbox
from venues.sandbox.signer import body, signed

ROOT = Path(__file__).resolve().parents[1]
SYMBOL = "BTCUSDT"
QTY = Decimal("0.001")
S = OrderStatus


@pytest.fixture
def quiet():
    with quiet_sandbox() as q:
        yield q


def rest(q: Quiet, side: str, price: str, qty: str = "0.001") -> Any:
    """The maker helper rests a LIMIT order (liquidity for the session's orders; it moves the quote)."""
    key, secret = q.maker
    answer = body(signed(q.server, "POST", "/api/v3/order", {
        "symbol": SYMBOL, "side": side, "type": "LIMIT", "timeInForce": "GTC", "quantity": qty, "price": price},
        key=key, secret=secret))
    assert answer.get("status") == "NEW", answer
    return answer


def book(q: Quiet) -> None:
    """Last price 100000; asks 100000 x 0.001 (an entry's fill); bids 99000 x 0.001 and 97500 x 0.01."""
    q.trade_at("100000.00")
    rest(q, "SELL", "100000.00")
    rest(q, "BUY", "99000.00")
    rest(q, "BUY", "97500.00", "0.01")


async def until(session: Any, predicate: Callable[[], bool], timeout: float = 15) -> None:
    await wait_for_event(session.bus, None, predicate, timeout)


async def venue_orders(session: Any) -> dict[str, tuple[OrderStatus, Decimal]]:
    """The exchange's own view: client order id -> (status, executed quantity)."""
    return {o.client_order_id: (o.status, o.filled_qty) for o in await session.venue.rest.all_orders(SYMBOL)}


def state(session: Any, gid: str) -> GroupState:
    return session.protection.group(gid).state


def order_status(session: Any, cid: str) -> OrderStatus | None:
    order = session.oms.order(cid)
    return None if order is None else order.status


def buy_market() -> OrderRequest:
    return OrderRequest(SYMBOL, Side.BUY, OrderType.MARKET, QTY)


# ------------------------------------------------------------------------------------------------------ bracket
async def test_app_held_bracket_stop_fires_on_the_fall_sells_the_position_and_cancels_the_take_profit(quiet):
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    changes: list[ProtectionChanged] = []
    session.on(ProtectionChanged, changes.append)
    try:
        group = await session.place_bracket(buy_market(), take_profit="110000.00", stop_loss="98000.00",
                                            held_by="app")
        tp, sl = group.leg("take_profit"), group.leg("stop_loss")
        assert group.held_by is HeldBy.APP and group.held_by.label == "held by this app (works only while it runs)"
        await until(session, lambda: state(session, group.group_id) is GroupState.ACTIVE
                    and order_status(session, tp.client_order_id) is S.NEW)
        at_venue = await venue_orders(session)
        assert at_venue[group.leg("entry").client_order_id] == (S.FILLED, QTY)
        assert at_venue[tp.client_order_id] == (S.NEW, 0)  # the take-profit rests at the exchange
        assert sl.client_order_id not in at_venue  # the stop is held here: the exchange has not seen it

        await asyncio.to_thread(quiet.hit, "SELL", "0.001")  # takes the 99000 bid: the bid falls to 97500
        await until(session, lambda: state(session, group.group_id) is GroupState.DONE)
        at_venue = await venue_orders(session)
        assert at_venue[sl.client_order_id] == (S.FILLED, QTY)  # a MARKET sell of what the entry bought
        assert at_venue[tp.client_order_id] == (S.CANCELED, 0)
        done = session.protection.group(group.group_id)
        assert done.reason.startswith("stop loss fired at 97500.00") and done.fired == "stop_loss"
        whats = [c.what for c in changes if c.group.group_id == group.group_id]
        assert whats[0] == "placed" and "armed" in whats and whats.index("fired") < whats.index("done")
        row = [g for g in session.protection.store.all_groups() if g.group_id == group.group_id]
        assert [g.state for g in row] == [GroupState.DONE]  # journaled
        (placed,) = [r for r in session.audit.records() if r.action == "protection.place"]
        assert placed.details["group_id"] == group.group_id and placed.details["held_by"] == "app"
        assert placed.details["legs"][2] == "stop_loss sell STOP_LOSS 0.001 stop 98000"
    finally:
        await session.close()


async def test_bracket_prices_are_checked_against_the_sides_and_the_tick_in_words(quiet):
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    try:
        with pytest.raises(InvalidArgument, match=r"stop_loss: 101000 must be below the market price 100000"):
            await session.place_bracket(buy_market(), take_profit="110000", stop_loss="101000.00")
        with pytest.raises(InvalidArgument, match=r"take_profit: 95000 must be above the entry price 96000"):
            await session.place_bracket(OrderRequest(SYMBOL, Side.BUY, OrderType.LIMIT, QTY, price=Decimal("96000")),
                                        take_profit="95000", stop_loss="94000")
        with pytest.raises(InvalidArgument, match=r"stop_loss: 97000.005 is not a multiple of the tick size 0.01"):
            await session.place_bracket(buy_market(), stop_loss="97000.005")
        with pytest.raises(InvalidArgument, match=r"held_by: Binance.* has no native brackets"):
            await session.place_bracket(buy_market(), stop_loss="97000", held_by="venue")
        assert session.protective_orders() == [] and await venue_orders(session) == {}  # nothing was sent
    finally:
        await session.close()


# ---------------------------------------------------------------------------------------------------------- OCO
async def test_oco_limit_leg_fills_the_held_stop_is_disarmed_and_never_sent(quiet):
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    try:
        take = OrderRequest(SYMBOL, Side.SELL, OrderType.LIMIT, QTY, price=Decimal("100500.00"))
        stop = OrderRequest(SYMBOL, Side.SELL, OrderType.STOP_LOSS, QTY, stop_price=Decimal("98000.00"))
        group = await session.place_oco(take, stop, held_by="app")
        await until(session, lambda: order_status(session, take.client_order_id) is S.NEW)
        await asyncio.to_thread(quiet.hit, "BUY", "0.002")  # the 100000 ask, then our 100500 take-profit
        await until(session, lambda: state(session, group.group_id) is GroupState.DONE)
        await asyncio.to_thread(quiet.hit, "SELL", "0.002")  # the price then falls through the stop: nothing
        await until(session, lambda: session.quotes_cache[SYMBOL].bid == Decimal("97500"))
        at_venue = await venue_orders(session)
        assert at_venue[take.client_order_id] == (S.FILLED, QTY)
        assert stop.client_order_id not in at_venue  # never both
        assert session.protection.group(group.group_id).reason == "first filled"
    finally:
        await session.close()


async def test_oco_both_legs_crossed_by_the_same_sweep_sends_one_order_only(quiet):
    await asyncio.to_thread(book, quiet)
    await asyncio.to_thread(rest, quiet, "BUY", "95000.00", "0.01")
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    try:
        # a sell stop at 98000 and a buy take-profit at 98500: a trade at 97500 reaches both at once
        first = OrderRequest(SYMBOL, Side.SELL, OrderType.STOP_LOSS, QTY, stop_price=Decimal("98000.00"))
        second = OrderRequest(SYMBOL, Side.BUY, OrderType.TAKE_PROFIT, QTY, stop_price=Decimal("98500.00"))
        group = await session.place_oco(first, second, held_by="app")
        assert all(leg.held for leg in group.legs)
        await until(session, lambda: state(session, group.group_id) is GroupState.ACTIVE)
        await asyncio.to_thread(quiet.hit, "SELL", "0.011")  # 99000, then the whole 97500 level
        await until(session, lambda: state(session, group.group_id) is GroupState.DONE)
        at_venue = await venue_orders(session)
        assert at_venue[first.client_order_id] == (S.FILLED, QTY) and second.client_order_id not in at_venue
    finally:
        await session.close()


# ----------------------------------------------------------------------------------------------------- trailing
async def test_trailing_stop_follows_the_bid_up_never_down_and_fires_on_the_reversal(quiet):
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    stops: list[Decimal] = []
    session.on(ProtectionChanged, lambda c: stops.append(c.group.legs[0].trigger) if c.group.kind.value == "trailing"
               and c.group.legs[0].trigger is not None else None)
    try:
        group = await session.place_trailing_stop(SYMBOL, "SELL", "0.001", trail_amount="1000", held_by="app")
        leg = group.leg("trailing")
        assert leg.trigger == Decimal("98000.00")  # the bid 99000 less 1000
        for price in ("99500.00", "99800.00"):  # better bids: the stop follows
            await asyncio.to_thread(rest, quiet, "BUY", price)
            await until(session, lambda p=price: session.protection.group(group.group_id).leg("trailing").trigger
                        == Decimal(p) - 1000)
        await asyncio.to_thread(quiet.hit, "SELL", "0.002")  # 99800 and 99500 go: the bid falls back to 99000
        await until(session, lambda: session.quotes_cache[SYMBOL].bid == Decimal("99000"))
        assert session.protection.group(group.group_id).leg("trailing").trigger == Decimal("98800.00")  # not loosened
        assert state(session, group.group_id) is GroupState.ACTIVE
        await asyncio.to_thread(quiet.hit, "SELL", "0.001")  # 99000 goes: bid 97500, under the stop
        await until(session, lambda: state(session, group.group_id) is GroupState.DONE)
        assert stops == sorted(stops) and stops[-1] == Decimal("98800.00")
        assert (await venue_orders(session))[leg.client_order_id] == (S.FILLED, QTY)
        assert [g.leg("trailing").trigger for g in session.protection.store.all_groups()] == [Decimal("98800.00")]
    finally:
        await session.close()


# ------------------------------------------------------------------------------------------------------ restart
PROTECTING_TERMINAL = r"""
import asyncio, sys
from decimal import Decimal
import terminal
from terminal.model import ConnectionChanged, OrderRequest, OrderStatus, OrderType, QuoteTick, Side
from terminal.oms.protective_group import GroupState

async def main(url, data_dir):
    session = await terminal.connect("sandbox", sandbox_url=url, data_dir=data_dir)
    group = await session.place_bracket(OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.001")),
                                        take_profit="110000.00", stop_loss="98000.00", held_by="app")
    tp = group.leg("take_profit").client_order_id
    armed = asyncio.get_running_loop().create_future()
    def check(_):
        order = session.oms.order(tp)
        if (not armed.done() and session.protection.group(group.group_id).state is GroupState.ACTIVE
                and order is not None and order.status is OrderStatus.NEW):
            armed.set_result(None)
    session.bus.subscribe(None, check)
    check(None)
    await armed
    print("armed", group.group_id, flush=True)
    await asyncio.get_running_loop().create_future()  # runs until it is killed

asyncio.run(main(*sys.argv[1:]))
"""


def _armed_then_killed(data_dir: Path, url: str) -> str:
    """Run a terminal that places an app-held bracket; SIGKILL it once the bracket is armed. Returns its group id."""
    child = subprocess.Popen(python_code(PROTECTING_TERMINAL, url, str(data_dir)), cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in child.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if line.startswith("armed "):
                return line.split()[1]
        raise AssertionError("the terminal ended before arming its bracket:\n" + "".join(lines))
    finally:
        child.kill()
        child.wait()
        child.stdout.close()  # type: ignore[union-attr]


async def test_bracket_survives_a_killed_terminal_and_the_next_process_still_stops_the_position_out(quiet, tmp_path):
    await asyncio.to_thread(book, quiet)
    gid = await asyncio.to_thread(_armed_then_killed, tmp_path, quiet.server.url)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url, data_dir=tmp_path)  # same journal
    try:
        group = session.protection.group(gid)
        assert group is not None and group.state is GroupState.ACTIVE and group.held_by is HeldBy.APP
        tp, sl = group.leg("take_profit").client_order_id, group.leg("stop_loss").client_order_id
        assert (await venue_orders(session))[tp] == (S.NEW, 0)
        await asyncio.to_thread(quiet.hit, "SELL", "0.001")  # the bid falls to 97500, under the stop
        await until(session, lambda: state(session, gid) is GroupState.DONE)
        at_venue = await venue_orders(session)
        assert at_venue[sl] == (S.FILLED, QTY) and at_venue[tp] == (S.CANCELED, 0)
    finally:
        await session.close()


async def test_a_take_profit_that_filled_while_the_app_was_down_concludes_the_bracket_at_restart(quiet, tmp_path):
    await asyncio.to_thread(book, quiet)
    gid = await asyncio.to_thread(_armed_then_killed, tmp_path, quiet.server.url)
    await asyncio.to_thread(quiet.hit, "BUY", "0.001")  # no other ask: it buys the take-profit at 110000
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url, data_dir=tmp_path)
    try:
        group = session.protection.group(gid)
        assert group.state is GroupState.DONE and group.reason == "take profit filled"  # before any quote
        await session.watch(SYMBOL)
        await asyncio.to_thread(quiet.hit, "SELL", "0.001")  # through the old stop: nothing is sent
        await until(session, lambda: session.quotes_cache.get(SYMBOL) is not None
                    and session.quotes_cache[SYMBOL].bid == Decimal("97500"))
        assert group.leg("stop_loss").client_order_id not in await venue_orders(session)
    finally:
        await session.close()


# ------------------------------------------------------------------------------------ one quote, stale quotes
async def test_oco_with_both_legs_crossed_by_one_quote_fires_the_first_and_never_sends_the_other(quiet):
    """The feed delivers one quote that crosses both legs (published where the venue's stream publishes it)."""
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    try:
        first = OrderRequest(SYMBOL, Side.SELL, OrderType.STOP_LOSS, QTY, stop_price=Decimal("98000.00"))
        second = OrderRequest(SYMBOL, Side.BUY, OrderType.STOP_LOSS, QTY, stop_price=Decimal("101000.00"))
        group = await session.place_oco(first, second, held_by="app")
        await until(session, lambda: state(session, group.group_id) is GroupState.ACTIVE)
        now = session.venue.now_ms()
        session.venue.bus.publish(QuoteTick(SYMBOL, Decimal("97900"), Decimal("1"), Decimal("101100"), Decimal("1"),
                                            ts_event=now, ts_recv=now))
        await until(session, lambda: state(session, group.group_id) is GroupState.DONE)
        at_venue = await venue_orders(session)
        assert at_venue[first.client_order_id] == (S.FILLED, QTY)  # sold into the real 99000 bid
        assert second.client_order_id not in at_venue
        assert session.protection.group(group.group_id).fired == "first"
    finally:
        await session.close()


async def test_a_stale_quote_pauses_the_triggers_and_says_how_stale_then_a_fresh_one_acts(quiet):
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    try:
        group = await session.place_bracket(buy_market(), stop_loss="98000.00", held_by="app")
        await until(session, lambda: state(session, group.group_id) is GroupState.ACTIVE)
        now = session.venue.now_ms()
        session.venue.bus.publish(QuoteTick(SYMBOL, Decimal("97000"), Decimal("1"), Decimal("97100"), Decimal("1"),
                                            ts_event=now - 60_000, ts_recv=now))  # a minute old: under the stop
        paused = session.protection.group(group.group_id)
        assert paused.state is GroupState.ACTIVE and paused.paused.startswith("the quote for BTCUSDT is 60.")
        assert "s old (over 10 s): not acting on it" in paused.paused
        assert group.leg("stop_loss").client_order_id not in await venue_orders(session)
        await asyncio.to_thread(quiet.hit, "SELL", "0.001")  # a real, fresh fall under the stop
        await until(session, lambda: state(session, group.group_id) is GroupState.DONE)
        assert session.protection.group(group.group_id).paused == ""
        assert (await venue_orders(session))[group.leg("stop_loss").client_order_id] == (S.FILLED, QTY)
    finally:
        await session.close()


# ---------------------------------------------------------------------------------- attach, cancel, blocking
async def test_attach_stop_to_an_existing_position_held_by_the_app_and_cancel_it(quiet):
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    try:
        await session.refresh_balances()
        free = session.balances()["BTC"].free  # the account's BTC: the position to protect
        with pytest.raises(InvalidArgument, match=r"stop_price: 99500 must be below the market price 99000"):
            await session.attach_stop(SYMBOL, "99500.00", held_by="app")
        group = await session.attach_stop(SYMBOL, "98000.00", take_profit="105000.00", held_by="app")
        assert group.kind.value == "oco" and group.quantity == free
        tp = group.leg("first")
        await until(session, lambda: order_status(session, tp.client_order_id) is S.NEW)
        assert [g.group_id for g in session.protective_orders(open_only=True)] == [group.group_id]
        canceled = await session.cancel_protection(group.group_id)
        assert canceled.state is GroupState.CANCELED and canceled.reason == "cancelled by the user"
        assert (await venue_orders(session))[tp.client_order_id] == (S.CANCELED, 0)
        assert session.protective_orders(open_only=True) == []
    finally:
        await session.close()


def test_the_blocking_session_places_and_lists_a_bracket(quiet):
    book(quiet)
    session = terminal.connect_blocking("sandbox", sandbox_url=quiet.server.url)
    try:
        group = session.place_bracket(buy_market(), take_profit="110000.00", stop_loss="98000.00", held_by="app")
        listed = session.protective_orders()
        assert [g.group_id for g in listed] == [group.group_id] and listed[0].held_by is HeldBy.APP
        assert session.cancel_protection(group.group_id).state is GroupState.CANCELED
    finally:
        session.close()


async def test_a_partly_filled_take_profit_shrinks_the_stop_and_the_stop_sells_only_what_is_left(quiet):
    await asyncio.to_thread(book, quiet)
    await asyncio.to_thread(rest, quiet, "SELL", "100000.00")  # 0.002 at 100000 for a 0.002 entry
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    try:
        entry = OrderRequest(SYMBOL, Side.BUY, OrderType.MARKET, Decimal("0.002"))
        group = await session.place_bracket(entry, take_profit="100500.00", stop_loss="98000.00", held_by="app")
        tp, sl = group.leg("take_profit").client_order_id, group.leg("stop_loss").client_order_id
        await until(session, lambda: order_status(session, tp) is S.NEW)
        await asyncio.to_thread(quiet.hit, "BUY", "0.001")  # half the take-profit
        await until(session, lambda: session.protection.group(group.group_id).leg("stop_loss").quantity == QTY)
        await asyncio.to_thread(quiet.hit, "SELL", "0.001")  # the bid falls to 97500: the stop fires
        await until(session, lambda: state(session, group.group_id) is GroupState.DONE)
        at_venue = await venue_orders(session)
        assert at_venue[tp] == (S.CANCELED, QTY) and at_venue[sl] == (S.FILLED, QTY)  # 0.002 out, never more
    finally:
        await session.close()


async def test_a_take_profit_the_risk_band_refuses_is_held_by_the_app_and_the_stop_still_protects(quiet):
    from terminal.risk.limits import PriceBand, RiskLimits
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url,
                                     risk_limits=RiskLimits(band=PriceBand(max_pct=Decimal("5"))))
    try:
        group = await session.place_bracket(buy_market(), take_profit="110000.00", stop_loss="98000.00",
                                            held_by="app")
        await until(session, lambda: session.protection.group(group.group_id).leg("take_profit").held)
        armed = session.protection.group(group.group_id)
        assert armed.state is GroupState.ACTIVE and armed.leg("take_profit").trigger == Decimal("110000.00")
        assert armed.reason.startswith("the take profit order was refused: ")
        assert armed.reason.endswith("; held by this app at its price instead")
        await asyncio.to_thread(quiet.hit, "SELL", "0.001")  # the bid falls under the stop
        await until(session, lambda: state(session, group.group_id) is GroupState.DONE)
        at_venue = await venue_orders(session)
        assert at_venue[armed.leg("stop_loss").client_order_id] == (S.FILLED, QTY)
        assert armed.leg("take_profit").client_order_id not in at_venue
    finally:
        await session.close()


async def test_market_data_down_pauses_the_triggers_in_words_and_the_stop_fires_after_the_reconnect(quiet):
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    try:
        group = await session.place_bracket(buy_market(), stop_loss="98000.00", held_by="app")
        await until(session, lambda: state(session, group.group_id) is GroupState.ACTIVE)
        back: list[ConnectionChanged] = []
        session.on(ConnectionChanged, lambda e: back.append(e) if e.stream == "market" and e.connected else None)
        quiet.server.faults.drop_websockets()
        await until(session, lambda: session.protection.group(group.group_id).paused.startswith(
            "market data disconnected"))
        await until(session, lambda: bool(back))  # reconnected
        await asyncio.to_thread(quiet.hit, "SELL", "0.001")  # the bid falls under the stop once the feed is back
        await until(session, lambda: state(session, group.group_id) is GroupState.DONE)
        assert (await venue_orders(session))[group.leg("stop_loss").client_order_id] == (S.FILLED, QTY)
    finally:
        await session.close()


async def test_attach_stop_auto_takes_the_exchanges_own_stop_order_and_follows_it_to_its_fill(quiet):
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    try:
        await session.refresh_balances()
        group = await session.attach_stop(SYMBOL, "98000.00", quantity="0.001")  # auto: the venue has STOP_LOSS
        leg = group.leg("stop_loss")
        assert group.held_by is HeldBy.VENUE and not leg.held
        assert (await venue_orders(session))[leg.client_order_id] == (S.NEW, 0)  # resting at the exchange
        await asyncio.to_thread(quiet.hit, "SELL", "0.002")  # trades at 99000 then 97500: the exchange's stop fires
        await until(session, lambda: state(session, group.group_id) is GroupState.DONE)
        assert session.protection.group(group.group_id).reason == "stop loss filled (at the exchange)"
        assert (await venue_orders(session))[leg.client_order_id] == (S.FILLED, QTY)
    finally:
        await session.close()


async def test_moving_the_legs_of_an_app_held_bracket_refuses_a_reached_price_and_keeps_one_cancels_other(quiet):
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    try:
        group = await session.place_bracket(buy_market(), take_profit="110000.00", stop_loss="98000.00",
                                            held_by="app")
        old_tp = group.leg("take_profit").client_order_id
        await until(session, lambda: order_status(session, old_tp) is S.NEW)
        with pytest.raises(InvalidArgument, match=r"price: 99500.00 is already reached \(the bid is 99000"):
            await session.modify_protection(group.group_id, "stop_loss", "99500.00")
        moved = await session.modify_protection(group.group_id, "stop_loss", "98500.00")
        assert moved.leg("stop_loss").trigger == Decimal("98500.00")
        moved = await session.modify_protection(group.group_id, "take_profit", "108000.00")
        new_tp = moved.leg("take_profit").client_order_id
        assert new_tp != old_tp and moved.leg("take_profit").price == Decimal("108000.00")
        at_venue = await venue_orders(session)
        assert at_venue[old_tp] == (S.CANCELED, 0) and at_venue[new_tp] == (S.NEW, 0)
        await asyncio.to_thread(quiet.hit, "SELL", "0.001")  # bid 97500: under the moved stop
        await until(session, lambda: state(session, group.group_id) is GroupState.DONE)
        at_venue = await venue_orders(session)
        assert at_venue[new_tp] == (S.CANCELED, 0) and at_venue[group.leg("stop_loss").client_order_id] == (S.FILLED,
                                                                                                             QTY)
        assert [g.leg("take_profit").client_order_id for g in session.protection.store.all_groups()] == [new_tp]
    finally:
        await session.close()


async def test_a_take_profit_cancelled_at_the_venue_is_dropped_and_the_stop_still_protects(quiet):
    await asyncio.to_thread(book, quiet)
    session = await terminal.connect("sandbox", sandbox_url=quiet.server.url)
    try:
        group = await session.place_bracket(buy_market(), take_profit="110000.00", stop_loss="98000.00",
                                            held_by="app")
        tp = group.leg("take_profit").client_order_id
        await until(session, lambda: order_status(session, tp) is S.NEW)
        await session.cancel_order(SYMBOL, tp)  # the user cancels it in the orders blotter
        await until(session, lambda: session.protection.group(group.group_id).leg("take_profit").dropped)
        assert state(session, group.group_id) is GroupState.ACTIVE
        assert session.protection.group(group.group_id).reason == "its take profit order was canceled at the venue"
        await asyncio.to_thread(quiet.hit, "SELL", "0.001")
        await until(session, lambda: state(session, group.group_id) is GroupState.DONE)
        assert (await venue_orders(session))[group.leg("stop_loss").client_order_id] == (S.FILLED, QTY)
    finally:
        await session.close()

"""The protective-order API takes the venue's native form when the venue declares it (a paper venue that implements
the NativeProtection port: the only fake here), the app-held form otherwise or when asked; and the journal form of a
group reads back as it was written."""
from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal

import pytest

from terminal.model import Environment, Order, OrderOptions, OrderRequest, OrderStatus, OrderType, Side
from terminal.model.numbers import InvalidArgument
from terminal.oms.protective_group import GroupState, HeldBy, Kind, Leg, ProtectionGroup
from terminal.oms.protective_store import ProtectionStore
from terminal.session.facade import Session
from terminal.storage.journal import Journal
from terminal.venues.paper import INFO, PaperVenue
from terminal.venues.ports import NativeProtection, Rejected

NATIVE_INFO = dataclasses.replace(INFO, capabilities=dataclasses.replace(INFO.capabilities, native_bracket=True,
                                                                        native_oco=True))


class NativePaper(PaperVenue):
    """The paper venue declaring native brackets/OCO: the entry goes to its exchange, the exits are acknowledged."""

    info = NATIVE_INFO

    def __init__(self) -> None:
        super().__init__(always_open=True)
        self.calls: list[tuple[str, ...]] = []
        self.legs: list[OrderRequest] = []

    async def submit_bracket(self, entry, take_profit, stop_loss):  # type: ignore[no-untyped-def]
        self.calls.append(("bracket", entry.client_order_id))
        self.legs += [r for r in (entry, take_profit, stop_loss) if r is not None]
        placed, _ = await self.submit(entry)
        return [placed] + [Order.from_request(r, self.now_ms()).with_status(OrderStatus.NEW)
                           for r in (take_profit, stop_loss) if r is not None]

    async def submit_oco(self, first, second):  # type: ignore[no-untyped-def]
        self.calls.append(("oco", first.client_order_id, second.client_order_id))
        self.legs += [first, second]
        return [Order.from_request(r, self.now_ms()).with_status(OrderStatus.NEW) for r in (first, second)]


async def _session(venue: PaperVenue) -> Session:
    await venue.start()
    session = Session(Environment.SANDBOX, venue, Journal(":memory:"), await venue.instruments(), has_keys=True)
    await session._start()
    return session


async def test_a_venue_declaring_native_brackets_gets_the_group_through_submit_bracket_not_the_app():
    venue = NativePaper()
    assert isinstance(venue, NativeProtection)
    session = await _session(venue)
    try:
        bid = (await session.quote("AAPL")).bid
        price = session.instrument("AAPL").snap_price(bid * Decimal("0.9"), "down")  # rests
        entry = OrderRequest("AAPL", Side.BUY, OrderType.LIMIT, Decimal("1"), price=price)
        group = await session.place_bracket(entry, take_profit=price + 10, stop_loss=price - 10)
        assert group.held_by is HeldBy.VENUE and group.held_by.label == "held by the exchange"
        assert venue.calls == [("bracket", entry.client_order_id)]
        tp, sl = venue.legs[1], venue.legs[2]
        assert (tp.type, tp.side, tp.price, tp.options.parent_id) == (OrderType.LIMIT, Side.SELL, price + 10,
                                                                      entry.client_order_id)
        assert (sl.type, sl.stop_price, sl.options.parent_id) == (OrderType.STOP_LOSS, price - 10,
                                                                 entry.client_order_id)
        for leg in venue.legs:  # every leg journaled by the order manager
            assert session.journal.order(leg.client_order_id) is not None
        assert not any(leg.held for leg in group.legs)  # nothing watched by the app

        oco = await session.place_oco(
            OrderRequest("AAPL", Side.BUY, OrderType.LIMIT, Decimal("1"), price=price),
            OrderRequest("AAPL", Side.BUY, OrderType.STOP_LOSS, Decimal("1"), stop_price=price + 50))
        assert oco.held_by is HeldBy.VENUE and venue.calls[-1][0] == "oco"

        hidden = await session.place_bracket(dataclasses.replace(entry, client_order_id="hidden-1"),
                                             stop_loss=price - 10, held_by="app")
        assert hidden.held_by is HeldBy.APP and len(venue.calls) == 2  # "app": never the native form
        assert [g.group_id for g in session.protective_orders()] == [group.group_id, oco.group_id, hidden.group_id]
    finally:
        await session.close()


async def test_a_venue_without_native_brackets_refuses_held_by_venue_in_words_and_holds_auto_in_the_app():
    session = await _session(PaperVenue(always_open=True))
    try:
        bid = (await session.quote("AAPL")).bid
        price = session.instrument("AAPL").snap_price(bid * Decimal("0.9"), "down")
        entry = OrderRequest("AAPL", Side.BUY, OrderType.LIMIT, Decimal("1"), price=price)
        with pytest.raises(InvalidArgument, match="held_by: Paper.* has no native brackets; use held_by='app'"):
            await session.place_bracket(entry, stop_loss=price - 10, held_by="venue")
        with pytest.raises(InvalidArgument, match="held_by: expected 'auto', 'venue' or 'app'"):
            await session.place_bracket(entry, stop_loss=price - 10, held_by="exchange")
        group = await session.place_bracket(entry, take_profit=price + 10, stop_loss=price - 10)
        assert group.held_by is HeldBy.APP and group.state is GroupState.PENDING  # the entry rests: nothing to guard
        assert session.oms.order(entry.client_order_id).status is OrderStatus.NEW
        canceled = await session.cancel_protection(group.group_id)
        assert canceled.state is GroupState.CANCELED
        assert session.oms.order(entry.client_order_id).status is OrderStatus.CANCELED
    finally:
        await session.close()


OCO_ONLY_INFO = dataclasses.replace(INFO, capabilities=dataclasses.replace(INFO.capabilities, native_oco=True))


class OcoOnlyPaper(NativePaper):
    """A venue that holds an OCO but not a whole bracket (Kite's GTT OCO; Binance with a MARKET entry); ``refuse``
    makes its next OCO a refusal, as an exchange's would be."""

    info = OCO_ONLY_INFO
    refuse = ""

    async def submit_oco(self, first, second):  # type: ignore[no-untyped-def]
        if self.refuse:
            self.calls.append(("refused", first.client_order_id, second.client_order_id))
            raise Rejected(self.refuse)
        return await super().submit_oco(first, second)


async def _filled_bracket(session: Session) -> ProtectionGroup:
    ask = (await session.quote("AAPL")).ask
    ins = session.instrument("AAPL")
    group = await session.place_bracket(OrderRequest("AAPL", Side.BUY, OrderType.MARKET, Decimal("2")),
                                        take_profit=ins.snap_price(ask * Decimal("1.2")),
                                        stop_loss=ins.snap_price(ask * Decimal("0.8")))
    await _until(lambda: session.oms.order(group.leg("entry").client_order_id).status is OrderStatus.FILLED)
    return group


async def _until(predicate) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2000):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not reached")


async def test_a_bracket_the_venue_cannot_hold_hands_its_exits_over_as_an_oco_once_the_entry_fills():
    venue = OcoOnlyPaper()
    session = await _session(venue)
    try:
        group = await _filled_bracket(session)
        tp, sl = group.leg("take_profit"), group.leg("stop_loss")
        await _until(lambda: session.protection.group(group.group_id).held_by is HeldBy.VENUE)
        handed = session.protection.group(group.group_id)
        assert handed.handoff == "done" and not any(leg.held for leg in handed.exits)
        assert venue.calls == [("oco", tp.client_order_id, sl.client_order_id)]  # the group's own leg ids
        first, second = venue.legs
        assert (first.type, first.side, first.price, first.quantity) == (OrderType.LIMIT, Side.SELL, tp.price,
                                                                         Decimal("2"))
        assert (second.type, second.stop_price) == (OrderType.STOP_LOSS, sl.stop_price)
        for leg in venue.legs:  # journaled before they were sent
            assert session.journal.order(leg.client_order_id) is not None
        assert session.protection.store.open_groups()[0].handoff == "done"  # the journal says who holds it
    finally:
        await session.close()


async def test_exits_the_venue_refuses_are_taken_back_by_the_app_which_rests_the_take_profit_and_holds_the_stop():
    venue = OcoOnlyPaper()
    venue.refuse = "OCO prices are not valid"
    session = await _session(venue)
    try:
        group = await _filled_bracket(session)
        await _until(lambda: (g := session.protection.group(group.group_id)).held_by is HeldBy.APP
                     and g.handoff == "" and g.state is GroupState.ACTIVE
                     and g.leg("take_profit").sent)
        back = session.protection.group(group.group_id)
        assert venue.calls[0][0] == "refused"
        assert "the venue refused the exits (OCO prices are not valid): held by this app instead" in back.reason
        sl, tp = back.leg("stop_loss"), back.leg("take_profit")
        _, refused_tp, refused_sl = venue.calls[0]
        assert sl.held and sl.trigger == sl.stop_price and not sl.sent
        assert {sl.client_order_id, tp.client_order_id}.isdisjoint({refused_tp, refused_sl})  # those ids are spent
        assert session.oms.order(refused_sl).status is OrderStatus.REJECTED
        resting = session.oms.order(tp.client_order_id)
        assert resting is not None and resting.status is OrderStatus.NEW and resting.price == tp.price
    finally:
        await session.close()


async def test_a_handed_over_group_whose_exits_never_reached_the_venue_is_taken_back_at_start():
    venue = OcoOnlyPaper()
    journal = Journal(":memory:")
    store = ProtectionStore(journal)
    await venue.start()
    ask = (await venue.quote("AAPL")).ask
    stop = (ask * Decimal("0.8")).quantize(Decimal("0.01"))
    lost = ProtectionGroup("pg-lost", Kind.BRACKET, "AAPL", HeldBy.VENUE, GroupState.ACTIVE, (
        Leg("stop_loss", Side.SELL, OrderType.STOP_LOSS, Decimal("2"), "sl-lost", stop_price=stop, sent=True),),
        Decimal("2"), ts_created=1, ts_updated=2, handoff="done")  # journaled, the process died before the send
    store.save(lost)
    session = Session(Environment.SANDBOX, venue, journal, await venue.instruments(), has_keys=True)
    await session._start()
    try:
        await _until(lambda: session.protection.group("pg-lost").held_by is HeldBy.APP)
        back = session.protection.group("pg-lost")
        assert back.state is GroupState.ACTIVE and back.handoff == ""
        assert back.reason.startswith("the exits never reached the venue: held by this app instead")
        leg = back.leg("stop_loss")
        assert leg.held and leg.trigger == stop and leg.fires_below
    finally:
        await session.close()


def test_a_group_reads_back_from_the_journal_as_it_was_written():
    store = ProtectionStore(Journal(":memory:"))
    group = ProtectionGroup("pg-1", Kind.TRAILING, "BTCUSDT", HeldBy.APP, GroupState.ACTIVE, (
        Leg("trailing", Side.SELL, OrderType.STOP_LOSS, Decimal("0.001"), "tt-1", stop_price=Decimal("98800.00"),
            held=True, trigger=Decimal("98800.00"), trail_amount=Decimal("1000"), best=Decimal("99800.00")),),
        Decimal("0.001"), ts_created=1, ts_updated=2, reason="", origin="strategy-a")
    store.save(group)
    assert store.open_groups() == [group]
    store.save(group.replace(state=GroupState.DONE, ts_updated=3))
    assert store.open_groups() == [] and store.all_groups()[0].state is GroupState.DONE
    bracket = ProtectionGroup("pg-2", Kind.BRACKET, "INFY", HeldBy.APP, GroupState.PENDING, (
        Leg("entry", Side.BUY, OrderType.MARKET, Decimal("2"), "en-2"),
        Leg("stop_loss", Side.SELL, OrderType.STOP_LOSS, Decimal("2"), "sl-2", stop_price=Decimal("1400.5"),
            held=True, trigger=Decimal("1400.5"))), Decimal("2"), ts_created=4, ts_updated=4, handoff="pending",
        entry_options=OrderOptions.make(params={"product": "MIS", "variety": "regular"}))
    store.save(bracket)
    assert store.open_groups() == [bracket]  # who will hold the exits, and the entry's product, survive a restart


def test_exit_prices_from_percent_and_ticks_snap_away_from_the_entry():
    from terminal.oms.protective_prices import exit_price
    ins = dataclasses.replace(_instrument(), tick_size=Decimal("0.01"))
    ref = Decimal("100.005")
    assert exit_price(ins, Side.BUY, ref, take_profit=True, percent=Decimal("1")) == Decimal("101.01")  # 101.00505 up
    assert exit_price(ins, Side.BUY, ref, take_profit=False, percent=Decimal("1")) == Decimal("99.00")  # 99.00495 down
    assert exit_price(ins, Side.SELL, Decimal("100"), take_profit=True, ticks=30) == Decimal("99.70")
    assert exit_price(ins, Side.SELL, Decimal("100"), take_profit=False, ticks=30) == Decimal("100.30")
    with pytest.raises(InvalidArgument, match="give a percent or a number of ticks"):
        exit_price(ins, Side.BUY, ref, take_profit=True)
    with pytest.raises(InvalidArgument, match="ticks: must be a whole number above 0"):
        exit_price(ins, Side.BUY, ref, take_profit=True, ticks=0)


def _instrument():
    from terminal.sim.symbols import DEFAULT_SYMBOLS
    return DEFAULT_SYMBOLS[0].instrument

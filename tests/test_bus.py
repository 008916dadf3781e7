"""The bus: typed delivery in subscription order, snapshots per publish, (un)subscription seen by the next event."""
from __future__ import annotations

from terminal.bus import Bus


class A:
    pass


class B:
    pass


def test_a_handler_subscribed_after_publishing_receives_the_next_events():
    bus = Bus()
    got: list[str] = []
    bus.subscribe(A, lambda e: got.append("first"))
    bus.publish(A())
    bus.subscribe(A, lambda e: got.append("second"))
    bus.subscribe(None, lambda e: got.append(f"any {type(e).__name__}"))
    bus.publish(A())
    bus.publish(B())
    assert got == ["first", "first", "second", "any A", "any B"]


def test_an_unsubscribed_handler_receives_nothing_more():
    bus = Bus()
    got: list[int] = []
    unsub = bus.subscribe(A, lambda e: got.append(1))
    bus.publish(A())
    unsub()
    bus.publish(A())
    unsub()  # twice is harmless
    bus.publish(A())
    assert got == [1]


def test_who_subscribes_or_leaves_during_a_publish_sees_from_the_next_event_on():
    bus = Bus()
    got: list[str] = []
    unsubs: list = []

    def late(e: object) -> None:
        got.append("late")

    def first(e: object) -> None:
        got.append("first")
        if not unsubs:
            unsubs.append(bus.subscribe(A, late))
            unsubs.append(second_unsub)
            second_unsub()  # leaves during this publish: still called for this event (the snapshot)

    bus.subscribe(A, first)
    second_unsub = bus.subscribe(A, lambda e: got.append("second"))
    bus.publish(A())
    assert got == ["first", "second"]
    got.clear()
    bus.publish(A())
    assert got == ["first", "late"]


def test_a_failing_handler_never_stops_the_others(caplog):
    bus = Bus()
    got: list[int] = []

    def bad(e: object) -> None:
        raise ValueError("boom")

    bus.subscribe(A, bad)
    bus.subscribe(A, lambda e: got.append(1))
    bus.publish(A())
    assert got == [1]
    assert "bus handler" in caplog.text

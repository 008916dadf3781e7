"""TaskOwner: the one owner of background tasks (spawn, errors logged not lost, close cancels and awaits all)."""
from __future__ import annotations

import asyncio
import gc
import logging
import warnings
from typing import Any

import pytest

from terminal.tasks import TaskOwner


async def test_a_spawned_task_runs_returns_its_result_and_is_forgotten_once_done() -> None:
    owner = TaskOwner("test")

    async def answer() -> int:
        return 42

    task = owner.spawn(answer(), name="answer")
    assert task.get_name() == "answer" and task in owner.tasks
    assert await task == 42
    assert len(owner) == 0
    await owner.close()


async def test_a_failing_task_is_logged_with_its_traceback_and_an_awaiting_caller_still_gets_the_error(
        caplog: pytest.LogCaptureFixture) -> None:
    owner = TaskOwner("venue", logging.getLogger("test.owner"))

    async def broken() -> None:
        raise ValueError("bad frame")

    task = owner.spawn(broken(), name="backfill BTCUSDT")
    with pytest.raises(ValueError, match="bad frame"):
        await task
    [record] = [r for r in caplog.records if r.name == "test.owner"]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert record.getMessage() == "venue: task backfill BTCUSDT failed: ValueError: bad frame"
    await owner.close()


async def test_the_error_of_a_task_nobody_awaits_is_logged_and_never_reported_as_lost(
        caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.get_running_loop()
    lost: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: lost.append(context))
    try:
        owner = TaskOwner("stream")

        async def broken() -> None:
            raise RuntimeError("listener bug")

        task = owner.spawn(broken())
        await asyncio.wait({task})  # never awaited itself: its exception is not retrieved here
        del task
        assert len(owner) == 0  # the owner's done callback ran first (registered first)
        gc.collect()  # a task whose exception was never retrieved reports it when it is collected
        assert lost == []
        assert "stream: task" in caplog.text and "RuntimeError: listener bug" in caplog.text
    finally:
        loop.set_exception_handler(None)


async def test_close_cancels_every_task_and_waits_until_each_has_finished() -> None:
    owner = TaskOwner("session")
    started = [asyncio.Event() for _ in range(3)]
    cleaned: list[int] = []

    async def forever(i: int) -> None:
        started[i].set()
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0)  # cleanup that itself awaits: close() must wait for it
            cleaned.append(i)

    tasks = [owner.spawn(forever(i)) for i in range(3)]
    for event in started:
        await event.wait()
    await owner.close()
    assert sorted(cleaned) == [0, 1, 2]
    assert all(t.cancelled() for t in tasks) and len(owner) == 0 and owner.closed
    assert asyncio.all_tasks() == {asyncio.current_task()}
    await owner.close()  # idempotent


async def test_close_does_not_raise_for_a_task_that_fails_while_it_is_cancelled() -> None:
    owner = TaskOwner("venue")

    async def fails_on_cancel() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise OSError("socket gone while closing")

    ready = asyncio.Event()

    async def starts() -> None:
        ready.set()
        await fails_on_cancel()

    owner.spawn(starts())
    await ready.wait()
    await owner.close()
    assert len(owner) == 0


async def test_spawn_after_close_is_refused_and_leaves_no_never_awaited_coroutine() -> None:
    owner = TaskOwner("venue")
    await owner.close()

    async def late() -> None:
        raise AssertionError("must never run")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match="venue: closed"):
            owner.spawn(late(), name="late")
        gc.collect()
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []
    assert len(owner) == 0


async def test_a_task_may_close_its_own_owner_without_waiting_for_itself() -> None:
    owner = TaskOwner("stream")
    other_cancelled = asyncio.Event()

    async def other() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            other_cancelled.set()
            raise

    async def closer() -> str:
        await owner.close()
        return "closed"

    owner.spawn(other())
    assert await owner.spawn(closer()) == "closed"
    assert other_cancelled.is_set() and len(owner) == 0


def test_spawn_without_a_running_loop_raises_and_leaves_no_never_awaited_coroutine() -> None:
    owner = TaskOwner("feeds")

    async def release() -> None:
        raise AssertionError("must never run")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError):
            owner.spawn(release())
        gc.collect()
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []

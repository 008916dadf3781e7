"""asyncio task lifecycle shared by long-running core components (streams, book syncs)."""
from __future__ import annotations

import asyncio


async def cancel_and_wait(task: "asyncio.Task[object] | None", *, swallow_errors: bool = False) -> None:
    """Cancel ``task`` (if any) and wait until it has finished. With ``swallow_errors`` an exception the task ended
    with is not raised either (for a close() that must always complete)."""
    if task is None:
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except Exception:
        if not swallow_errors:
            raise

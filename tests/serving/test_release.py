"""A stopped paper server is released: nothing module-level (aiohttp memoises each application's middleware chain,
built at its first request, in a cache of 1,024 entries) keeps its application, routes and simulated market alive
after it stopped (a test run starts hundreds of them: ~50-100 MB each)."""
from __future__ import annotations

import gc
import urllib.request
import weakref


def test_a_stopped_sandbox_that_served_requests_is_freed():
    from terminal.venues.sandbox import SandboxServer

    server = SandboxServer(host="127.0.0.1", port=0, simulate=False)
    server.start()
    with urllib.request.urlopen(f"{server.url}/api/v3/ping", timeout=10) as answer:
        assert answer.status == 200
    server.stop()
    ref = weakref.ref(server)
    del server
    gc.collect()
    assert ref() is None, [type(r).__name__ for r in gc.get_referrers(ref())]

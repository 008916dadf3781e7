"""The one-shot redirect listener of the daily login (the browser's side played by requests)."""
from __future__ import annotations

import asyncio

import pytest
import requests

from terminal.venues.kite import LoginTimeout, RedirectListener, login_url


async def test_the_listener_takes_one_redirect_answers_a_page_and_closes():
    listener = await RedirectListener.open("http://127.0.0.1:0/kite")
    loop = asyncio.get_running_loop()
    url = f"{listener.url}?action=login&type=login&status=success&request_token=RT123"
    page = loop.run_in_executor(None, lambda: requests.get(url, timeout=10))
    query = await listener.wait(10)
    resp = await page
    assert query["request_token"] == "RT123" and query["status"] == "success"
    assert resp.status_code == 200 and "close this tab" in resp.text
    with pytest.raises(requests.ConnectionError):  # one shot: nobody listens any more
        await loop.run_in_executor(None, lambda: requests.get(url, timeout=10))


async def test_a_stray_connection_does_not_end_the_wait():
    listener = await RedirectListener.open("http://127.0.0.1:0/")
    _, writer = await asyncio.open_connection(listener.host, listener.port)
    writer.close()  # a browser's pre-connect that sends nothing
    loop = asyncio.get_running_loop()
    done = loop.run_in_executor(None, lambda: requests.get(f"{listener.url}?request_token=X&status=success",
                                                           timeout=10))
    assert (await listener.wait(10))["request_token"] == "X"
    await done


async def test_no_redirect_times_out_cleanly_and_frees_the_port():
    listener = await RedirectListener.open("http://127.0.0.1:0/")
    port = listener.port
    with pytest.raises(LoginTimeout):
        await listener.wait(0.05)
    again = await RedirectListener.open(f"http://127.0.0.1:{port}/")  # the port is free again
    await again.close()


def test_login_url_is_the_documented_one():
    assert login_url("abc") == "https://kite.zerodha.com/connect/login?api_key=abc&v=3"

"""Our client order ids on Kite, which carries them only in ``tag`` (alphanumeric, at most 20 characters).

Decision: no journal of its own. An id that already fits (alphanumeric, <= 20) is its own tag; any other (the
terminal's ``tt-<20 hex>``) is tagged ``"tt" + 18 hex digits of its SHA-256``, a pure function of the id (72 bits: a
collision within one day's orders is out of reach). So query-before-retry needs nothing remembered: the tag is
recomputed from the journaled client id and looked for in the day's order book, also after a restart. The map kept
here only turns tags and order ids of reports back into client ids; an order with an unknown tag (placed elsewhere,
or before a restart and not looked up yet) is reported under its tag, an untagged one as ``kite<order_id>``.
"""
from __future__ import annotations

import hashlib

MAX_TAG = 20


def tag_for(client_order_id: str) -> str:
    if client_order_id.isascii() and client_order_id.isalnum() and len(client_order_id) <= MAX_TAG:
        return client_order_id
    return "tt" + hashlib.sha256(client_order_id.encode()).hexdigest()[:MAX_TAG - 2]


class Tags:
    def __init__(self) -> None:
        self._client_by_tag: dict[str, str] = {}
        self._client_by_order: dict[str, str] = {}
        self.order_by_client: dict[str, str] = {}

    def remember(self, client_order_id: str) -> str:
        """The tag for ``client_order_id``, remembered for reports."""
        tag = tag_for(client_order_id)
        self._client_by_tag[tag] = client_order_id
        return tag

    def link(self, client_order_id: str, order_id: str) -> None:
        self._client_by_order[order_id] = client_order_id
        self.order_by_client[client_order_id] = order_id

    def client_id(self, tag: str | None, order_id: str) -> str:
        known = self._client_by_order.get(order_id)
        if known is not None:
            return known
        cid = self._client_by_tag.get(tag) if tag else None
        cid = cid or tag or f"kite{order_id}"
        self.link(cid, order_id)
        return cid

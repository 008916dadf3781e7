"""The window's venues: a Workspace seen through the keys the window's widgets use.

The first venue (the one the window connected to) keeps its bare symbols (``BTCUSDT``), so a one-venue window looks
as it always did; every venue added later names its instruments by qualified id (``AAPL@paper``). ``WindowVenues``
offers the Session calls the widgets make (place, cancel, replace, watch, bars...) on those keys and sends each to
the right session (market data to the instrument's data source, see ``Workspace.route``). No Qt here.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from .. import model as m
from ..session.facade import Session
from ..session.workspace import Workspace


class WindowVenues:
    def __init__(self, workspace: Workspace, primary: str) -> None:
        self.workspace = workspace
        self.primary = primary

    @property
    def session(self) -> Session:
        return self.workspace.session(self.primary)

    @property
    def environment(self) -> m.Environment:
        return self.session.environment

    def names(self) -> list[str]:
        return list(self.workspace.sessions)

    # ---- keys ----------------------------------------------------------------------------------------------
    def key(self, venue: str, symbol: str) -> str:
        """The window's key for ``symbol`` of ``venue``."""
        return symbol if venue == self.primary else f"{symbol}@{venue}"

    def qualified(self, key: str) -> str:
        return key if "@" in key else f"{key}@{self.primary}"

    def target(self, key: str) -> tuple[str, Session, str]:
        """(venue, session, the venue's own symbol) for a window key."""
        return self.workspace.resolve(self.qualified(key))

    def instruments(self) -> dict[str, m.Instrument]:
        """Every venue's instruments by window key (another venue's carry the key as their symbol)."""
        out: dict[str, m.Instrument] = {}
        for venue, session in self.workspace.sessions.items():
            for sym, ins in session.instruments.items():
                key = self.key(venue, sym)
                out[key] = ins if key == sym else dataclasses.replace(ins, symbol=key)
        return out

    def data_source(self, key: str) -> str:
        """The venue the market data of ``key`` comes from (the chart header names it)."""
        return self.workspace.data_source(self.qualified(key))[0]

    def data_sources(self, key: str) -> list[str]:
        """The venues whose session lists ``key``'s symbol (its own first): where its market data can come from."""
        venue, _, sym = self.target(key)
        return [venue] + [n for n, s in self.workspace.sessions.items() if n != venue and sym in s.instruments]

    def _ui(self, venue: str, order: m.Order) -> m.Order:
        return order if venue == self.primary else dataclasses.replace(order, symbol=self.key(venue, order.symbol))

    # ---- the Session calls the widgets make ----------------------------------------------------------------
    async def place_order(self, request: m.OrderRequest) -> m.Order:
        venue, session, sym = self.target(request.symbol)
        return self._ui(venue, await session.place_order(dataclasses.replace(request, symbol=sym)))

    def capabilities(self, key: str) -> Any:
        """The Capabilities of the venue that trades ``key`` (None when unknown)."""
        try:
            _, session, _ = self.target(key)
        except ValueError:
            return None
        info = getattr(session.venue, "info", None)
        return getattr(info, "capabilities", None)

    def holds_natively(self, key: str, kind: str, requests: list[m.OrderRequest]) -> bool | None:
        """Whether ``key``'s venue would hold this protective group itself (its ``can_hold``), None if it cannot
        say (the capabilities decide)."""
        try:
            _, session, sym = self.target(key)
        except ValueError:
            return None
        can_hold = getattr(session.venue, "can_hold", None)
        if not callable(can_hold):
            return None
        return can_hold(kind, [dataclasses.replace(r, symbol=sym) for r in requests]) == ""

    async def place_bracket(self, request: m.OrderRequest, take_profit: Any = None, stop_loss: Any = None,
                            **kwargs: Any) -> Any:
        """An entry with its take-profit and stop (``Session.place_bracket``; native where the venue holds them)."""
        venue, session, sym = self.target(request.symbol)
        return await session.place_bracket(dataclasses.replace(request, symbol=sym), take_profit, stop_loss,
                                           **kwargs)

    async def place_trailing_stop(self, key: str, side: m.Side, quantity: Any, **kwargs: Any) -> Any:
        venue, session, sym = self.target(key)
        return await session.place_trailing_stop(sym, side, quantity, **kwargs)

    async def attach_stop(self, key: str, stop_price: Any, take_profit: Any = None, **kwargs: Any) -> Any:
        """Protect the position in ``key`` (``Session.attach_stop``: the positions blotter's "Attach stop-loss…")."""
        venue, session, sym = self.target(key)
        return await session.attach_stop(sym, stop_price, take_profit, **kwargs)

    def protective_orders(self, open_only: bool = True) -> list[tuple[str, Any]]:
        """(window key of its symbol, group) for every protective group of every venue."""
        return [(self.key(venue, g.symbol), g) for venue, session in self.workspace.sessions.items()
                for g in session.protective_orders(open_only)]

    async def cancel_protection(self, key: str, group_id: str) -> Any:
        venue, session, sym = self.target(key)
        return await session.cancel_protection(group_id)

    async def modify_protection(self, key: str, group_id: str, role: str, price: Any) -> Any:
        venue, session, sym = self.target(key)
        return await session.modify_protection(group_id, role, price)

    def order_of(self, key: str, client_order_id: str) -> m.Order | None:
        """The order ``client_order_id`` of the venue trading ``key`` as its order manager has it (or None)."""
        venue, session, sym = self.target(key)
        return session.oms.order(client_order_id)

    async def cancel_order(self, key: str, client_order_id: str) -> m.Order:
        venue, session, sym = self.target(key)
        return self._ui(venue, await session.cancel_order(sym, client_order_id))

    async def cancel_all(self, key: str) -> list[m.Order]:
        venue, session, sym = self.target(key)
        return [self._ui(venue, o) for o in await session.cancel_all(sym)]

    async def replace_order(self, key: str, client_order_id: str, **changes: Any) -> m.Order:
        venue, session, sym = self.target(key)
        return self._ui(venue, await session.replace_order(sym, client_order_id, **changes))

    def open_orders(self) -> list[m.Order]:
        return [self._ui(v, o) for v, o in self.workspace.open_orders()]

    async def order_history(self, venue: str) -> list[m.Order]:
        return [self._ui(venue, o) for o in await self.workspace.session(venue).order_history()]

    async def fills(self, venue: str) -> list[m.Fill]:
        fills = await self.workspace.session(venue).fills()
        return fills if venue == self.primary else [dataclasses.replace(f, symbol=self.key(venue, f.symbol))
                                                    for f in fills]

    def _data(self, key: str) -> tuple[Session, str]:
        venue, sym = self.workspace.data_source(self.qualified(key))
        return self.workspace.session(venue), sym

    async def watch(self, key: str) -> None:
        await self.workspace.watch(self.qualified(key))

    async def unwatch(self, key: str) -> None:
        await self.workspace.unwatch(self.qualified(key))

    async def watch_book(self, key: str) -> None:
        session, sym = self._data(key)
        await session.watch_book(sym)

    async def unwatch_book(self, key: str) -> None:
        session, sym = self._data(key)
        await session.unwatch_book(sym)

    async def watch_bars(self, key: str, interval: str) -> None:
        session, sym = self._data(key)
        await session.watch_bars(sym, interval)

    async def unwatch_bars(self, key: str, interval: str) -> None:
        session, sym = self._data(key)
        await session.unwatch_bars(sym, interval)

    async def bars(self, key: str, interval: str, **kwargs: Any) -> list[m.Bar]:
        session, sym = self._data(key)
        return list(await session.bars(sym, interval, **kwargs))

    def free(self, key_or_asset: str, venue: str = "") -> Any:
        return self.workspace.session(venue or self.primary).balances().get(key_or_asset)

"""Trading from the chart: the chart's order gestures become session calls, under the ticket's confirmation rule.

- A dragged order line is a cancel-replace (``session.replace_order``) at the snapped price; a stop line moves the
  stop price (and a stop-limit's limit by the same distance).
- The x on a line cancels the order (``session.cancel_order``), at once, as TradingView and Binance do: cancelling
  never adds risk.
- The right-click menu places a limit (or a stop) at the snapped price directly, as TradingView's and Binance's
  chart trading do, for the amount in the order ticket; the confirmation shows side, quantity, price and the
  distance from the last price.

A confirmation is asked when the ticket asks for its orders ("Confirm before sending", always on LIVE), with the
non-blocking ``ask()``. Expected failures (refused, already filled, no keys) end up in the status bar.
This is the only module of the chart package that sees a session; the ChartWidget itself never does.
"""
from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Coroutine

from terminal import model as m
from terminal.ui.dialogs.ask import OK, OK_CANCEL, Icon, ask

log = logging.getLogger(__name__)
KIND_NAMES = {m.OrderType.LIMIT: "LIMIT", m.OrderType.LIMIT_MAKER: "LIMIT MAKER", m.OrderType.MARKET: "MARKET",
              m.OrderType.STOP_LOSS: "STOP", m.OrderType.STOP_LOSS_LIMIT: "STOP LIMIT",
              m.OrderType.TAKE_PROFIT: "TAKE PROFIT", m.OrderType.TAKE_PROFIT_LIMIT: "TAKE PROFIT LIMIT"}


def line_price(order: m.Order) -> Decimal | None:
    """Where an order sits on the chart: a stop or take-profit at its trigger, anything else at its limit."""
    return order.stop_price if order.type.has_stop else order.price


def line_kind(order: m.Order) -> str:
    if order.type in (m.OrderType.STOP_LOSS, m.OrderType.STOP_LOSS_LIMIT):
        return "stop"
    if order.type in (m.OrderType.TAKE_PROFIT, m.OrderType.TAKE_PROFIT_LIMIT):
        return "take_profit"
    return "limit"


def line_label(order: m.Order, ins: m.Instrument | None) -> str:
    """"BUY 0.01000", "SL SELL 0.02000", "TP SELL 0.02000" (the remaining quantity)."""
    qty = ins.format_qty(order.remaining_qty) if ins else m.fmt(order.remaining_qty)
    prefix = {"stop": "SL ", "take_profit": "TP "}.get(line_kind(order), "")
    return f"{prefix}{order.side.name} {qty}"


class ChartTrading:
    """Owned by the session link: ``connections()`` are the (signal, slot) pairs it connects."""

    def __init__(self, window: Any, session: Any, spawn: Callable[[Coroutine[Any, Any, Any], str], Any],
                 symbol: Callable[[], str], on_order: Callable[[m.Order], None]) -> None:
        self.w = window
        self.chart = window.chart
        self.ticket = window.order_entry
        self.session = session
        self._spawn = spawn
        self._symbol = symbol
        self._on_order = on_order
        self.asking = False  # one question at a time
        self.chart.order_size_text = self.size_text

    def connections(self) -> list[tuple[Any, Any]]:
        c = self.chart
        return [(c.order_moved, self.on_moved), (c.order_cancel_requested, self.on_cancel_requested),
                (c.order_requested, self.on_order_requested)]

    # ---- slots (spawn the awaited work) ----------------------------------------------------------------------
    def on_moved(self, key: object, price: Decimal) -> None:
        self._spawn(self.move(str(key), price), "modify order")

    def on_cancel_requested(self, key: object) -> None:
        self._spawn(self.cancel(str(key)), "cancel order")

    def on_order_requested(self, kind: str, price: Decimal) -> None:
        self._spawn(self.place(kind, price), "order from the chart")

    # ---- helpers ---------------------------------------------------------------------------------------------
    @property
    def instrument(self) -> m.Instrument | None:
        return self.w.instruments.get(self._symbol())

    def _status(self, text: str, ms: int = 8000) -> None:
        self.w.status.showMessage(text, ms)

    def _order(self, cid: str) -> m.Order | None:
        return next((o for o in self.session.open_orders() if o.client_order_id == cid), None)

    def _last(self) -> Decimal | None:
        sym = self._symbol()
        link = getattr(self.w, "link", None)
        last = link.last_prices.get(sym) if link is not None else None
        if last is None and len(self.chart.series):
            last = Decimal(repr(float(self.chart.series.c[-1])))
        return last

    def _distance(self, price: Decimal) -> str:
        last, ins = self._last(), self.instrument
        if not last or ins is None:
            return ""
        pct = (price - last) / last * 100
        where = "above" if pct > 0 else "below" if pct < 0 else "at"
        return f"{abs(pct):.2f}% {where} the last price {ins.format_price(last)}"

    def _describe(self, side: m.Side, otype: m.OrderType, qty: Decimal, price: Decimal) -> str:
        ins = self.instrument
        assert ins is not None
        return f"{side.name} {KIND_NAMES.get(otype, otype.name)} {ins.format_qty(qty)} {ins.base_asset} @ " \
               f"{ins.format_price(price)}"

    async def _confirmed(self, title: str, text: str) -> bool:
        """True when no confirmation is due, or the user said OK."""
        if not self.ticket.needs_confirmation():
            return True
        env = self.session.environment.name
        self.asking = True
        try:
            return await ask(self.w, f"{title} — {env}", f"{env}: {text}?", OK_CANCEL, icon=Icon.Question) == OK
        finally:
            self.asking = False

    def _failed(self, what: str, exc: Exception) -> None:
        message = getattr(exc, "message", None) or str(exc)
        log.warning("%s failed: %s: %s", what, type(exc).__name__, message)
        self._status(f"{what} failed: {message}", 10000)

    # ---- the ticket's amount ---------------------------------------------------------------------------------
    def quantity(self, price: Decimal) -> tuple[Decimal | None, str]:
        """The order ticket's amount as a base quantity at ``price``, or (None, why not)."""
        ins = self.instrument
        if ins is None:
            return None, "no instrument"
        text = self.ticket.qty_edit.text().strip().replace(",", "")
        if not text:
            return None, "enter an amount in the order ticket first"
        try:
            amount = Decimal(text)
        except InvalidOperation:
            return None, f"the ticket's amount {text!r} is not a number"
        if not amount.is_finite() or amount <= 0:
            return None, f"the ticket's amount {text!r} is not a positive number"
        if self.ticket.unit_combo.currentData() == "quote":  # an amount of quote asset: in base at this price
            qty = ins.snap_qty(amount / ins.notional(price, Decimal(1)))
        else:
            qty = ins.snap_qty(amount)
            if qty != amount:
                return None, (f"the ticket's amount {text} is not a multiple of the lot step "
                              f"{m.fmt(ins.step_size)} {ins.base_asset}")
        if qty <= 0:
            return None, f"the ticket's amount is below one lot step ({m.fmt(ins.step_size)} {ins.base_asset})"
        return qty, ""

    def size_text(self) -> str:
        """The order menu's heading: the amount it would place ("0.01000 BTC"), or what is missing."""
        ins = self.instrument
        text = self.ticket.qty_edit.text().strip()
        if ins is None or not text:
            return "Set an amount in the ticket"
        unit = ins.quote_asset if self.ticket.unit_combo.currentData() == "quote" else ins.base_asset
        return f"{text} {unit}"

    # ---- actions ---------------------------------------------------------------------------------------------
    async def move(self, cid: str, price: Decimal) -> m.Order | None:
        """Cancel-replace order ``cid`` at ``price`` (a stop: its trigger). Returns the new order."""
        try:
            order, ins = self._order(cid), self.instrument
            if order is None or ins is None:
                self._status("That order is no longer open.")
                return None
            old = line_price(order)
            assert old is not None
            pct = (price - old) / old * 100 if old else Decimal(0)
            text = (f"move {order.side.name} {KIND_NAMES.get(order.type, order.type.name)} "
                    f"{ins.format_qty(order.remaining_qty)} {ins.base_asset} from {ins.format_price(old)} to "
                    f"{ins.format_price(price)} ({pct:+.2f}%)")
            if not await self._confirmed("Modify order", text):
                self._status("Order not modified.")
                return None
            kwargs: dict[str, Decimal] = {}
            if order.type.has_stop:
                kwargs["stop_price"] = price
                if order.type.has_price and order.price is not None:  # the limit keeps its distance to the stop
                    kwargs["price"] = ins.snap_price(order.price + (price - old))
            else:
                kwargs["price"] = price
            self._status(f"Modifying: {text}…", 4000)
            new = await self.session.replace_order(order.symbol, cid, **kwargs)
            self._on_order(new)
            self._status(f"Modified: {order.side.name} {ins.format_qty(new.quantity)} {ins.base_asset} now at "
                         f"{ins.format_price(price)}.")
            return new
        except Exception as exc:  # noqa: BLE001 - refused, already filled, no keys: said in the status bar
            self._failed("Modify order", exc)
            return None
        finally:
            self.chart.end_order_move(cid)

    async def cancel(self, cid: str) -> m.Order | None:
        order, ins = self._order(cid), self.instrument
        if order is None:
            self._status("That order is no longer open.")
            return None
        try:
            done = await self.session.cancel_order(order.symbol, cid)
        except Exception as exc:  # noqa: BLE001
            self._failed("Cancel order", exc)
            return None
        self._on_order(done)
        price = line_price(order)
        where = f" @ {ins.format_price(price)}" if ins and price is not None else ""
        self._status(f"Cancelled: {order.side.name} {m.fmt(order.remaining_qty)}{where}.")
        return done

    def request_for(self, kind: str, price: Decimal) -> tuple[m.OrderRequest | None, str]:
        """The order a menu entry places at ``price`` with the ticket's amount, or (None, why not)."""
        ins = self.instrument
        if ins is None:
            return None, "no instrument"
        qty, why = self.quantity(price)
        if qty is None:
            return None, why
        side = m.Side.BUY if kind.startswith("buy") else m.Side.SELL
        if kind.endswith("limit"):
            return m.OrderRequest(ins.symbol, side, m.OrderType.LIMIT, qty, price,
                                  time_in_force=m.TimeInForce.GTC), ""
        if m.OrderType.STOP_LOSS in ins.order_types:  # a stop-market where the venue has one
            return m.OrderRequest(ins.symbol, side, m.OrderType.STOP_LOSS, qty, stop_price=price), ""
        return m.OrderRequest(ins.symbol, side, m.OrderType.STOP_LOSS_LIMIT, qty, price, stop_price=price,
                              time_in_force=m.TimeInForce.GTC), ""

    async def place(self, kind: str, price: Decimal) -> m.Order | None:
        if self.asking:
            return None
        req, why = self.request_for(kind, price)
        if req is None:
            self._status(f"Not sent: {why}.")
            return None
        assert req.quantity is not None
        text = self._describe(req.side, req.type, req.quantity, price)
        distance = self._distance(price)
        if not await self._confirmed("Confirm order", f"{text}{f' ({distance})' if distance else ''}"):
            self._status("Not sent.")
            return None
        try:
            order = await self.session.place_order(req)
        except Exception as exc:  # noqa: BLE001
            self._failed("Order", exc)
            return None
        self._on_order(order)
        self._status(f"Sent: {text}.")
        return order

"""The paper user's money and holdings: cash, positions per (exchange, tradingsymbol, product), demat holdings, and
the margins Kite reports (``/user/margins``), kept consistently: ``net == live_balance == opening_balance -
utilised + realised M2M`` over one unified pool (equity and commodity share the cash).

Margin model (a paper approximation, stated so tests and users can reason about it): CNC buys use their full value;
MIS equity 20 % of the value (5x); index futures NRML/MIS 12 % of the notional (9 % SPAN + 3 % exposure); MCX
futures 10 %; option buys their premium; option writes 12 % of strike x quantity. Reducing an existing position of
the same product needs no margin. Open orders block their margin until they end.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from .listing import Listed

ZERO = Decimal(0)
OPENING_BALANCE = Decimal("1000000")
SPAN, EXPOSURE = Decimal("0.09"), Decimal("0.03")
MIS_EQUITY = Decimal("0.20")
MCX_RATE = Decimal("0.10")
#: holdings the paper account starts with: tradingsymbol, quantity, average price, ISIN
SEED_HOLDINGS = (("INFY", 10, "1500.00", "INE009A01021"), ("RELIANCE", 20, "1380.00", "INE002A01018"),
                 ("SBIN", 50, "760.00", "INE062A01020"), ("TCS", 5, "3700.00", "INE467B01029"))


@dataclass
class Position:
    item: Listed
    product: str
    overnight_qty: int = 0
    overnight_price: Decimal = ZERO
    buy_qty: int = 0
    buy_value: Decimal = ZERO
    sell_qty: int = 0
    sell_value: Decimal = ZERO

    @property
    def quantity(self) -> int:
        return self.overnight_qty + self.buy_qty - self.sell_qty

    @property
    def mult(self) -> Decimal:
        return Decimal(self.item.multiplier)


@dataclass
class Holding:
    item: Listed
    isin: str
    quantity: int
    average_price: Decimal
    used_quantity: int = 0


@dataclass
class Portfolio:
    ltp: Callable[[str], Decimal]
    prev_close: Callable[[str], Decimal]
    opening_balance: Decimal = OPENING_BALANCE
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    holdings: dict[str, Holding] = field(default_factory=dict)

    def seed(self, by_key: dict[str, Listed]) -> None:
        for symbol, qty, price, isin in SEED_HOLDINGS:
            item = by_key[f"NSE:{symbol}"]
            self.holdings[item.key] = Holding(item, isin, qty, Decimal(price))

    # ------------------------------------------------------------------ trading
    def position(self, item: Listed, product: str) -> Position:
        pos = self.positions.get((item.key, product))
        if pos is None:
            pos = self.positions[(item.key, product)] = Position(item, product)
        return pos

    def sellable(self, item: Listed) -> int:
        """What a CNC sell may take: free holdings plus today's net CNC buys."""
        holding = self.holdings.get(item.key)
        free = holding.quantity - holding.used_quantity if holding else 0
        pos = self.positions.get((item.key, "CNC"))
        return free + (pos.buy_qty - pos.sell_qty if pos else 0)

    def on_fill(self, item: Listed, product: str, buy: bool, qty: int, price: Decimal) -> None:
        pos = self.position(item, product)
        if buy:
            pos.buy_qty += qty
            pos.buy_value += price * qty * pos.mult
        else:
            pos.sell_qty += qty
            pos.sell_value += price * qty * pos.mult
            holding = self.holdings.get(item.key)
            if product == "CNC" and holding is not None:
                # a CNC sell takes today's CNC buys first, then holdings
                from_day = max(0, min(qty, pos.buy_qty - (pos.sell_qty - qty)))
                holding.used_quantity += min(qty - from_day, holding.quantity - holding.used_quantity)

    def convert(self, item: Listed, old: str, new: str, qty: int, buy: bool) -> bool:
        """Move ``qty`` of today's position from product ``old`` to ``new`` (``PUT /portfolio/positions``)."""
        _move(self.position(item, old), self.position(item, new), qty, buy)
        return True

    def roll_day(self) -> None:
        """Overnight: CNC positions settle into holdings, NRML positions carry forward at the previous close, MIS
        ones (squared off already) and closed ones are gone; sold holdings leave the demat account."""
        for holding in list(self.holdings.values()):
            holding.quantity -= holding.used_quantity
            holding.used_quantity = 0
            if holding.quantity <= 0:
                del self.holdings[holding.item.key]
        carried: dict[tuple[str, str], Position] = {}
        for (key, product), pos in self.positions.items():
            qty = pos.quantity
            if product == "CNC":
                bought = pos.buy_qty - pos.sell_qty
                if bought > 0:
                    price = pos.buy_value / pos.buy_qty
                    held = self.holdings.get(key)
                    if held is None:
                        self.holdings[key] = Holding(pos.item, "", bought, price.quantize(Decimal("0.01")))
                    else:
                        total = held.quantity + bought
                        held.average_price = ((held.average_price * held.quantity + price * bought) / total
                                              ).quantize(Decimal("0.01"))
                        held.quantity = total
            elif qty and product == "NRML":
                carried[(key, product)] = Position(pos.item, product, qty, self.prev_close(key))
        self.positions = carried

    # ------------------------------------------------------------------ margins
    def rate_margin(self, item: Listed, product: str, qty: int, price: Decimal) -> tuple[Decimal, Decimal, Decimal]:
        """(span, exposure, premium-or-cash) to carry ``qty`` (signed: + long) at ``price``."""
        size = Decimal(abs(qty))
        value = size * price * item.multiplier
        if item.instrument_type in ("CE", "PE"):
            if qty > 0:
                return ZERO, ZERO, value
            notional = size * item.strike
            return notional * SPAN, notional * EXPOSURE, ZERO
        if item.exchange == "MCX":
            return value * MCX_RATE, ZERO, ZERO
        if item.derivative:
            return value * SPAN, value * EXPOSURE, ZERO
        if product == "MIS":
            return ZERO, value * MIS_EQUITY, ZERO
        return ZERO, ZERO, value if qty > 0 else ZERO  # CNC: buys use cash; sells come from holdings

    def order_margin(self, item: Listed, product: str, buy: bool, qty: int, price: Decimal) -> Decimal:
        """Margin a new order needs beyond what the position it reduces already holds."""
        pos = self.positions.get((item.key, product))
        held = pos.quantity if pos else 0
        signed = qty if buy else -qty
        if held and (held > 0) != (signed > 0):
            reduce = min(abs(held), qty)
            signed = signed - reduce if signed > 0 else signed + reduce
        if signed == 0:
            return ZERO
        return sum(self.rate_margin(item, product, signed, price), ZERO)

    def utilised(self, open_orders: list[tuple[Listed, str, bool, int, Decimal]], segment: str) -> dict[str, Decimal]:
        span = exposure = premium = cash = ZERO
        for pos in self.positions.values():
            if _segment(pos.item) != segment or not pos.quantity:
                continue
            if pos.product == "CNC":
                if pos.quantity > 0:
                    cash += pos.buy_value / pos.buy_qty * pos.quantity if pos.buy_qty else ZERO
                continue
            s, e, p = self.rate_margin(pos.item, pos.product, pos.quantity, self.ltp(pos.item.key))
            span, exposure, premium = span + s, exposure + e, premium + p
        for item, product, buy, qty, price in open_orders:
            if _segment(item) != segment:
                continue
            need = self.order_margin(item, product, buy, qty, price)
            if item.derivative and item.instrument_type == "FUT":
                span += need
            elif item.instrument_type in ("CE", "PE") and buy:
                premium += need
            elif product == "CNC":
                cash += need
            else:
                exposure += need
        return {"span": span, "exposure": exposure, "option_premium": premium, "delivery": cash}

    def margins(self, open_orders: list[tuple[Listed, str, bool, int, Decimal]], segment: str) -> dict[str, Any]:
        """One segment's block. The account is unified (one pool of cash for equity and commodity, as Zerodha's
        now is): ``net`` is the same in both blocks; ``utilised`` shows the segment's own use."""
        used = self.utilised(open_orders, segment)
        realised = self.realised_in(segment)
        debits = sum(used.values(), ZERO) - min(realised, ZERO)
        net = self.net(open_orders)
        zero: Decimal = ZERO
        opening = self.opening_balance
        return {
            "enabled": True, "net": _money(net),
            "available": {"adhoc_margin": zero, "cash": _money(opening), "opening_balance": _money(opening),
                          "live_balance": _money(net), "collateral": zero, "intraday_payin": zero},
            "utilised": {"debits": _money(debits), "exposure": _money(used["exposure"]),
                         "m2m_realised": _money(realised), "m2m_unrealised": _money(self.unrealised_in(segment)),
                         "option_premium": _money(used["option_premium"]), "payout": zero,
                         "span": _money(used["span"]), "holding_sales": zero, "turnover": zero,
                         "liquid_collateral": zero, "stock_collateral": zero, "delivery": _money(used["delivery"])},
        }

    def net(self, open_orders: list[tuple[Listed, str, bool, int, Decimal]]) -> Decimal:
        """Opening balance + realised profit - every segment's utilised margin and realised loss."""
        net = self.opening_balance
        for segment in ("equity", "commodity"):
            used = sum(self.utilised(open_orders, segment).values(), ZERO)
            net += self.realised_in(segment) - used
        return net

    def available(self, open_orders: list[tuple[Listed, str, bool, int, Decimal]], item: Listed) -> Decimal:
        return self.net(open_orders)

    def realised_in(self, segment: str) -> Decimal:
        return sum((self.record(p)["realised"] for p in self.positions.values() if _segment(p.item) == segment), ZERO)

    def unrealised_in(self, segment: str) -> Decimal:
        return sum((self.record(p)["unrealised"] for p in self.positions.values() if _segment(p.item) == segment),
                   ZERO)

    # ------------------------------------------------------------------ records
    def record(self, pos: Position, day: bool = False) -> dict[str, Any]:
        item, mult = pos.item, pos.mult
        last = self.ltp(item.key)
        close = self.prev_close(item.key)
        overnight = 0 if day else pos.overnight_qty
        qty = overnight + pos.buy_qty - pos.sell_qty
        buy_qty = pos.buy_qty + (max(overnight, 0))
        sell_qty = pos.sell_qty + (max(-overnight, 0))
        buy_value = pos.buy_value + max(overnight, 0) * pos.overnight_price * mult
        sell_value = pos.sell_value + max(-overnight, 0) * pos.overnight_price * mult
        value = sell_value - buy_value
        pnl = value + qty * last * mult
        buy_price = buy_value / (buy_qty * mult) if buy_qty else ZERO
        sell_price = sell_value / (sell_qty * mult) if sell_qty else ZERO
        closed = min(buy_qty, sell_qty)
        realised = (sell_price - buy_price) * closed * mult if closed else ZERO
        avg = buy_price if qty > 0 else sell_price if qty < 0 else ZERO
        unrealised = (last - avg) * qty * mult if qty else ZERO
        m2m = pnl if day else pnl - (overnight * (close - pos.overnight_price) * mult if overnight else ZERO)
        return {
            "tradingsymbol": item.tradingsymbol, "exchange": item.exchange, "instrument_token": item.token,
            "product": pos.product, "quantity": qty, "overnight_quantity": overnight, "multiplier": item.multiplier,
            "average_price": _price(avg), "close_price": close, "last_price": last, "value": _money(value),
            "pnl": _money(pnl), "m2m": _money(m2m), "unrealised": _money(unrealised), "realised": _money(realised),
            "buy_quantity": buy_qty, "buy_price": _price(buy_price), "buy_value": _money(buy_value),
            "buy_m2m": _money(buy_value), "sell_quantity": sell_qty, "sell_price": _price(sell_price),
            "sell_value": _money(sell_value), "sell_m2m": _money(sell_value),
            "day_buy_quantity": pos.buy_qty, "day_buy_price": _price(pos.buy_value / (pos.buy_qty * mult))
            if pos.buy_qty else ZERO, "day_buy_value": _money(pos.buy_value), "day_sell_quantity": pos.sell_qty,
            "day_sell_price": _price(pos.sell_value / (pos.sell_qty * mult)) if pos.sell_qty else ZERO,
            "day_sell_value": _money(pos.sell_value),
        }

    def positions_payload(self) -> dict[str, list[dict[str, Any]]]:
        net = [self.record(p) for p in self.positions.values()]
        day = [self.record(p, day=True) for p in self.positions.values() if p.buy_qty or p.sell_qty]
        return {"net": net, "day": day}

    def holdings_payload(self) -> list[dict[str, Any]]:
        out = []
        for h in self.holdings.values():
            last, close = self.ltp(h.item.key), self.prev_close(h.item.key)
            change = last - close
            out.append({
                "tradingsymbol": h.item.tradingsymbol, "exchange": h.item.exchange, "instrument_token": h.item.token,
                "isin": h.isin, "product": "CNC", "price": 0, "quantity": h.quantity, "used_quantity": h.used_quantity,
                "t1_quantity": 0, "realised_quantity": h.quantity, "authorised_quantity": 0,
                "authorised_date": None, "authorisation": {}, "opening_quantity": h.quantity, "short_quantity": 0,
                "collateral_quantity": 0, "collateral_type": "", "discrepancy": False,
                "average_price": h.average_price, "last_price": last, "close_price": close,
                "pnl": _money((last - h.average_price) * h.quantity), "day_change": change,
                "day_change_percentage": _money(change * 100 / close) if close else ZERO,
                "mtf": {"quantity": 0, "used_quantity": 0, "average_price": 0, "value": 0, "initial_margin": 0},
            })
        return out


def _segment(item: Listed) -> str:
    return "commodity" if item.exchange == "MCX" else "equity"


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _price(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _move(src: Position, dst: Position, qty: int, buy: bool) -> None:
    if buy:
        price = src.buy_value / src.buy_qty if src.buy_qty else ZERO
        src.buy_qty, src.buy_value = src.buy_qty - qty, src.buy_value - price * qty
        dst.buy_qty, dst.buy_value = dst.buy_qty + qty, dst.buy_value + price * qty
    else:
        price = src.sell_value / src.sell_qty if src.sell_qty else ZERO
        src.sell_qty, src.sell_value = src.sell_qty - qty, src.sell_value - price * qty
        dst.sell_qty, dst.sell_value = dst.sell_qty + qty, dst.sell_value + price * qty

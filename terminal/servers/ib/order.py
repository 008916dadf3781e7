"""One IB order as the paper server holds it, and what placeOrder carries (read positionally at server version 157)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .contracts import Listed, Query
from .wire import Fields, Malformed

ZERO = Decimal(0)
DONE = frozenset({"Filled", "Cancelled", "ApiCancelled", "Inactive"})
TYPES = frozenset({"MKT", "LMT", "STP", "STP LMT", "TRAIL", "TRAIL LIMIT", "MOC", "LOC"})
TIFS = frozenset({"DAY", "GTC", "IOC", "GTD"})


@dataclass(slots=True)
class Placed:
    """The fields of a placeOrder request that the server acts on."""

    order_id: int
    query: Query
    action: str
    qty: Decimal
    order_type: str
    lmt: Decimal | None
    aux: Decimal | None
    tif: str
    oca_group: str
    account: str
    order_ref: str
    transmit: bool
    parent_id: int
    outside_rth: bool
    good_till: str
    oca_type: int
    trail_stop: Decimal | None
    trailing_pct: Decimal | None
    what_if: bool
    lmt_offset: Decimal | None = None


def read_place_order(f: Fields) -> Placed:
    order_id = f.int()
    query = Query.read(f)
    f.skip(2)  # secIdType, secId
    action = f.str().strip().upper()
    qty = f.decimal()
    order_type = f.str().strip().upper()
    lmt, aux = f.decimal(), f.decimal()
    tif = f.str().strip().upper() or "DAY"
    oca_group, account = f.str(), f.str()
    f.skip(2)  # openClose, origin
    order_ref = f.str()
    transmit = f.bool()
    parent_id = f.int()
    f.skip(4)  # blockOrder, sweepToFill, displaySize, triggerMethod
    outside_rth = f.bool()
    f.skip()  # hidden
    if query.sec_type == "BAG":
        raise Malformed("combo (BAG) orders are not supported")
    f.skip(3)  # deprecated, discretionaryAmt, goodAfterTime
    good_till = f.str()
    f.skip(3 + 1 + 1)  # faGroup, faMethod, faPercentage, faProfile (< 177), modelCode
    f.skip(3)  # shortSaleSlot, designatedLocation, exemptCode
    oca_type = f.int()
    f.skip(17)  # rule80A ... volatilityType
    dn_type = f.str()
    f.skip()  # deltaNeutralAuxPrice
    if dn_type:
        f.skip(8)
    f.skip(2)  # continuousUpdate, referencePriceType
    trail_stop, trailing_pct = f.decimal(), f.decimal()
    what_if = False
    lmt_offset = None
    try:
        f.skip(2)  # scaleInitLevelSize, scaleSubsLevelSize
        increment = f.decimal()
        if increment is not None and increment > 0:
            f.skip(7)
        f.skip(3)  # scaleTable, activeStartTime, activeStopTime
        if f.str():  # hedgeType
            f.skip()
        f.skip(4)  # optOutSmartRouting, clearingAccount, clearingIntent, notHeld
        if f.bool():
            f.skip(3)
        if f.str():  # algoStrategy
            f.skip(2 * f.int())
        f.skip()  # algoId
        what_if = f.bool()
        f.skip(4)  # orderMiscOptions, solicited, randomizeSize, randomizePrice
        if order_type in ("PEG BENCH", "PEGBENCH"):
            f.skip(5)
        if f.int():
            raise Malformed("order conditions are not supported")
        f.skip(2)  # adjustedOrderType, triggerPrice
        lmt_offset = f.decimal()
    except Malformed as exc:
        if "not supported" in str(exc):
            raise
    return Placed(order_id, query, action, qty if qty is not None else ZERO, order_type, lmt, aux, tif, oca_group,
                  account, order_ref, transmit, parent_id, outside_rth, good_till, oca_type, trail_stop, trailing_pct,
                  what_if, lmt_offset)


@dataclass(slots=True)
class Order:
    order_id: int
    client_id: int
    perm_id: int
    item: Listed
    action: str
    qty: Decimal
    order_type: str
    lmt: Decimal | None
    aux: Decimal | None
    tif: str
    oca_group: str
    oca_type: int
    order_ref: str
    transmit: bool
    parent_id: int
    outside_rth: bool
    good_till: str
    trail_stop: Decimal | None
    trailing_pct: Decimal | None
    lmt_offset: Decimal | None
    account: str
    status: str = "PendingSubmit"
    filled: Decimal = ZERO
    avg_price: Decimal = ZERO
    last_fill: Decimal = ZERO
    #: the engine order resting for it (LMT, or a triggered STP LMT), by client order id
    engine_cid: str | None = None
    #: a stop or trailing stop has triggered (it now works as MKT or LMT)
    triggered: bool = False
    #: its family has been transmitted (an order with transmit=1 arrived)
    released: bool = False
    cid_seq: int = 0
    #: when it ended (filled, cancelled, rejected), epoch ms
    done_ms: int = 0
    children: list[int] = field(default_factory=list)

    @property
    def buy(self) -> bool:
        return self.action == "BUY"

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.qty - self.filled)

    @property
    def done(self) -> bool:
        return self.status in DONE

    @property
    def key(self) -> tuple[int, int]:
        return (self.client_id, self.order_id)

    @property
    def stop_kind(self) -> bool:
        return self.order_type in ("STP", "STP LMT", "TRAIL", "TRAIL LIMIT")

    def working_limit(self) -> Decimal | None:
        """The limit it works at now (None: at market)."""
        if self.order_type in ("LMT", "STP LMT", "LOC"):
            return self.lmt
        if self.order_type == "TRAIL LIMIT":
            if self.lmt_offset is not None and self.trail_stop is not None:
                return self.trail_stop + (self.lmt_offset if self.buy else -self.lmt_offset)
            return self.lmt
        return None

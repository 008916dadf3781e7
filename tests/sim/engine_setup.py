"""Shared set-up for the matching engine tests: one BTCUSDT-like instrument, a simulated clock, recorders."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from terminal.clock import SimClock
from terminal.model import Instrument
from terminal.sim import Engine, Execution, Trade

D = Decimal
SYMBOL = "BTCUSDT"


def instrument(**changes: object) -> Instrument:
    spec: dict[str, object] = dict(symbol=SYMBOL, base_asset="BTC", quote_asset="USDT", tick_size=D("0.01"),
                                   step_size=D("0.00001"), min_qty=D("0.00001"), max_qty=D("9000"),
                                   min_notional=D("5"))
    spec.update(changes)
    return Instrument(**spec)  # type: ignore[arg-type]


@dataclass
class Recorder:
    executions: list[Execution] = field(default_factory=list)
    balances: list[tuple[str, dict[str, tuple[Decimal, Decimal]]]] = field(default_factory=list)
    trades: list[Trade] = field(default_factory=list)
    book: list[tuple[str, int, bool, Decimal, Decimal]] = field(default_factory=list)

    def attach(self, engine: Engine) -> "Recorder":
        engine.execution_listeners.append(self.executions.append)
        engine.balance_listeners.append(lambda a, b: self.balances.append((a, b)))
        engine.trade_listeners.append(self.trades.append)
        engine.book_listeners.append(lambda *args: self.book.append(args))
        return self


def make_engine(*, maker_fee: str = "0.001", taker_fee: str = "0.001", accounts: tuple[str, ...] = ("a", "b"),
                usdt: str = "1000000", btc: str = "100", **inst: object) -> tuple[Engine, SimClock]:
    clock = SimClock(1_700_000_000_000)
    engine = Engine([instrument(**inst)], clock, maker_fee=D(maker_fee), taker_fee=D(taker_fee))
    for name in accounts:
        engine.add_account(name, {"USDT": D(usdt), "BTC": D(btc)})
    return engine, clock

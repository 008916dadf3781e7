"""The Strategy base class: lifecycle callbacks over a narrow Context.

A strategy declares typed ``parameters`` and may check them together in ``check``; it registers indicators in
``on_start`` and trades in ``on_bar``. The same class runs in the backtester and, unchanged, under the live runner.

    class MyStrategy(Strategy):
        name = "my_strategy"
        parameters = {"window": Param(int, 20, minimum=2)}

        def on_start(self) -> None:
            self.mean = self.ctx.indicator(sma, self.p.window)

        def on_bar(self, bar) -> None:
            if self.ctx.position == 0 and bar.close < Decimal(str(self.mean[-1])):
                self.ctx.buy()
"""
from __future__ import annotations

from typing import Any, ClassVar, Mapping

from ..model import Fill, Order
from .context import Context
from .params import Param, ParamError, Params

__all__ = ["Strategy", "Param", "ParamError", "Params", "Context"]


class Strategy:
    #: Short identifier used by the CLI, the loader and the optimiser.
    name: ClassVar[str] = ""
    #: Declared parameters; values are checked on construction.
    parameters: ClassVar[dict[str, Param]] = {}

    def __init__(self, **params: Any) -> None:
        label = self.name or type(self).__name__
        self.p: Params = Params.build(self.parameters, params, owner=f"strategy {label!r}")
        self.check(self.p)
        self._ctx: Context | None = None

    @classmethod
    def validate(cls, params: Mapping[str, Any]) -> Params:
        """Coerce and check parameters without building a strategy; raises ParamError naming the problem."""
        p = Params.build(cls.parameters, params, owner=f"strategy {cls.name or cls.__name__!r}")
        cls.check(p)  # type: ignore[arg-type]
        return p

    @staticmethod
    def check(p: Params) -> None:
        """Cross-parameter checks (e.g. slow > fast). Raise ParamError with a message naming the problem."""

    @property
    def ctx(self) -> Context:
        if self._ctx is None:
            raise RuntimeError("the strategy is not running: no context yet")
        return self._ctx

    def bind(self, ctx: Context) -> None:
        self._ctx = ctx

    # ---- lifecycle ------------------------------------------------------------------------------------------
    def on_start(self) -> None:
        """Called once before the first bar: register indicators here."""

    def on_bar(self, bar: Any) -> None:
        """Called on every closed bar (a ``terminal.model.Bar`` or a Bar-like view in backtests)."""

    def on_trade(self, fill: Fill) -> None:
        """One of this strategy's orders (partly) filled."""

    def on_order(self, order: Order) -> None:
        """One of this strategy's orders changed status."""

    def on_stop(self) -> None:
        """Called once at the end (backtest finished, or the runner stopped)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.p.items())})"

"""Forms generated from a strategy's typed parameters: values for one run, or grids for an optimisation.

Values are typed as text and checked by the strategy's own ``Param`` declarations (``Strategy.validate``), so a
wrong type or an inconsistent pair (slow <= fast) comes back as the core's one-line ``ParamError`` message.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from ...backtest.optimize import parse_grid_spec
from ...strategy.base import Param, ParamError, Strategy


def _default_text(p: Param) -> str:
    return str(p.default)


class _StrategyForm(QWidget):
    """A form of one row per parameter of the chosen strategy."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.strategy: type[Strategy] | None = None
        self.fields: dict[str, Any] = {}

    def _reset(self, strategy: type[Strategy] | None) -> bool:
        """Remove every row and remember ``strategy``; False when there is none (nothing to build)."""
        while self.layout_.rowCount():
            self.layout_.removeRow(0)
        self.fields = {}
        self.strategy = strategy
        return strategy is not None


class ParamsForm(_StrategyForm):
    """One field per parameter: a check box for booleans, a list for choices, a text field otherwise."""

    def set_strategy(self, strategy: type[Strategy] | None) -> None:
        if not self._reset(strategy):
            return
        assert strategy is not None
        if not strategy.parameters:
            self.layout_.addRow(QLabel("This strategy has no parameters."))
        for name, p in strategy.parameters.items():
            w = self._field(name, p)
            w.setToolTip(p.help or f"{p.type.__name__}, default {p.default}")
            self.fields[name] = w
            self.layout_.addRow(name, w)

    def _field(self, name: str, p: Param) -> QWidget:
        if p.type is bool:
            box = QCheckBox()
            box.setChecked(bool(p.default))
            return box
        if p.choices:
            combo = QComboBox()
            for c in p.choices:
                combo.addItem(str(c), c)
            combo.setCurrentIndex(max(0, list(p.choices).index(p.default)) if p.default in p.choices else 0)
            return combo
        edit = QLineEdit(_default_text(p))
        edit.setPlaceholderText(_default_text(p))
        edit.setObjectName(f"param-{name}")
        return edit

    def raw(self) -> dict[str, Any]:
        """What the user typed (text, or a bool / choice value)."""
        out: dict[str, Any] = {}
        for name, w in self.fields.items():
            if isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, QComboBox):
                out[name] = w.currentData()
            elif isinstance(w, QLineEdit):
                out[name] = w.text().strip() or w.placeholderText()
        return out

    def values(self) -> dict[str, Any]:
        """Checked, typed values; raises ParamError with the core's message."""
        if self.strategy is None:
            raise ParamError("choose a strategy")
        return dict(self.strategy.validate(self.raw()))

    def set_values(self, values: dict[str, Any]) -> None:
        for name, v in values.items():
            w = self.fields.get(name)
            if isinstance(w, QCheckBox):
                w.setChecked(bool(v))
            elif isinstance(w, QComboBox):
                w.setCurrentIndex(max(0, w.findData(v)))
            elif isinstance(w, QLineEdit):
                w.setText(str(v))


class GridForm(_StrategyForm):
    """One field per numeric parameter: ``start:stop:step`` or ``a,b,c``; empty keeps the backtest's value."""

    def set_strategy(self, strategy: type[Strategy] | None) -> None:
        if not self._reset(strategy):
            return
        assert strategy is not None
        for name, p in strategy.parameters.items():
            edit = QLineEdit()
            edit.setObjectName(f"grid-{name}")
            if p.type is bool:
                edit.setPlaceholderText("true,false — or empty")
            elif p.type in (int, float):
                edit.setPlaceholderText("start:stop:step or a,b,c")
            else:
                edit.setPlaceholderText("a,b,c — or empty")
            edit.setToolTip(p.help or "empty: the value from the parameters form")
            self.fields[name] = edit
            self.layout_.addRow(name, edit)
        self.suggest()

    def suggest(self) -> None:
        """Fill a sensible grid around the defaults of integer parameters (the user edits it)."""
        if self.strategy is None:
            return
        for name, p in self.strategy.parameters.items():
            if p.type is int and isinstance(p.default, int) and p.default > 0:
                lo = max(int(p.minimum or 1), p.default // 2)
                hi = p.default * 2
                step = max(1, (hi - lo) // 5)
                self.fields[name].setText(f"{lo}:{hi}:{step}")

    def set_specs(self, specs: dict[str, str]) -> None:
        for name, w in self.fields.items():
            w.setText(specs.get(name, ""))

    def grid(self, fixed: dict[str, Any]) -> dict[str, list[Any]]:
        """The grid (name -> values as text); parameters left empty take ``fixed``'s value. Raises ValueError."""
        grid: dict[str, list[Any]] = {}
        for name, w in self.fields.items():
            spec = w.text().strip()
            if spec:
                _, values = parse_grid_spec(f"{name}={spec}")
                if not values:
                    raise ValueError(f"grid for {name!r} has no values")
                grid[name] = values
            elif name in fixed:
                grid[name] = [fixed[name]]
        if not any(len(v) > 1 for v in grid.values()):
            raise ValueError("give at least one parameter a range (start:stop:step) or a list (a,b,c)")
        return grid

    def varied(self) -> list[str]:
        return [n for n, w in self.fields.items() if w.text().strip()]

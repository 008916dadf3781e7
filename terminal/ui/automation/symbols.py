"""The symbol a strategy or a backtest trades: picked from the session's instruments, never typed.

Until the user picks one, the picker follows the chart's symbol (``follow``); a pick sticks."""
from __future__ import annotations

from typing import Iterable

from PySide6.QtWidgets import QComboBox, QWidget


class SymbolPicker(QComboBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(False)
        self.setToolTip("The session's instruments; until you pick one, the chart's symbol")
        self.picked = False  # the user chose a symbol: the chart no longer moves it
        self.activated.connect(self._on_activated)
        self.setPlaceholderText("connect a session")

    def _on_activated(self, _index: int) -> None:
        self.picked = True

    def symbols(self) -> list[str]:
        return [self.itemText(i) for i in range(self.count())]

    def fill_from(self, session: object) -> None:
        """List the session's instruments (once per session and instrument count: cheap to call often)."""
        instruments = getattr(session, "instruments", None) or {}
        key = (id(session), len(instruments))
        if key != getattr(self, "_filled", None):
            self._filled = key
            self.fill(instruments)

    def fill(self, symbols: Iterable[str]) -> None:
        """List ``symbols`` (sorted); the current choice stays when it is still listed, else the first."""
        wanted = sorted(symbols)
        if wanted == self.symbols():
            return
        current = self.currentText()
        self.blockSignals(True)
        self.clear()
        self.addItems(wanted)
        self.setCurrentIndex(self.findText(current) if current in wanted else (0 if wanted else -1))
        self.blockSignals(False)

    def follow(self, symbol: str | None) -> None:
        """Show the chart's ``symbol`` unless the user picked another one."""
        if symbol and not self.picked:
            i = self.findText(symbol)
            if i >= 0 and i != self.currentIndex():
                self.setCurrentIndex(i)

    def choose(self, symbol: str) -> None:
        """Pick ``symbol`` (by program, as a user would); ValueError when the session does not list it."""
        i = self.findText(symbol.strip().upper())
        if i < 0:
            raise ValueError(f"unknown symbol {symbol!r} on this venue")
        self.setCurrentIndex(i)
        self.picked = True

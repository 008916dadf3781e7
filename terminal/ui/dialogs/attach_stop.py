"""'Attach stop-loss…' from the positions blotter: a small non-modal form (stop price, an optional take-profit) that
calls ``attach_stop`` for the position's symbol. A refusal ("stop_price: 99500 must be below the market price …") is
shown in the form, which stays open; a placed group closes it and says who holds it."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Awaitable, Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget
from qasync import asyncSlot

from .. import theme

Attach = Callable[..., Awaitable[Any]]  # (key, stop_price, take_profit) -> the group


class AttachStopForm(QDialog):
    def __init__(self, key: str, quantity: str, last: str, attach: Attach, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Attach stop-loss — {key}")
        self.setModal(False)
        self.key = key
        self._attach = attach
        self.group: Any = None
        form = QFormLayout(self)
        form.addRow(QLabel(f"Protect the position of {quantity} {key}" + (f" (last {last})" if last else ""), self))
        self.stop_edit = QLineEdit(self)
        self.stop_edit.setPlaceholderText("price that sells (or buys back) at market")
        self.tp_edit = QLineEdit(self)
        self.tp_edit.setPlaceholderText("optional: a limit order at this price")
        form.addRow("Stop price", self.stop_edit)
        form.addRow("Take-profit", self.tp_edit)
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        theme.style(self.error, "down")
        form.addRow(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Attach")
        self.buttons.accepted.connect(self._on_attach)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    @staticmethod
    def _number(text: str, name: str) -> Decimal | None:
        text = text.strip().replace(",", "")
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{name}: {text!r} is not a number") from None
        if not value.is_finite() or value <= 0:
            raise ValueError(f"{name}: {text!r} is not a positive price")
        return value

    @asyncSlot()
    async def _on_attach(self) -> None:
        await self.attach()

    async def attach(self) -> Any:
        """Send it; None (and the reason in the form) if it was refused."""
        try:
            stop = self._number(self.stop_edit.text(), "stop price")
            tp = self._number(self.tp_edit.text(), "take-profit")
            if stop is None:
                raise ValueError("stop price: required")
        except ValueError as exc:
            self.error.setText(str(exc))
            return None
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        try:
            self.group = await self._attach(self.key, stop, tp)
        except Exception as exc:  # noqa: BLE001 - refusals are said in the form, which stays open
            self.error.setText(getattr(exc, "message", None) or str(exc))
            return None
        finally:
            ok.setEnabled(True)
        self.accept()
        return self.group

"""File > Add venue…: pick a provider from the registry and one of its environments, to connect next to the window's
venues. Non-modal (``run_dialog(modal=False)``): the window keeps trading while it is open. Live environments are
not offered here (they need the confirmation ``connect(..., confirm_live=True)`` asks for)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget

from ...venues import registry
from .. import theme


@dataclass(frozen=True)
class VenueChoice:
    provider: str
    env: str
    options: dict[str, Any] = field(default_factory=dict)


class AddVenueDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, present: tuple[str, ...] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add venue")
        self.provider = QComboBox(self)
        for name in registry.names():
            info = registry.info(name)
            if any(not e.live for e in info.environments):
                self.provider.addItem(f"{info.title} ({name})", name)
        self.env = QComboBox(self)
        self.always_open = QCheckBox("Ignore market hours (demo: the simulated exchange is always open)", self)
        self.note = QLabel("", self)
        self.note.setWordWrap(True)
        theme.style(self.note, "muted")
        self.present = present
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Connect")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Provider", self.provider)
        form.addRow("Environment", self.env)
        form.addRow("", self.always_open)
        form.addRow(self.note)
        form.addRow(self.buttons)
        self.provider.currentIndexChanged.connect(self._on_provider)
        wanted = next((i for i in range(self.provider.count()) if self.provider.itemData(i) not in present), 0)
        self.provider.setCurrentIndex(wanted)
        self._on_provider()

    def _on_provider(self, *_: object) -> None:
        name = self.provider.currentData()
        if name is None:
            return
        info = registry.info(name)
        self.env.clear()
        for e in info.environments:
            if not e.live:
                self.env.addItem(e.label, e.name)
        default = registry.default_environment(info)
        self.env.setCurrentIndex(max(0, self.env.findData(default)))
        self.always_open.setVisible(info.capabilities.market_hours)
        self.always_open.setChecked(info.capabilities.market_hours)
        taken = name in self.present
        self.note.setText(f"{name} is already connected in this window." if taken else
                          "Its instruments join the watchlist's choices as SYMBOL@" + name + ".")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not taken)

    def choice(self) -> VenueChoice:
        name = self.provider.currentData()
        options: dict[str, Any] = {}
        if not self.always_open.isHidden() and self.always_open.isChecked():
            options["always_open"] = True
        return VenueChoice(name, self.env.currentData(), options)

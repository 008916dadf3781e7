"""File > Add venue… (and File > Connect to Interactive Brokers…, Connect to Kite…): pick a provider from the
registry, one of its environments and the options it takes (IB: host, port, client id), to connect next to the
window's venues. Non-modal (``run_dialog(modal=False)``): the window keeps trading while it is open. A live
environment is offered in red and asked again by the window before connecting (``confirm_live``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QWidget)

from ...venues import registry
from ...venues.ports import AdapterInfo, ConnectOption
from .. import theme


@dataclass(frozen=True)
class VenueChoice:
    provider: str
    env: str
    options: dict[str, Any] = field(default_factory=dict)
    live: bool = False


class AddVenueDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, present: tuple[str, ...] = (), provider: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add venue")
        self.setMinimumWidth(460)
        self.provider = QComboBox(self)
        for name in registry.names():
            info = registry.info(name)
            self.provider.addItem(f"{info.title} ({name})", name)
        self.env = QComboBox(self)
        self.always_open = QCheckBox("Ignore market hours (demo: the simulated exchange is always open)", self)
        self.note = QLabel("", self)
        self.note.setWordWrap(True)
        theme.style(self.note, "muted")
        self.live_note = QLabel("LIVE: real money. You will be asked again before connecting.", self)
        self.live_note.setWordWrap(True)
        self.live_note.setStyleSheet("color: #e5534b; font-weight: 600;")
        self.error = QLabel("", self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.present = present
        #: the option fields of the chosen provider, by option name
        self.fields: dict[str, tuple[ConnectOption, QLineEdit]] = {}
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Connect")
        self.buttons.accepted.connect(self._on_accept)
        self.buttons.rejected.connect(self.reject)
        self.form = QFormLayout(self)
        self.form.addRow("Provider", self.provider)
        self.form.addRow("Environment", self.env)
        self.form.addRow("", self.always_open)
        self._options_at = self.form.rowCount()
        self.form.addRow(self.live_note)
        self.form.addRow(self.note)
        self.form.addRow(self.error)
        self.form.addRow(self.buttons)
        self.provider.currentIndexChanged.connect(self._on_provider)
        self.env.currentIndexChanged.connect(self._on_env)
        wanted = self.provider.findData(provider) if provider else -1
        if wanted < 0:
            wanted = next((i for i in range(self.provider.count()) if self.provider.itemData(i) not in present), 0)
        self.provider.setCurrentIndex(wanted)
        self._on_provider()

    def info(self) -> AdapterInfo:
        return registry.info(self.provider.currentData())

    def _on_provider(self, *_: object) -> None:
        name = self.provider.currentData()
        if name is None:
            return
        info = registry.info(name)
        self.env.blockSignals(True)
        self.env.clear()
        for e in info.environments:
            self.env.addItem(f"{e.label} — LIVE" if e.live else e.label, e.name)
        default = registry.default_environment(info) if any(e.default and not e.live for e in info.environments) \
            else next(e.name for e in info.environments if not e.live) if any(not e.live for e in info.environments) \
            else info.environments[0].name
        self.env.setCurrentIndex(max(0, self.env.findData(default)))
        self.env.blockSignals(False)
        taken = name in self.present
        self.note.setText(f"{name} is already connected in this window." if taken else
                          "Its instruments join the watchlist's choices as SYMBOL@" + name + ".")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not taken)
        self._on_env()

    def _on_env(self, *_: object) -> None:
        info = self.info()
        env_name = self.env.currentData()
        if env_name is None:
            return
        env = info.environment(env_name)
        embedded = env.in_process
        self.always_open.setVisible(info.capabilities.market_hours and embedded)
        self.always_open.setChecked(info.capabilities.market_hours and embedded)
        self.live_note.setVisible(env.live)
        self.error.setText("")
        for _, edit in self.fields.values():
            self.form.removeRow(edit)
        self.fields.clear()
        row = self._options_at
        for opt in info.options:
            if not opt.applies_to(env_name):
                continue
            edit = QLineEdit(self)
            edit.setText(opt.default)
            edit.setPlaceholderText(opt.default)
            edit.setObjectName(f"option_{opt.name}")
            if opt.help:
                edit.setToolTip(opt.help)
            if opt.kind == "int":
                edit.setValidator(QIntValidator(0, 2_000_000_000, edit))
            self.form.insertRow(row, opt.label, edit)
            row += 1
            self.fields[opt.name] = (opt, edit)

    def _on_accept(self) -> None:
        try:
            self.choice()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.accept()

    def choice(self) -> VenueChoice:
        """What to connect; ValueError naming the option when one is not valid."""
        name = self.provider.currentData()
        env = self.info().environment(self.env.currentData())
        options: dict[str, Any] = {}
        if not self.always_open.isHidden() and self.always_open.isChecked():
            options["always_open"] = True
        for opt_name, (opt, edit) in self.fields.items():
            options[opt_name] = opt.parse(edit.text())
        return VenueChoice(name, env.name, options, live=env.live)

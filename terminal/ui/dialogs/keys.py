"""API keys per provider and environment, as each adapter's ``CredentialSpec`` declares them: entered masked,
stored only through ``terminal.storage.secrets`` (the keyring).

The fields' labels come from the spec. When the spec's environment variables supply the credentials
(``BINANCE_API_KEY``/``BINANCE_SECRET_KEY``), the page says "from environment": they are used for this run and never
stored (``connect`` prefers them to the keyring). Every other provider of the registry gets a tab generated from its
spec: "needs no credentials" (paper), or its fields and the environment variables that supply them.

Without a secure keyring backend the dialog says so plainly, disables saving, and trading stays disabled on that
environment. Nothing is ever written to a settings file or a log. Keyring calls run off the GUI thread.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any, Callable
from urllib.parse import urlparse

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QTabWidget, QVBoxLayout, QWidget)
from qasync import asyncSlot

from ...model import Environment
from .. import theme
from ...storage import secrets
from ...storage.secrets import Credentials, KeyType, SecretsUnavailable
from ...venues.ports import AdapterInfo, AuthError, CredentialSpec, RateLimited, Rejected, TemporaryError
from ...venues import registry
from .pick import pick_file

log = logging.getLogger(__name__)


NO_KEYRING = ("<b>No secure keyring</b>: API keys cannot be stored here, so trading is disabled on TESTNET and "
              "LIVE (market data still works). To fix it, install gnome-keyring and run a Secret Service "
              "(or use KWallet), unlock it, then open this dialog again. Keys are never written to a plain file.")


def mask(text: str) -> str:
    return (text[:4] + "…" + text[-2:]) if len(text) > 10 else "****"


def host_of(url: str) -> str:
    """``testnet.binance.vision`` for its REST URL; host:port when a port is given (a local server)."""
    parts = urlparse(url)
    return parts.netloc or url


def describe_failure(exc: BaseException, host: str) -> str:
    """A failed connection test in words (never an exception's class name alone, never a key)."""
    text = str(getattr(exc, "message", "") or exc)
    if isinstance(exc, SecretsUnavailable):
        return str(exc)
    if isinstance(exc, RateLimited):
        return f"{host} is limiting requests: try again in {max(1, round(exc.retry_after_s))} s"
    if isinstance(exc, AuthError):
        return f"{host} refused the keys: {text}"
    if isinstance(exc, Rejected):
        return f"{host} refused the request: {text}"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)) or "timed out" in text:
        return f"{host} did not answer in time: the network is slow or {host} is down"
    if isinstance(exc, socket.gaierror):
        return f"cannot reach {host}: no network (its name does not resolve)"
    if isinstance(exc, ConnectionRefusedError):
        return f"cannot reach {host}: the connection was refused (nothing is listening there)"
    if isinstance(exc, (TemporaryError, OSError)):
        return f"cannot reach {host}: no network, or {host} is down"
    return f"unexpected failure ({type(exc).__name__}): {text}"


def from_environment_text(spec: CredentialSpec) -> str:
    """"from environment (A, B): …" when the spec's variables supply the credentials for this run, else ""."""
    if spec.from_environment(os.environ) is None:
        return ""
    names = ", ".join(f.env_var for f in spec.fields if f.env_var and os.environ.get(f.env_var))
    return f"from environment ({names}): used for this run only, never stored"


def _env_hint(spec: CredentialSpec) -> str:
    names = [f.env_var for f in spec.fields if f.env_var]
    return f"or set {' and '.join(names)} for one run (never stored)" if names else ""


async def _off_thread(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


class EnvironmentKeys(QWidget):
    """One environment's page."""

    changed = Signal(str)  # environment value

    def __init__(self, env: Environment, available: bool, why: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = env
        self.available = available
        self.tester: Callable[[Environment, Credentials], Any] | None = None
        #: the server a test connects to (named in a failure); a test may point it elsewhere
        adapter = registry.info(registry.DEFAULT)
        self.url = adapter.environment(env.value).address  # "" for the sandbox
        self.spec = adapter.credentials
        fields = {f.name: f for f in self.spec.fields}
        self.kind = QComboBox(self)
        self.kind.addItem("HMAC (API key + secret)", KeyType.HMAC)
        self.kind.addItem("Ed25519 (API key + private key)", KeyType.ED25519)
        self.api_key = QLineEdit(self)
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("API key")
        self.secret = QLineEdit(self)
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText("Secret key, or load an Ed25519 private key (PEM)")
        self.pem_button = QPushButton("Load PEM…", self)
        self.pem_button.clicked.connect(self._on_load_pem)
        self._pem: str | None = None
        self.stored = QLabel("", self)
        self.stored.setObjectName("muted")
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.save_button = QPushButton("Save to keyring", self)
        self.delete_button = QPushButton("Delete", self)
        self.test_button = QPushButton("Test connection", self)
        self.retry_button = QPushButton("Retry", self)
        self.retry_button.setToolTip("Test the connection again")
        self.retry_button.hide()  # shown after a failed test
        self.retry_button.clicked.connect(self._on_test)
        self.save_button.clicked.connect(self._on_save)
        self.delete_button.clicked.connect(self._on_delete)
        self.test_button.clicked.connect(self._on_test)
        self.from_env = QLabel("", self)  # "from environment (…)" when the variables supply the keys
        self.from_env.setWordWrap(True)
        self.from_env.hide()
        form = QFormLayout()
        form.addRow("Key type", self.kind)
        self.field_labels: dict[str, str] = {}
        for name, edit in (("api_key", self.api_key), ("api_secret", self.secret)):
            spec_field = fields.get(name)
            label = spec_field.label if spec_field is not None else name
            self.field_labels[name] = label
            if spec_field is not None and spec_field.env_var:
                edit.setToolTip(f"{label}; {spec_field.env_var} supplies it for one run instead (never stored)")
        self.api_key.setPlaceholderText(self.field_labels["api_key"])
        form.addRow(self.field_labels["api_key"].split(" (")[0], self.api_key)
        sec = QHBoxLayout()
        sec.addWidget(self.secret, 1)
        sec.addWidget(self.pem_button)
        form.addRow(self.field_labels["api_secret"].split(" (")[0], sec)
        form.addRow("Stored", self.stored)
        form.addRow("", self.from_env)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.test_button)
        lay = QVBoxLayout(self)
        if env is Environment.LIVE:
            warn = QLabel("LIVE keys trade real money. Give them no withdrawal permission and restrict them to your IP.")
            warn.setObjectName("fieldError")
            warn.setWordWrap(True)
            lay.addWidget(warn)
        lay.addLayout(form)
        lay.addLayout(buttons)
        lay.addWidget(self.message)
        lay.addStretch(1)
        if not available:  # the dialog's banner says why, once; the page only looks (and is) disabled
            for w in (self.kind, self.api_key, self.secret, self.pem_button, self.save_button, self.delete_button,
                      self.test_button):
                w.setEnabled(False)
            self.stored.setText("unavailable")

    def credentials(self) -> Credentials:
        secret = self._pem or self.secret.text().strip()
        kind = self.kind.currentData()
        if secret and "PRIVATE KEY" in secret:
            kind = KeyType.ED25519
        return Credentials(self.api_key.text().strip(), secret, kind)

    async def load(self) -> None:
        env_text = from_environment_text(self.spec) if self.env is not Environment.SANDBOX else ""
        self.from_env.setText(env_text)
        self.from_env.setVisible(bool(env_text))
        if not self.available:
            return
        try:
            creds = await _off_thread(secrets.load_credentials, self.env)
        except SecretsUnavailable as exc:
            self.message.setText(str(exc))
            return
        if creds is None:
            self.stored.setText("no keys stored")
        else:
            self.stored.setText(f"{mask(creds.api_key)} ({creds.key_type.value}) — secret stored, not shown")

    @asyncSlot()
    async def _on_load_pem(self) -> None:
        path = await pick_file(self, "Ed25519 private key", "", "PEM (*.pem);;All files (*)")
        if path:
            await self._load_pem_file(path)

    @asyncSlot(str)
    async def _load_pem_file(self, path: str) -> None:
        try:
            text = await _off_thread(lambda: open(path, encoding="ascii").read())
        except (OSError, UnicodeDecodeError) as exc:
            self.message.setText(f"cannot read the key file: {type(exc).__name__}")
            return
        if "PRIVATE KEY" not in text:
            self.message.setText("that file is not a PEM private key")
            return
        self._pem = text
        self.kind.setCurrentIndex(1)
        self.secret.setText("•" * 16)
        self.secret.setEnabled(False)
        self.message.setText("Private key loaded (not shown).")

    @asyncSlot()
    async def _on_save(self) -> None:
        await self.save()

    async def save(self) -> bool:
        try:
            creds = self.credentials()
        except ValueError as exc:
            self.message.setText(str(exc))
            return False
        try:
            await _off_thread(secrets.save_credentials, self.env, creds)
        except SecretsUnavailable as exc:
            self.message.setText(str(exc))
            return False
        log.info("saved %s API keys to the keyring (%s)", self.env.value, mask(creds.api_key))
        self.api_key.clear()
        self.secret.clear()
        self.secret.setEnabled(True)
        self._pem = None
        self.message.setText("Saved to the keyring.")
        await self.load()
        self.changed.emit(self.env.value)
        return True

    @asyncSlot()
    async def _on_delete(self) -> None:
        try:
            gone = await _off_thread(secrets.delete_credentials, self.env)
        except SecretsUnavailable as exc:
            self.message.setText(str(exc))
            return
        self.message.setText("Deleted." if gone else "There were no keys to delete.")
        await self.load()
        self.changed.emit(self.env.value)

    @asyncSlot()
    async def _on_test(self) -> None:
        await self.test()

    async def test(self) -> bool:
        try:
            creds = self.credentials() if self.api_key.text().strip() else \
                await _off_thread(secrets.load_credentials, self.env)
        except (ValueError, SecretsUnavailable) as exc:
            self.message.setText(str(exc))
            return False
        if creds is None:
            self.message.setText("Enter or save keys first.")
            return False
        if self.tester is None:
            self.message.setText("No connection tester available.")
            return False
        self.message.setText(f"Testing… (connecting to {host_of(self.url)})" if self.url else "Testing…")
        self.test_button.setEnabled(False)
        self.retry_button.setEnabled(False)
        try:
            result = await self.tester(self.env, creds)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the message names the problem in words; never the key
            log.info("%s connection test failed: %s", self.env.value, type(exc).__name__)
            self.message.setText(f"Failed: {describe_failure(exc, host_of(self.url) or self.env.value)}")
            self.retry_button.show()
            return False
        finally:
            self.test_button.setEnabled(True)
            self.retry_button.setEnabled(True)
        self.retry_button.hide()
        self.message.setText(f"OK: {result}")
        return True


async def test_credentials(env: Environment, creds: Credentials, url: str | None = None) -> str:
    """Connect with ``creds``, read the account, disconnect. Returns a short summary. ``url``: another server
    speaking the venue's protocol instead of the environment's own (a local one)."""
    from ... import session as session_mod

    if url:
        s = await session_mod.connect(Environment.SANDBOX, credentials=creds, sandbox_url=url)
    else:
        s = await session_mod.connect(env, credentials=creds, confirm_live=True)
    try:
        if not s.has_keys:
            raise RuntimeError(s.keys_problem or "the keys were not accepted")
        balances = await s.refresh_balances()
        return f"keys accepted, {len(balances)} assets"
    finally:
        await s.close()


class KeysDialog(QDialog):
    keys_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None, current: Environment | None = None,
                 key_warnings: dict[str, list[str]] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("API keys")
        self.setMinimumWidth(560)
        ok, why = secrets.available()
        self.available, self.why = ok, why
        self.banner = QLabel(why if ok else NO_KEYRING, self)
        self.banner.setWordWrap(True)
        self.banner.setObjectName("muted" if ok else "fieldError")
        if not ok:
            self.banner.setToolTip(why)  # the keyring library's own words, for a bug report
        self.tabs = QTabWidget(self)
        self.pages: dict[Environment, EnvironmentKeys] = {}
        self.tab_of: dict[Environment, QWidget] = {}
        sandbox = QLabel("The sandbox exchange runs inside the terminal and uses its built-in test keys: "
                         "nothing to enter here.", self)
        sandbox.setWordWrap(True)
        sandbox.setAlignment(Qt.AlignmentFlag.AlignTop)
        sandbox.setContentsMargins(8, 8, 8, 8)
        self.tabs.addTab(sandbox, "SANDBOX")
        self.tab_of[Environment.SANDBOX] = sandbox
        for env in (Environment.TESTNET, Environment.LIVE):
            page = EnvironmentKeys(env, ok, why, self)
            page.tester = test_credentials
            page.changed.connect(self.keys_changed)
            self.pages[env] = page
            self.tab_of[env] = page
            self.tabs.addTab(page, env.name)
        self.provider_pages: dict[str, ProviderCredentials] = {}
        for name in registry.names():  # every other provider, from its CredentialSpec
            if name != registry.DEFAULT:
                provider_page = ProviderCredentials(registry.info(name), self, ok)
                provider_page.changed.connect(self.keys_changed)
                self.provider_pages[name] = provider_page
                self.tabs.addTab(provider_page, name.upper())
        if current in self.tab_of:
            self.tabs.setCurrentWidget(self.tab_of[current])  # type: ignore[index]
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        theme.style(self)
        #: key hygiene: what each connected venue said of the key in use (Session.key_warnings), in red
        said = [f"• {venue}: {text}" for venue, texts in (key_warnings or {}).items() for text in texts]
        self.key_warnings = QLabel("What the exchange says of the key in use — change it there (API management), "
                                   "then File > Reconnect:\n" + "\n".join(said), self)
        self.key_warnings.setObjectName("fieldError")
        self.key_warnings.setWordWrap(True)
        self.key_warnings.setVisible(bool(said))
        lay = QVBoxLayout(self)
        lay.addWidget(self.banner)
        lay.addWidget(self.key_warnings)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(buttons)

    async def load(self) -> None:
        for page in self.pages.values():
            await page.load()
        for provider_page in self.provider_pages.values():
            provider_page.load()
            await provider_page.load_stored()


class ProviderCredentials(QWidget):
    """A provider's credentials as its ``CredentialSpec`` declares them: its fields (secret ones masked) with the
    environment variables that supply them, "from environment" when they do, or "needs no credentials". The fields
    are saved to (and deleted from) the keyring per environment (``secrets.save_fields``), off the GUI thread."""

    changed = Signal(str)  # provider name

    def __init__(self, adapter: AdapterInfo, parent: QWidget | None = None, available: bool = True) -> None:
        super().__init__(parent)
        self.adapter = adapter
        self.available = available
        spec = adapter.credentials
        lay = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.edits: dict[str, QLineEdit] = {}
        self.environment = QComboBox(self)  # the environments that take credentials
        for env in adapter.environments:
            if env.needs_credentials:
                self.environment.addItem(env.label + (" (LIVE)" if env.live else ""), env.name)
        self.environment.currentIndexChanged.connect(self._on_environment)
        self.stored = QLabel("", self)
        self.stored.setObjectName("muted")
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.save_button = QPushButton("Save to keyring", self)
        self.delete_button = QPushButton("Delete", self)
        self.save_button.clicked.connect(self._on_save)
        self.delete_button.clicked.connect(self._on_delete)
        if spec.fields:
            form = QFormLayout()
            if self.environment.count():
                form.addRow("Environment", self.environment)
            for f in spec.fields:
                edit = QLineEdit(self)
                edit.setEchoMode(QLineEdit.EchoMode.Password if f.secret else QLineEdit.EchoMode.Normal)
                edit.setPlaceholderText(f"from {f.env_var}" if f.env_var else f.label)
                form.addRow(f.label + (" (optional)" if f.optional else ""), edit)
                self.edits[f.name] = edit
            form.addRow("Stored", self.stored)
            lay.addLayout(form)
        self.from_env = QLabel("", self)
        self.from_env.setWordWrap(True)
        lay.addWidget(self.from_env)
        if spec.fields and self.environment.count():
            buttons = QHBoxLayout()
            buttons.addWidget(self.save_button)
            buttons.addWidget(self.delete_button)
            buttons.addStretch(1)
            lay.addLayout(buttons)
            lay.addWidget(self.message)
        else:
            for w in (self.environment, self.save_button, self.delete_button, self.stored, self.message):
                w.hide()
        if not available:
            for w in (self.environment, self.save_button, self.delete_button):
                w.setEnabled(False)
            self.stored.setText("unavailable")
        lay.addStretch(1)
        self.load()

    def env_name(self) -> str:
        return str(self.environment.currentData() or "")

    def load(self) -> None:
        spec, title = self.adapter.credentials, self.adapter.title
        envs = ", ".join(e.name for e in self.adapter.environments)
        if not spec.fields:
            self.summary.setText(f"{title} ({envs}) needs no credentials.")
            return
        self.summary.setText(f"{title} ({envs}) takes {', '.join(f.label for f in spec.fields)}: {_env_hint(spec)}.")
        text = from_environment_text(spec)
        self.from_env.setText(text or "not set in the environment")
        for f in spec.fields:
            supplied = bool(f.env_var and os.environ.get(f.env_var))
            value = os.environ.get(f.env_var or "", "") if supplied else ""
            edit = self.edits[f.name]
            if value:  # shown masked, read-only: the environment supplies it for this run (never stored)
                edit.setText("•" * 8 if f.secret else mask(value))  # never in full
                edit.setReadOnly(True)
            elif edit.isReadOnly():
                edit.clear()
                edit.setReadOnly(not self.available)
            else:
                edit.setReadOnly(not self.available)

    async def load_stored(self) -> None:
        """What the keyring holds for the chosen environment (the non-secret fields masked, secrets not shown)."""
        env = self.env_name()
        if not self.adapter.credentials.fields or not env or not self.available:
            return
        try:
            values = await _off_thread(secrets.load_fields, self.adapter.name, env)
        except SecretsUnavailable as exc:
            self.message.setText(str(exc))
            return
        if not values:
            self.stored.setText("nothing stored")
            return
        shown = [mask(values[f.name]) for f in self.adapter.credentials.fields if not f.secret and f.name in values]
        self.stored.setText(f"{', '.join(shown) or 'stored'} — secrets stored, not shown")

    def values(self) -> dict[str, str]:
        """The typed fields; ValueError naming a required one left empty."""
        out: dict[str, str] = {}
        for f in self.adapter.credentials.fields:
            edit = self.edits[f.name]
            text = "" if edit.isReadOnly() else edit.text().strip()
            if text:
                out[f.name] = text
            elif not f.optional:
                raise ValueError(f"{f.label} is required")
        return out

    @asyncSlot()
    async def _on_environment(self) -> None:
        self.message.setText("")
        await self.load_stored()

    @asyncSlot()
    async def _on_save(self) -> None:
        await self.save()

    async def save(self) -> bool:
        env = self.env_name()
        try:
            values = self.values()
            await _off_thread(secrets.save_fields, self.adapter.name, env, values)
        except (ValueError, SecretsUnavailable) as exc:
            self.message.setText(str(exc))
            return False
        log.info("saved %s %s credentials to the keyring", self.adapter.name, env)
        for edit in self.edits.values():
            if not edit.isReadOnly():
                edit.clear()
        self.message.setText("Saved to the keyring.")
        await self.load_stored()
        self.changed.emit(self.adapter.name)
        return True

    @asyncSlot()
    async def _on_delete(self) -> None:
        await self.delete()

    async def delete(self) -> bool:
        try:
            gone = await _off_thread(secrets.delete_fields, self.adapter.name, self.env_name())
        except SecretsUnavailable as exc:
            self.message.setText(str(exc))
            return False
        self.message.setText("Deleted." if gone else "There was nothing to delete.")
        await self.load_stored()
        self.changed.emit(self.adapter.name)
        return gone

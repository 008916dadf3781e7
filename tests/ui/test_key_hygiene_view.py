"""Key hygiene in the window: a key that can withdraw is said in red in the status bar and in the keys dialog."""
from __future__ import annotations

import secrets

import pytest

import terminal

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def _key(server) -> tuple[str, str]:
    key, secret = "k" + secrets.token_hex(31), secrets.token_hex(32)
    server.create_account(key, secret, {"USDT": "1000"})
    return key, secret


def test_the_window_says_a_risky_key_in_red_in_the_status_bar_and_the_keys_dialog(qtbot, qloop, tmp_path,
                                                                                   fresh_sandbox) -> None:
    """A window on a sandbox whose key can withdraw: the status bar's red label and the keys dialog say so."""
    from terminal.ui.mainwindow import MainWindow

    key, secret = _key(fresh_sandbox)
    fresh_sandbox.set_key_restrictions(key, enableWithdrawals=True)
    w = MainWindow(tmp_path)
    w.resize(1280, 720)
    w.show()
    try:
        assert qloop.run(w.start_session(lambda: terminal.connect(
            "binance", env="sandbox", sandbox_url=fresh_sandbox.url, api_key=key, api_secret=secret,
            data_dir=tmp_path)), 30)
        label = w.status.key_label
        qtbot.waitUntil(label.isVisible, timeout=5000)
        assert label.text() == "⚠ binance API key can withdraw" and "WITHDRAW" in label.toolTip()
        assert label.objectName() == "connBad"
        w.show_keys()
        dlg = w._keys_dialog
        assert dlg.key_warnings.isVisible() and "binance: this key can WITHDRAW" in dlg.key_warnings.text()
        dlg.close()
    finally:
        qloop.run(w.shutdown(), 20)
        w.close()
        w.deleteLater()


def test_choosing_an_environment_and_changing_keys_are_in_the_audit_trail_without_the_keys(qtbot, window):
    w = window
    w.env_actions[terminal.model.Environment.TESTNET].trigger()
    audit = w.link.session.audit
    qtbot.waitUntil(lambda: any(r.action == "environment.chosen" for r in audit.records()), timeout=5000)
    w._on_keys_changed("testnet")
    rec = [r for r in audit.records() if r.action in ("environment.chosen", "keys.changed")]
    assert [r.action for r in rec] == ["environment.chosen", "keys.changed"]
    assert rec[0].details == {"environment": "testnet", "takes_effect": "next start"} and rec[0].actor == "user"
    assert rec[1].details == {"keys": "testnet"}

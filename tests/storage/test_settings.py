"""Settings: typed JSON in the user config dir, tolerant of corruption, never holding secrets."""
from __future__ import annotations

import json

from terminal.storage import settings as st


def test_round_trip_in_xdg_config_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    s = st.Settings(watchlist=["BTCUSDT"], theme="light", max_order_notional="250", ui={"geometry": "abc"})
    path = st.save(s)
    assert path == tmp_path / "trading-terminal" / "settings.json"
    assert st.load() == s


def test_defaults_without_file_and_default_dir_under_dot_config(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert st.config_dir() == tmp_path / ".config" / "trading-terminal"
    assert st.load() == st.Settings()


def test_corrupt_file_gives_defaults_and_is_moved_aside(tmp_path):
    (tmp_path / "settings.json").write_text("{not json", encoding="utf-8")
    assert st.load(tmp_path) == st.Settings()
    assert (tmp_path / "settings.json.corrupt").exists()


def test_badly_typed_fields_fall_back_individually(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps(
        {"theme": 3, "watchlist": "BTCUSDT", "confirm_orders": False, "unknown": 1}), encoding="utf-8")
    s = st.load(tmp_path)
    assert s.theme == "dark" and s.watchlist == ["BTCUSDT", "ETHUSDT"] and s.confirm_orders is False


def test_settings_never_contain_secrets(tmp_path):
    s = st.Settings(ui={"api_key": "AAA", "secret": "BBB", "nested": {"private_key": "CCC", "width": 3}})
    st.save(s, tmp_path)
    text = (tmp_path / "settings.json").read_text()
    assert "AAA" not in text and "BBB" not in text and "CCC" not in text and '"width": 3' in text
    (tmp_path / "settings.json").write_text(json.dumps({"api_secret": "DDD", "ui": {"apiKey": "EEE"}}))
    loaded = st.load(tmp_path)
    assert "DDD" not in json.dumps(loaded.to_dict()) and "EEE" not in json.dumps(loaded.to_dict())
    field_names = {f for f in st.Settings.__dataclass_fields__}
    assert not any(word in name for name in field_names for word in ("secret", "api_key", "password", "private"))

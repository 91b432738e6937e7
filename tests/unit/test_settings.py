from pathlib import Path

import pytest

from tocsin.settings import SETTINGS, Settings, SettingsError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_every_setting_is_documented():
    text = DOCS.read_text("utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in text]
    assert not missing, f"settings missing from docs/settings.md: {missing}"


def test_every_setting_has_help():
    assert all(len(s.help) > 20 for s in SETTINGS)


def test_precedence_explicit_then_env_then_default():
    s = Settings(env={"TOCSIN_DB": "/env.db", "TOCSIN_PORT": "9000"}, db="/explicit.db")
    assert (s.db, s.port, s.host) == ("/explicit.db", 9000, "127.0.0.1")


@pytest.mark.parametrize("env", [{"TOCSIN_PORT": "eighty"}, {"TOCSIN_MAX_BATCH_ITEMS": "0"}])
def test_bad_values_name_the_setting(env):
    with pytest.raises(SettingsError, match=next(iter(env))):
        Settings(env=env)

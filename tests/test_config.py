"""Settings from the environment and an optional TOML file; secrets stay hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from switchdesk.config import DEFAULT_DATABASE, Settings


def test_defaults_to_a_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SWITCHDESK_DATABASE_URL", raising=False)
    monkeypatch.delenv("SWITCHDESK_CONFIG", raising=False)
    assert Settings().database == DEFAULT_DATABASE


def test_file_settings_apply_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "switchdesk.toml"
    config.write_text('port = 9100\ndatabase_url = "postgresql://sd:s3cret@db/sd"\n')
    monkeypatch.setenv("SWITCHDESK_CONFIG", str(config))
    monkeypatch.delenv("SWITCHDESK_DATABASE_URL", raising=False)
    monkeypatch.setenv("SWITCHDESK_PORT", "9200")
    settings = Settings()
    assert settings.port == 9200
    assert settings.database == "postgresql://sd:s3cret@db/sd"
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings.model_dump())


def test_a_missing_config_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWITCHDESK_CONFIG", "/nonexistent/switchdesk.toml")
    with pytest.raises(FileNotFoundError, match="not a file"):
        Settings()


def test_unknown_keys_and_bad_values_are_refused(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("prot = 1\n")
    monkeypatch.setenv("SWITCHDESK_CONFIG", str(config))
    with pytest.raises(ValueError, match="prot"):
        Settings()
    monkeypatch.delenv("SWITCHDESK_CONFIG")
    monkeypatch.setenv("SWITCHDESK_PORT", "70000")
    with pytest.raises(ValueError):
        Settings()

"""Settings: dev defaults, HOTLINE_* environment, KEY=VALUE file, precedence, and the prod guard rails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline.cli import cli
from hotline.settings import DEV_SECRET, Profile, SettingsError, load_settings

PROD_SECRET = "a-real-private-secret-0123456789"
PG = "postgresql+psycopg://hotline@db.internal/hotline"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No HOTLINE_* variable of the developer's shell leaks into these tests."""
    for key in list(os.environ):
        if key.startswith("HOTLINE_"):
            monkeypatch.delenv(key)


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hotline.env"
    path.write_text(text, encoding="utf-8")
    return path


def test_dev_defaults() -> None:
    settings = load_settings()
    assert settings.profile is Profile.DEV
    assert settings.database_url is None
    assert settings.effective_database_url == "sqlite:///var/hotline.sqlite3"
    assert settings.secret_key.get_secret_value() == DEV_SECRET
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8000)
    assert settings.timezone == "Asia/Shanghai"


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", PG)
    monkeypatch.setenv("HOTLINE_HTTP_PORT", "9001")
    monkeypatch.setenv("HOTLINE_SQL_ECHO", "true")
    monkeypatch.setenv("HOTLINE_DUE_SOON_HOURS", "48")
    settings = load_settings()
    assert settings.effective_database_url == PG
    assert settings.http_port == 9001
    assert settings.sql_echo is True
    assert settings.due_soon_hours == 48


def test_config_file(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        f"# hotline settings\n\nHOTLINE_DATABASE_URL = {PG}\nhttp_port='8123'\nTIMEZONE=\"Asia/Urumqi\"\n",
    )
    settings = load_settings(path)
    assert settings.database_url == PG
    assert settings.http_port == 8123
    assert settings.timezone == "Asia/Urumqi"


def test_config_file_named_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_CONFIG_FILE", str(_config(tmp_path, "http_port=8124\n")))
    assert load_settings().http_port == 8124


def test_environment_beats_file_and_overrides_beat_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _config(tmp_path, "http_port=8001\nhttp_host=10.0.0.1\ntoken_ttl_hours=2\n")
    monkeypatch.setenv("HOTLINE_HTTP_PORT", "8002")
    monkeypatch.setenv("HOTLINE_HTTP_HOST", "10.0.0.2")

    settings = load_settings(path)
    assert settings.http_port == 8002  # env beats file
    assert settings.http_host == "10.0.0.2"
    assert settings.token_ttl_hours == 2  # the file still counts where env is silent

    settings = load_settings(path, http_port=8003)
    assert settings.http_port == 8003  # explicit override beats env and file
    assert settings.http_host == "10.0.0.2"


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        (None, "HOTLINE_SECRET_KEY must be set"),
        (DEV_SECRET, "HOTLINE_SECRET_KEY must be set"),
        ("short-secret", "HOTLINE_SECRET_KEY must be at least 16 characters"),
    ],
)
def test_prod_refuses_default_or_short_secret(
    monkeypatch: pytest.MonkeyPatch, secret: str | None, message: str
) -> None:
    monkeypatch.setenv("HOTLINE_PROFILE", "prod")
    monkeypatch.setenv("HOTLINE_DATABASE_URL", PG)
    if secret is not None:
        monkeypatch.setenv("HOTLINE_SECRET_KEY", secret)
    with pytest.raises(SettingsError, match=message) as caught:
        load_settings()
    if secret is not None:
        assert secret not in str(caught.value)  # the message never echoes the secret


def test_prod_refuses_missing_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_PROFILE", "prod")
    monkeypatch.setenv("HOTLINE_SECRET_KEY", PROD_SECRET)
    with pytest.raises(SettingsError, match="HOTLINE_DATABASE_URL must be set in prod") as caught:
        load_settings()
    assert PROD_SECRET not in str(caught.value)


def test_prod_accepts_proper_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_PROFILE", "prod")
    settings = load_settings(_config(tmp_path, f"secret_key={PROD_SECRET}\ndatabase_url={PG}\n"))
    assert settings.profile is Profile.PROD
    assert settings.secret_key.get_secret_value() == PROD_SECRET
    assert settings.effective_database_url == PG
    assert PROD_SECRET not in repr(settings)


def test_invalid_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_HTTP_PORT", "eighty")
    with pytest.raises(SettingsError, match="HOTLINE_HTTP_PORT"):
        load_settings()


def test_malformed_config_line_names_file_and_line(tmp_path: Path) -> None:
    path = _config(tmp_path, "# comment\nhttp_port=8000\nthis line has no equals sign\n")
    with pytest.raises(SettingsError, match=rf"{path}:3: expected KEY=VALUE"):
        load_settings(path)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.env")


def test_cli_missing_config_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.env"
    result = CliRunner().invoke(cli, ["--config", str(missing), "db", "upgrade"])
    assert result.exit_code != 0
    assert f"config file {missing} does not exist" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "var").exists()


def test_cli_prod_without_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOTLINE_PROFILE", "prod")
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert "invalid settings" in result.output
    assert "HOTLINE_SECRET_KEY" in result.output
    assert "HOTLINE_DATABASE_URL" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "var").exists()  # no dev database was created behind the user's back

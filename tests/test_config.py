"""The settings object: defaults under home, ALBUMML_* overrides, validation and masking."""

from __future__ import annotations

from pathlib import Path

import pytest

from albumml.config import Settings, load_settings
from albumml.errors import ConfigError


def test_defaults_live_under_home(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "h")
    assert settings.home == (tmp_path / "h").absolute()
    assert settings.database_url == f"sqlite:///{tmp_path / 'h' / 'catalogue.db'}"
    assert settings.store_url == str(tmp_path / "h" / "store")
    assert settings.mlflow_tracking_uri == f"sqlite:///{tmp_path / 'h' / 'mlflow.db'}"


def test_default_home_is_dot_albumml_in_the_working_folder() -> None:
    assert load_settings().home == Path(".albumml").absolute()


def test_environment_variables_with_prefix_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ALBUMML_HOME", str(tmp_path))
    monkeypatch.setenv("ALBUMML_STORE_URL", "s3://covers/prod")
    monkeypatch.setenv("ALBUMML_DB_BATCH_SIZE", "42")
    settings = load_settings()
    assert settings.home == tmp_path
    assert settings.store_url == "s3://covers/prod"
    assert settings.db_batch_size == 42


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    Path(".env").write_text(f"ALBUMML_HOME={tmp_path / 'from-dotenv'}\n")
    assert load_settings().home == tmp_path / "from-dotenv"


def test_bare_postgresql_url_uses_psycopg2() -> None:
    settings = load_settings(database_url="postgresql://me:pw@db:5432/albumml")
    assert settings.database_url == "postgresql+psycopg2://me:pw@db:5432/albumml"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("not a url at all", "cannot parse"),
        ("mysql://root@localhost/x", "'mysql' is not supported"),
    ],
)
def test_mangled_database_url_names_the_variable(value: str, expected: str) -> None:
    with pytest.raises(ConfigError, match="ALBUMML_DATABASE_URL") as error:
        load_settings(database_url=value)
    assert expected in str(error.value)


def test_mangled_database_url_error_masks_the_password() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(database_url="oracle://scott:tiger-secret@db/x")
    assert "tiger-secret" not in str(error.value)


@pytest.mark.parametrize("value", ["ftp://host/folder", "s3:///prefix-without-bucket"])
def test_bad_store_url_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="ALBUMML_STORE_URL"):
        load_settings(store_url=value)


def test_masked_hides_passwords_and_secret_keys() -> None:
    settings = Settings(
        database_url="postgresql+psycopg2://albumml:hunter2@db:5432/albumml",
        s3_secret_access_key="very-secret",
        mlflow_tracking_uri="http://user:mlpass@mlflow:5000",
    )
    shown = settings.masked()
    text = repr(shown)
    assert "hunter2" not in text and "very-secret" not in text and "mlpass" not in text
    assert shown["database_url"] == "postgresql+psycopg2://albumml:***@db:5432/albumml"
    assert shown["s3_secret_access_key"] == "***"

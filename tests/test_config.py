"""The settings object: defaults under home, ALBUMML_* overrides, validation and masking."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

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


# ---------------------------------------------------------------- secrets never print


def test_tracking_uri_credentials_move_to_their_own_settings() -> None:
    settings = load_settings(mlflow_tracking_uri="https://al%40ice:S3cr%2Ft@[::1]:5000/mlflow")
    assert settings.mlflow_tracking_uri == "https://[::1]:5000/mlflow"
    assert settings.mlflow_username == "al@ice"
    assert settings.mlflow_password is not None and settings.mlflow_password.get_secret_value() == "S3cr/t"
    assert "S3cr" not in repr(settings)


def test_explicit_credentials_win_over_those_in_the_uri() -> None:
    settings = load_settings(
        mlflow_tracking_uri="https://old:OLD@h", mlflow_username="new", mlflow_password=SecretStr("NEW")
    )
    assert (settings.mlflow_tracking_uri, settings.mlflow_username) == ("https://h", "new")
    assert settings.mlflow_password is not None and settings.mlflow_password.get_secret_value() == "NEW"


def test_masked_settings_hold_no_secret_in_any_form() -> None:
    settings = load_settings(
        database_url="postgresql://u:DBPW@h/db?password=QPW&sslpassword=SSLPW",
        mlflow_tracking_uri="https://u:MLPW@h/?token=TOK",
        s3_secret_access_key=SecretStr("S3KEY"),
        crawl_start_url="https://site.example/?sig=SIG",
    )
    shown = str(settings.masked())
    for secret in ("DBPW", "QPW", "SSLPW", "MLPW", "TOK", "S3KEY", "SIG"):
        assert secret not in shown
        assert secret in settings.secrets()
    assert settings.masked()["mlflow_password"] == "***"


@pytest.mark.parametrize("uri", ["http://u:SECRET@[::1", "http://u:SECRET@h:port/", "http://u:SE/CRET@h"])
def test_an_unparsable_tracking_uri_is_a_config_error_that_shows_no_part_of_it(uri: str) -> None:
    with pytest.raises(ConfigError, match="ALBUMML_MLFLOW_TRACKING_URI") as raised:
        load_settings(mlflow_tracking_uri=uri)
    assert "SECRET" not in str(raised.value) and "CRET" not in str(raised.value)


def test_an_unparsable_database_url_is_masked_in_its_error() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(database_url="postgresql://u:SECRET@[::1/db")
    assert "SECRET" not in str(raised.value)

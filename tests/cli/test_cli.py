"""The `albumml` command as users run it: a real process, its output, its exit code."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from albumml.storage import Store
from tests.support.cli import albumml


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    return {"ALBUMML_HOME": str(tmp_path / "home")}


def test_help_and_version() -> None:
    assert "catalogue" in albumml("--help").stdout
    assert albumml("--version").stdout.strip().startswith("albumml ")


@pytest.mark.slow
def test_db_lifecycle_on_the_embedded_catalogue(home: dict[str, str]) -> None:
    assert "none -> 0002" in albumml("db", "upgrade", env=home).stdout
    assert "0002 (up to date)" in albumml("db", "current", env=home).stdout
    assert "305 moods" in albumml("db", "seed-vocabulary", env=home).stdout

    stats = json.loads(albumml("db", "stats", "--json", env=home).stdout)
    assert stats["moods"] == 305 and stats["themes"] == 202 and stats["albums"] == 0
    assert "albums" in albumml("db", "stats", env=home).stdout

    assert "0002 -> 0001" in albumml("db", "downgrade", env=home).stdout
    assert "behind" in albumml("db", "current", env=home).stdout


def test_db_commands_on_postgresql(postgres_url: str, home: dict[str, str]) -> None:
    env = {**home, "ALBUMML_DATABASE_URL": postgres_url}
    albumml("db", "upgrade", env=env)
    albumml("db", "seed-vocabulary", env=env)
    assert json.loads(albumml("db", "stats", "--json", env=env).stdout)["moods"] == 305


def test_stats_before_upgrade_says_what_to_run(home: dict[str, str]) -> None:
    result = albumml("db", "stats", env=home, check=False)
    assert result.returncode == 1
    assert "run `albumml db upgrade`" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line_with_the_password_masked(home: dict[str, str]) -> None:
    env = {**home, "ALBUMML_DATABASE_URL": "postgresql://albumml:pa55word@127.0.0.1:1/albumml"}
    result = albumml("db", "current", env=env, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "pa55word" not in result.stderr
    assert "cannot reach the catalogue" in result.stderr and "ALBUMML_DATABASE_URL" in result.stderr


def test_mangled_settings_are_one_clean_line(home: dict[str, str]) -> None:
    result = albumml("config", "show", env={**home, "ALBUMML_DATABASE_URL": "::nonsense::"}, check=False)
    assert result.returncode == 1
    assert "ALBUMML_DATABASE_URL" in result.stderr and "Traceback" not in result.stderr


def test_config_show_masks_secrets(home: dict[str, str]) -> None:
    env = {
        **home,
        "ALBUMML_DATABASE_URL": "postgresql://albumml:pa55word@db:5432/albumml",
        "ALBUMML_S3_SECRET_ACCESS_KEY": "topsecret",
    }
    shown = json.loads(albumml("config", "show", "--json", env=env).stdout)
    assert shown["database_url"] == "postgresql+psycopg2://albumml:***@db:5432/albumml"
    assert shown["s3_secret_access_key"] == "***"
    assert "pa55word" not in albumml("config", "show", env=env).stdout


@pytest.mark.slow
def test_store_round_trip_verify_and_corruption(home: dict[str, str], tmp_path: Path) -> None:
    albumml("db", "upgrade", env=home)
    cover = tmp_path / "cover.jpg"
    cover.write_bytes(b"\xff\xd8\xff" + os.urandom(4096))
    key = albumml("store", "put", str(cover), env=home).stdout.split()[0]
    assert "already stored" in albumml("store", "put", str(cover), env=home).stdout

    copy = tmp_path / "copy.jpg"
    albumml("store", "get", key, "-o", str(copy), env=home)
    assert copy.read_bytes() == cover.read_bytes()
    assert "all intact" in albumml("store", "verify", env=home).stdout
    assert "blobs" in albumml("store", "stats", env=home).stdout

    (Path(home["ALBUMML_HOME"]) / "store" / Store.blob_name(key)).write_bytes(b"rotten")
    verify = albumml("store", "verify", env=home, check=False)
    assert verify.returncode == 1
    assert f"corrupt {key}" in verify.stdout
    get = albumml("store", "get", key, env=home, check=False)
    assert get.returncode == 1 and "corrupt" in get.stderr


def test_store_on_s3(s3_settings, home: dict[str, str], tmp_path: Path) -> None:
    env = {
        **home,
        "ALBUMML_STORE_URL": s3_settings.store_url,
        "ALBUMML_S3_ENDPOINT_URL": s3_settings.s3_endpoint_url,
    }
    albumml("db", "upgrade", env=env)
    file = tmp_path / "x.png"
    file.write_bytes(b"\x89PNG" + os.urandom(512))
    key = albumml("store", "put", str(file), env=env).stdout.split()[0]
    stats = json.loads(albumml("store", "stats", "--json", env=env).stdout)
    assert stats["prefixes"]["blobs"]["objects"] == 1
    assert albumml("store", "verify", env=env).returncode == 0
    assert len(key) == 64


def test_a_missing_bucket_is_one_clean_line(s3_settings, home: dict[str, str]) -> None:
    env = {
        **home,
        "ALBUMML_STORE_URL": "s3://missing-bucket/x",
        "ALBUMML_S3_ENDPOINT_URL": s3_settings.s3_endpoint_url,
    }
    result = albumml("store", "stats", env=env, check=False)
    assert result.returncode == 1
    assert "'missing-bucket' does not exist" in result.stderr and "Traceback" not in result.stderr

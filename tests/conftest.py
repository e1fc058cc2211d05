"""Shared fixtures: settings under a temporary home, real PostgreSQL databases, a real moto S3 server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest

from albumml.config import Settings, load_settings
from tests.support.analysis import AnalysisChampion
from tests.support.aws import TEST_AWS
from tests.support.services import (
    admin_execute,
    dsn_to_url,
    mlflow_server,
    moto_server,
    postgres_server,
    unavailable,
)

# Fixtures that reach a real server (PostgreSQL, moto, MLflow, Prefect, Chromium): a test that uses one, directly or
# through a parameter that asks for it, is an integration test and stays out of `make test-fast`.
SERVER_FIXTURES = frozenset(
    {"postgres_admin_dsn", "moto_endpoint", "mlflow_tracking", "prefect_api", "browser", "analysis_champion"}
)
SERVER_PARAMETERS = frozenset({"postgresql", "s3"})
# Fixtures that take minutes to build (a crawl of 1,200 albums and their covers' features): a test that uses one is
# `slow` wherever it lives, so the fast tier never pays for them.
SLOW_FIXTURES = frozenset({"learning_home"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks every test that needs a server `integration`, and every test that needs a minutes-long fixture `slow`,
    so the fast tier is `-m "not integration and not slow"`."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        parameters = set(map(str, callspec.params.values())) if callspec is not None else set()
        fixtures = set(getattr(item, "fixturenames", ()))
        if SERVER_FIXTURES & fixtures or SERVER_PARAMETERS & parameters:
            item.add_marker(pytest.mark.integration)
        if SLOW_FIXTURES & fixtures:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test sees the developer's ALBUMML_* variables, .env file or AWS profile."""
    import os

    for name in list(os.environ):
        if name.startswith("ALBUMML_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Embedded-default settings under a fresh home folder."""
    return load_settings(home=tmp_path / "home")


@pytest.fixture(scope="session")
def postgres_admin_dsn() -> Iterator[str]:
    """A reachable PostgreSQL server's admin DSN (found on 127.0.0.1:5432 or started for this run)."""
    try:
        with postgres_server() as dsn:
            yield dsn
    except (RuntimeError, OSError) as exc:
        unavailable(f"no PostgreSQL server: {exc}")


@pytest.fixture(scope="session")
def postgres_run_prefix() -> str:
    """A name prefix for this run's databases, so parallel runs never collide."""
    return f"albumml_test_{uuid.uuid4().hex[:8]}"


@contextmanager
def _fresh_database(admin_dsn: str, prefix: str) -> Iterator[str]:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin_execute(admin_dsn, f'CREATE DATABASE "{name}"')
    yield dsn_to_url(admin_dsn, name)
    admin_execute(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_admin_dsn: str, postgres_run_prefix: str) -> Iterator[str]:
    """An SQLAlchemy URL of a fresh, empty PostgreSQL database, dropped after the test."""
    with _fresh_database(postgres_admin_dsn, postgres_run_prefix) as url:
        yield url


@pytest.fixture(scope="module")
def module_postgres_url(postgres_admin_dsn: str, postgres_run_prefix: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database shared by one test module, dropped after it."""
    with _fresh_database(postgres_admin_dsn, postgres_run_prefix) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty catalogue database on each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalogue.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """The endpoint URL of moto's S3 HTTP server, running in its own process."""
    try:
        with moto_server() as endpoint:
            yield endpoint
    except (RuntimeError, OSError) as exc:
        unavailable(f"moto server did not start: {exc}")


@pytest.fixture
def s3_bucket(moto_endpoint: str) -> str:
    """A new, empty bucket on the moto server."""
    name = f"albumml-test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=moto_endpoint, **TEST_AWS).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_settings(tmp_path, moto_endpoint: str, s3_bucket: str) -> Settings:
    """Settings whose store is a prefix of a fresh bucket on the moto server."""
    return load_settings(
        home=tmp_path / "home",
        store_url=f"s3://{s3_bucket}/albumml",
        s3_endpoint_url=moto_endpoint,
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
    )


@pytest.fixture(scope="session")
def learning_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A home whose catalogue holds a crawled 1,200-album sample site, with one saved snapshot and cached Lite0
    features of its covers: the real data the model tests learn from. Yields the home and the snapshot id."""
    from albumml.catalogue import open_catalogue
    from albumml.dataset import SnapshotConfig, build_snapshot, save_snapshot
    from albumml.models.backbones import load_backbone
    from albumml.models.features import extract_features
    from albumml.storage import open_store
    from sample_site import Faults, generate_site, serving
    from tests.support.crawling import crawl, migrated

    root = tmp_path_factory.mktemp("learning")
    settings = load_settings(home=root / "home")
    generate_site(root / "site", albums=1200, seed=21, faults=Faults())
    migrated(settings)
    with serving(root / "site") as server:
        crawled = crawl(settings, server.base_url)
        assert crawled.returncode == 0, crawled.stderr[-2000:]
    snapshot = build_snapshot(open_catalogue(settings), SnapshotConfig(min_mood_count=20))
    store = open_store(settings)
    save_snapshot(store, snapshot)
    features = extract_features(store, load_backbone("efficientnet_lite0"), list(snapshot.manifest["cover_key"]))
    assert not features.failed
    return settings.home, snapshot.id


@pytest.fixture(scope="session")
def mlflow_tracking(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real MLflow tracking server (SQLite backend, artifacts in a local folder), shared by the session."""
    root = tmp_path_factory.mktemp("mlflow")
    try:
        with mlflow_server(f"sqlite:///{root / 'mlflow.db'}", str(root / "artifacts")) as uri:
            yield uri
    except (RuntimeError, OSError) as exc:
        unavailable(f"mlflow server did not start: {exc}")


@pytest.fixture(scope="session")
def analysis_champion(learning_home: tuple[Path, str], mlflow_tracking: str) -> AnalysisChampion:
    """Model 3 (label space) trained on the learning home's snapshot and promoted to champion of
    `album-mood-analysis` on the session's MLflow server: what explain, mood-space, similar and reports work on."""
    from albumml.models.heads import Variant
    from albumml.pipeline import train
    from albumml.registry.gate import register
    from albumml.training.config import TrainConfig

    home, snapshot_id = learning_home
    environment = {
        "ALBUMML_HOME": str(home),
        "ALBUMML_MLFLOW_TRACKING_URI": mlflow_tracking,
        "ALBUMML_MLFLOW_EXPERIMENT": "analysis",
        "ALBUMML_MODEL_NAME": "album-mood-analysis",
    }
    champion = AnalysisChampion(environment, snapshot_id, "models:/album-mood-analysis@champion", "")
    settings = champion.settings()
    result = train(
        settings,
        TrainConfig(snapshot_id=snapshot_id, variant=Variant.EMBEDDING, backbone="efficientnet_lite0", epochs=15),
    )
    assert register(settings, result.run_id).promoted
    return AnalysisChampion(environment, snapshot_id, champion.model_uri, result.run_id)

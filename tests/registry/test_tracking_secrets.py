"""MLflow behind basic auth (a proxy that demands credentials in front of the real test server): credentials given in
the tracking URI or as settings work, and neither a failure nor a success ever prints the password."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from albumml.config import load_settings
from albumml.errors import TrackingError
from albumml.registry.models import resolve_model
from albumml.registry.versions import list_versions
from tests.support.auth_proxy import AuthProxy, basic_auth_proxy
from tests.support.cli import albumml

USER, PASSWORD, WRONG = "albumml-training", "Pa55/w0rd:Right", "Wr0ng-S3cret"
MODEL = "album-mood-secrets"


def quoted(password: str) -> str:
    """The password as it sits in a URL's userinfo."""
    from urllib.parse import quote

    return quote(password, safe="")


@pytest.fixture(scope="module")
def guarded(mlflow_tracking: str) -> Iterator[AuthProxy]:
    """The session's MLflow server behind basic auth, holding one registered version of MODEL."""
    from mlflow import MlflowClient

    with basic_auth_proxy(mlflow_tracking, USER, PASSWORD) as proxy:
        direct = MlflowClient(mlflow_tracking, mlflow_tracking)
        experiment = direct.get_experiment_by_name("secrets") or direct.get_experiment(
            direct.create_experiment("secrets")
        )
        run = direct.create_run(experiment.experiment_id)
        if not direct.search_registered_models(f"name = '{MODEL}'"):
            direct.create_registered_model(MODEL)
            direct.create_model_version(MODEL, f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
        yield proxy


@pytest.fixture
def clean_mlflow_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """MLflow's own credential variables are restored after the test (albumml sets them in-process)."""
    for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def uri_with(proxy: AuthProxy, password: str) -> str:
    """The proxy's URL with the user and `password` in its userinfo."""
    return proxy.url.replace("http://", f"http://{USER}:{quoted(password)}@")


def assert_no_secret(text: str, password: str) -> None:
    """Neither the raw nor the URL-quoted password appears."""
    assert password not in text and quoted(password) not in text, text


def test_models_list_with_credentials_in_the_uri_works_and_never_prints_them(guarded: AuthProxy, tmp_path) -> None:
    before = guarded.allowed
    env = {"ALBUMML_HOME": str(tmp_path), "ALBUMML_MLFLOW_TRACKING_URI": uri_with(guarded, PASSWORD)}
    listed = albumml("models", "list", "--json", env={**env, "ALBUMML_MODEL_NAME": MODEL})
    assert '"version": "1"' in listed.stdout
    assert guarded.allowed > before, "the credentials reached the server"
    assert_no_secret(listed.stdout + listed.stderr, PASSWORD)
    shown = albumml("config", "show", "--json", env=env)
    assert f'"mlflow_username": "{USER}"' in shown.stdout and '"mlflow_password": "***"' in shown.stdout
    assert_no_secret(shown.stdout + shown.stderr, PASSWORD)


def test_models_list_with_credential_settings_works(guarded: AuthProxy, tmp_path) -> None:
    env = {
        "ALBUMML_HOME": str(tmp_path),
        "ALBUMML_MLFLOW_TRACKING_URI": guarded.url,
        "ALBUMML_MLFLOW_USERNAME": USER,
        "ALBUMML_MLFLOW_PASSWORD": PASSWORD,
        "ALBUMML_MODEL_NAME": MODEL,
    }
    listed = albumml("models", "list", env=env)
    assert MODEL in listed.stdout
    assert_no_secret(listed.stdout + listed.stderr, PASSWORD)


@pytest.mark.parametrize("command", [["models", "list"], ["report", "0123456789abcdef", "--out", "reports"]])
def test_a_wrong_password_fails_cleanly_without_printing_it(guarded: AuthProxy, tmp_path, command) -> None:
    before = guarded.refused
    env = {"ALBUMML_HOME": str(tmp_path), "ALBUMML_MLFLOW_TRACKING_URI": uri_with(guarded, WRONG)}
    failed = albumml(*command, env=env, check=False)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "Traceback" not in output
    assert_no_secret(output, WRONG)
    assert guarded.refused > before and "401" in output
    assert f"MLflow at {guarded.url}" in output


def test_library_errors_carry_no_password(guarded: AuthProxy, tmp_path, clean_mlflow_credentials) -> None:
    settings = load_settings(home=tmp_path, mlflow_tracking_uri=uri_with(guarded, WRONG), model_name=MODEL)
    for attempt in (lambda: list_versions(settings), lambda: resolve_model(settings)):
        with pytest.raises(TrackingError) as raised:
            attempt()
        assert_no_secret(str(raised.value), WRONG)
        assert raised.value.__cause__ is None and raised.value.__suppress_context__

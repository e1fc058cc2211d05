"""`albumml config show` and `albumml db ...` never print a password, whether in a URL's userinfo or its query, on
success or on failure, against a real PostgreSQL server."""

from __future__ import annotations

from tests.support.cli import albumml

SECRETS = ("Qu3ry-Pw", "Ssl-Pw", "Ml-Pw", "S3-Key")


def assert_no_secret(text: str) -> None:
    """No secret of this module's settings, raw or URL-quoted, appears in `text`."""
    assert not [s for s in SECRETS if s in text], text


def test_config_show_masks_every_secret(tmp_path) -> None:
    env = {
        "ALBUMML_HOME": str(tmp_path),
        "ALBUMML_DATABASE_URL": "postgresql://albumml:Ml-Pw@db.internal/albumml?password=Qu3ry-Pw&sslpassword=Ssl-Pw",
        "ALBUMML_MLFLOW_TRACKING_URI": "https://mlflow.internal/?token=Ml-Pw",
        "ALBUMML_S3_SECRET_ACCESS_KEY": "S3-Key",
    }
    for form in ((), ("--json",)):
        shown = albumml("config", "show", *form, env=env)
        assert_no_secret(shown.stdout + shown.stderr)
        assert "password=***" in shown.stdout and "sslpassword=***" in shown.stdout


def test_a_malformed_tracking_uri_is_one_redacted_line(tmp_path) -> None:
    env = {"ALBUMML_HOME": str(tmp_path), "ALBUMML_MLFLOW_TRACKING_URI": "http://u:Ml-Pw@[::1:5000"}
    for command in (("config", "show"), ("models", "list")):
        failed = albumml(*command, env=env, check=False)
        assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr
        assert "ALBUMML_MLFLOW_TRACKING_URI" in failed.stderr
        assert_no_secret(failed.stdout + failed.stderr)


def test_db_commands_never_print_a_password_in_the_query(postgres_url: str, tmp_path) -> None:
    """PostgreSQL on these machines trusts local users, so the query's password is accepted and ignored."""
    env = {"ALBUMML_HOME": str(tmp_path), "ALBUMML_DATABASE_URL": f"{postgres_url}?password=Qu3ry-Pw"}
    unmigrated = albumml("db", "stats", env=env, check=False)
    assert unmigrated.returncode == 1 and "db upgrade" in unmigrated.stderr
    upgraded = albumml("db", "upgrade", env=env)
    assert "password=***" in upgraded.stdout
    stats = albumml("db", "stats", env=env)
    missing = albumml(
        "db", "stats", env={**env, "ALBUMML_DATABASE_URL": f"{postgres_url}_absent?password=Qu3ry-Pw"}, check=False
    )
    assert missing.returncode == 1 and "cannot reach the catalogue" in missing.stderr
    for run in (unmigrated, upgraded, stats, missing):
        assert_no_secret(run.stdout + run.stderr)

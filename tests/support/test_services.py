"""The suite's own promise: with CI=true a missing server fails the test instead of skipping it."""

from __future__ import annotations

import pytest

from tests.support import services


def test_missing_server_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        services.unavailable("no PostgreSQL server")


def test_missing_server_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL server"):
        services.unavailable("no PostgreSQL server")


def test_postgres_answers_is_false_for_a_dead_port() -> None:
    assert not services.postgres_answers(f"host=127.0.0.1 port={services.free_port()} user=postgres dbname=x")

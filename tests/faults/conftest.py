"""Fixtures for the fault tests: extra fresh PostgreSQL databases beside the suite's `postgres_url`."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.support.services import admin_execute, dsn_to_url


@pytest.fixture
def fresh_postgres_url(postgres_admin_dsn: str, postgres_run_prefix: str) -> Iterator[Callable[[], str]]:
    """Makes fresh, empty PostgreSQL databases on demand (an uninterrupted reference crawl's); drops them after."""
    made: list[str] = []

    def make() -> str:
        name = f"{postgres_run_prefix}_{uuid.uuid4().hex[:8]}"
        admin_execute(postgres_admin_dsn, f'CREATE DATABASE "{name}"')
        made.append(name)
        return dsn_to_url(postgres_admin_dsn, name)

    yield make
    for name in made:
        admin_execute(postgres_admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

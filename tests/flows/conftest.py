"""A real Prefect server for the flow tests, with its own PREFECT_HOME."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.services import prefect_server, unavailable


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        with prefect_server(tmp_path_factory.mktemp("prefect")) as api:
            yield api
    except (RuntimeError, OSError) as exc:
        unavailable(f"prefect server did not start: {exc}")

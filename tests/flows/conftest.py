"""A real Prefect server for the flow tests, with its own PREFECT_HOME; and prefect.yaml deployed on it with a
process worker. Both are shared by the package's modules (each start costs seconds): a test that counts the
server's runs, events or artifacts counts only its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.deployments import deployed_with_worker
from tests.support.services import prefect_server_for_tests


@pytest.fixture(scope="package")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with prefect_server_for_tests(tmp_path_factory.mktemp("prefect")) as api:
        yield api


@pytest.fixture(scope="package")
def deployed(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path]]:
    """Every deployment of prefect.yaml on the server and a worker serving the pool; yields env and root folder."""
    root = tmp_path_factory.mktemp("deployed")
    with deployed_with_worker(prefect_api, root) as env:
        yield env, root

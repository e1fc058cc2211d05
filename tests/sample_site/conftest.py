"""One generated site per session (800 albums, a little of every fault) and a fresh server per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sample_site import Manifest, SiteServer, generate_site, serving
from tests.support.site import SITE_ALBUMS, SITE_FAULTS, SITE_SEED


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site with covers and typical faults (slow pages answer after 0.3 s)."""
    folder = tmp_path_factory.mktemp("sample-site")
    generate_site(folder, SITE_ALBUMS, SITE_SEED, faults=SITE_FAULTS, workers=2)
    return folder


@pytest.fixture(scope="session")
def manifest(site_dir: Path) -> Manifest:
    from sample_site import load_manifest

    return load_manifest(site_dir)


@pytest.fixture
def server(site_dir: Path) -> Iterator[SiteServer]:
    """The session site served on a free port, with fresh attempt counters."""
    with serving(site_dir) as running:
        yield running

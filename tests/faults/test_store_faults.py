"""A crawled cover corrupted in the store (on disk or on S3) is named by `albumml store verify` and refused on read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from albumml.catalogue import Catalogue
from albumml.config import Settings
from albumml.errors import CorruptObjectError
from albumml.storage import Store, content_key, open_store
from albumml.storage.local import LocalBackend
from albumml.storage.s3 import S3Backend
from sample_site import Faults, generate_site, serving
from tests.support.crawling import crawl, environment, migrated

pytestmark = pytest.mark.slow

ALBUMS = 12


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("store-faults") / "site"
    generate_site(site, albums=ALBUMS, seed=23, faults=Faults())
    return site


@pytest.fixture(params=["local", "s3"])
def crawled(request: pytest.FixtureRequest, small_site: Path, settings: Settings) -> tuple[Settings, Catalogue]:
    """A catalogue and a store (a local folder, or a bucket on moto's S3 server) that a crawl of the site filled."""
    chosen = settings if request.param == "local" else request.getfixturevalue("s3_settings")
    catalogue = migrated(chosen)
    with serving(small_site) as server:
        result = crawl(chosen, server.base_url)
        assert result.returncode == 0, result.stderr[-3000:]
    assert len(catalogue.cover_keys()) == ALBUMS
    return chosen, catalogue


def rot(store: Store, key: str) -> bytes:
    """Flip one byte of a stored blob behind the store's back (same size: no put would notice); returns the bytes."""
    name = Store.blob_name(key)
    data = bytearray(store.backend.get(name))
    data[len(data) // 2] ^= 0xFF
    backend = store.backend
    if isinstance(backend, LocalBackend):
        (backend.root / name).write_bytes(data)
    else:
        assert isinstance(backend, S3Backend)
        backend.client.put_object(Bucket=backend.bucket, Key=backend.prefix + name, Body=bytes(data))
    return bytes(data)


def albumml(settings: Settings, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The albumml command line, in its own process, on the settings' catalogue and store."""
    return subprocess.run(
        [sys.executable, "-m", "albumml", *arguments],
        env={**environment(settings), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_corrupted_cover_is_named_by_verify_and_refused_on_read(crawled: tuple[Settings, Catalogue]) -> None:
    settings, catalogue = crawled
    store = open_store(settings)
    assert albumml(settings, "store", "verify").returncode == 0
    key = sorted(catalogue.cover_keys())[ALBUMS // 2]
    rotten = rot(store, key)
    assert content_key(rotten) != key and store.backend.size(Store.blob_name(key)) == len(rotten)

    verified = albumml(settings, "store", "verify")
    assert verified.returncode == 1, verified.stdout + verified.stderr
    assert f"corrupt {key}" in verified.stdout
    assert f"checked {ALBUMS} blobs" in verified.stdout
    assert "1 corrupt, 0 missing" in verified.stdout
    report = store.verify(catalogue.cover_keys())
    assert (report.corrupt, report.missing, report.checked) == ([key], [], ALBUMS)

    with pytest.raises(CorruptObjectError, match=key):
        store.get_blob(key)
    for other in catalogue.cover_keys() - {key}:
        assert content_key(store.get_blob(other)) == other
    read = albumml(settings, "store", "get", key)
    assert read.returncode == 1 and not read.stdout
    assert "corrupt" in read.stderr and key in read.stderr.replace("\n", "")


@pytest.mark.parametrize("crawled", ["local"], indirect=True)
def test_a_recrawl_as_the_error_advises_repairs_a_corrupted_cover(
    crawled: tuple[Settings, Catalogue], small_site: Path
) -> None:
    settings, catalogue = crawled
    store = open_store(settings)
    key = sorted(catalogue.cover_keys())[ALBUMS // 2]
    intact = store.get_blob(key)
    rot(store, key)
    assert albumml(settings, "store", "verify").returncode == 1
    port = urlsplit(next(iter(catalogue.fetch_states().values())).cover_url or "").port
    assert port is not None
    with serving(small_site, port=port) as server:  # the same URLs as the first crawl saw
        again = crawl(settings, server.base_url, "--full")
        assert again.returncode == 0, again.stderr[-3000:]
    assert store.get_blob(key) == intact
    assert albumml(settings, "store", "verify").returncode == 0

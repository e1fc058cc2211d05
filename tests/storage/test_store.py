"""The content-addressed store on a local folder and on S3 (moto's HTTP server): the same behaviour on both."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import boto3
import pytest

from albumml.config import Settings, load_settings
from albumml.errors import CorruptObjectError, ObjectNotFoundError, StoreError, StoreUnavailableError
from albumml.storage import Store, content_key, open_store
from albumml.storage.local import LocalBackend
from albumml.storage.s3 import S3Backend
from albumml.storage.store import PrefixStats

COVER = bytes(range(256)) * 40


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, settings: Settings) -> Store:
    chosen = settings if request.param == "local" else request.getfixturevalue("s3_settings")
    opened = open_store(chosen)
    opened.backend.check()
    return opened


def corrupt(store: Store, key: str, data: bytes) -> None:
    """Overwrite a stored blob's bytes behind the store's back, as bit rot or a bad copy would."""
    name = Store.blob_name(key)
    backend = store.backend
    if isinstance(backend, LocalBackend):
        (backend.root / name).write_bytes(data)
    else:
        assert isinstance(backend, S3Backend)
        backend.client.put_object(Bucket=backend.bucket, Key=backend.prefix + name, Body=data)


def test_a_blob_is_keyed_by_its_sha256_and_reads_back(store: Store) -> None:
    result = store.put_blob(COVER)
    assert result.key == hashlib.sha256(COVER).hexdigest() == content_key(COVER)
    assert result.written
    assert store.get_blob(result.key) == COVER
    assert store.has_blob(result.key)
    assert list(store.blob_keys()) == [result.key]


def test_the_same_bytes_are_written_once(store: Store) -> None:
    first = store.put_blob(COVER)
    second = store.put_blob(COVER)
    assert (first.written, second.written) == (True, False)
    assert store.stats()["blobs"].objects == 1


def test_local_second_put_does_not_touch_the_file(settings: Settings) -> None:
    store = open_store(settings)
    key = store.put_blob(COVER).key
    path = Path(settings.store_url) / Store.blob_name(key)
    before = path.stat()
    store.put_blob(COVER)
    after = path.stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_s3_second_put_writes_no_new_version(s3_settings: Settings) -> None:
    store = open_store(s3_settings)
    backend = store.backend
    assert isinstance(backend, S3Backend)
    backend.client.put_bucket_versioning(Bucket=backend.bucket, VersioningConfiguration={"Status": "Enabled"})
    key = store.put_blob(COVER).key
    store.put_blob(COVER)
    store.put_blob(COVER)
    versions = backend.client.list_object_versions(Bucket=backend.bucket, Prefix=backend.prefix + Store.blob_name(key))
    assert len(versions["Versions"]) == 1


def test_a_corrupt_blob_is_caught_on_read_and_by_verify(store: Store) -> None:
    good, bad = store.put_blob(b"intact cover").key, store.put_blob(COVER).key
    corrupt(store, bad, COVER[:-1] + b"\x00")

    with pytest.raises(CorruptObjectError, match="albumml store verify"):
        store.get_blob(bad)
    assert store.get_blob(good) == b"intact cover"

    report = store.verify()
    assert report.checked == 2
    assert report.corrupt == [bad]
    assert not report.ok


def test_a_truncated_blob_is_rewritten_by_the_next_put(store: Store) -> None:
    key = store.put_blob(COVER).key
    corrupt(store, key, COVER[:100])
    assert store.put_blob(COVER).written
    assert store.get_blob(key) == COVER


def test_verify_reports_keys_the_catalogue_expects_but_the_store_lacks(store: Store) -> None:
    present = store.put_blob(COVER).key
    absent = content_key(b"never stored")
    report = store.verify([present, absent])
    assert report.missing == [absent]
    assert report.corrupt == []


def test_missing_blob_is_a_clear_not_found(store: Store) -> None:
    with pytest.raises(ObjectNotFoundError, match="no object"):
        store.get_blob(content_key(b"absent"))
    assert not store.has_blob(content_key(b"absent"))


def test_a_key_that_is_not_a_sha256_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="not a content key"):
        store.get_blob("../../etc/passwd")


def test_named_objects_live_under_prefixes(store: Store) -> None:
    store.put_object("snapshots/abc/manifest.parquet", b"v1")
    store.put_object("snapshots/abc/manifest.parquet", b"v2")
    store.put_object("snapshots/abc/meta.json", b"{}")
    store.put_object("checkpoints/run-1/epoch-3.pt", b"weights")
    store.put_blob(COVER)

    assert store.get_object("snapshots/abc/manifest.parquet") == b"v2"
    assert [info.name for info in store.list_objects("snapshots/")] == [
        "snapshots/abc/manifest.parquet",
        "snapshots/abc/meta.json",
    ]
    stats = store.stats()
    assert {prefix: s.objects for prefix, s in stats.items()} == {
        "blobs": 1,
        "checkpoints": 1,
        "snapshots": 2,
    }
    assert stats["snapshots"].bytes == 4

    store.delete_object("snapshots/abc/meta.json")
    assert not store.has_object("snapshots/abc/meta.json")
    with pytest.raises(ObjectNotFoundError):
        store.get_object("snapshots/abc/meta.json")


@pytest.mark.parametrize("name", ["../escape", "/absolute", "blobs/sha256/ab/fake", "a//b", ""])
def test_unsafe_object_names_are_refused(store: Store, name: str) -> None:
    with pytest.raises(StoreError, match="not a valid object name"):
        store.put_object(name, b"x")


def test_local_put_is_atomic_when_the_write_fails(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(settings)
    store.put_object("snapshots/s/meta.json", b"original")

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(StoreUnavailableError, match="No space left"):
        store.put_object("snapshots/s/meta.json", b"replacement that never lands")
    monkeypatch.undo()

    assert store.get_object("snapshots/s/meta.json") == b"original"
    folder = Path(settings.store_url) / "snapshots" / "s"
    assert sorted(p.name for p in folder.iterdir()) == ["meta.json"]


def test_local_store_in_an_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    store = open_store(load_settings(home=tmp_path, store_url=str(blocker / "store")))
    with pytest.raises(StoreUnavailableError, match="ALBUMML_STORE_URL"):
        store.backend.check()
    with pytest.raises(StoreUnavailableError, match="cannot write"):
        store.put_blob(COVER)


def test_file_urls_open_a_local_store(tmp_path: Path) -> None:
    store = open_store(load_settings(home=tmp_path, store_url=f"file://{tmp_path / 'files'}"))
    key = store.put_blob(COVER).key
    assert (tmp_path / "files" / Store.blob_name(key)).read_bytes() == COVER


def test_s3_objects_sit_under_the_configured_prefix(s3_settings: Settings, moto_endpoint: str) -> None:
    store = open_store(s3_settings)
    key = store.put_blob(COVER).key
    bucket = s3_settings.store_url.removeprefix("s3://").split("/")[0]
    raw = boto3.client("s3", endpoint_url=moto_endpoint)
    listed = [item["Key"] for item in raw.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == [f"albumml/blobs/sha256/{key[:2]}/{key}"]


def test_s3_puts_send_their_sha256_for_the_server_to_check(s3_settings: Settings, moto_endpoint: str) -> None:
    # Real S3 refuses a body whose digest differs (BadDigest); moto stores the checksum without checking it,
    # so this test proves what we control: every put carries the SHA-256 and the object keeps it.
    store = open_store(s3_settings)
    key = store.put_blob(COVER).key
    store.put_object("snapshots/x/meta.json", b"{}")
    backend = store.backend
    assert isinstance(backend, S3Backend)
    for name, data in ((Store.blob_name(key), COVER), ("snapshots/x/meta.json", b"{}")):
        head = backend.client.head_object(Bucket=backend.bucket, Key=backend.prefix + name, ChecksumMode="ENABLED")
        assert base64.b64decode(head["ChecksumSHA256"]) == hashlib.sha256(data).digest()


def test_a_bucket_that_does_not_exist_is_a_clear_error(s3_settings: Settings) -> None:
    missing = s3_settings.model_copy(update={"store_url": "s3://no-such-bucket-albumml/prefix"})
    store = open_store(missing)
    with pytest.raises(StoreUnavailableError, match="'no-such-bucket-albumml' does not exist"):
        store.backend.check()
    with pytest.raises(StoreUnavailableError, match="does not exist"):
        store.put_blob(COVER)


def test_an_unreachable_endpoint_is_a_clear_error(s3_settings: Settings) -> None:
    dead = s3_settings.model_copy(update={"s3_endpoint_url": "http://127.0.0.1:1"})
    store = open_store(dead)
    store.backend.client.meta.config.retries = {"max_attempts": 1}
    with pytest.raises(StoreUnavailableError, match="ALBUMML_S3_ENDPOINT_URL"):
        store.backend.check()


def test_a_crawl_archive_is_streamed_in_and_out_by_its_sha256(store: Store, tmp_path: Path) -> None:
    archive = tmp_path / "run.warc.gz"
    archive.write_bytes(os.urandom(3 * 1024 * 1024 + 7))
    first, second = store.put_archive(archive), store.put_archive(archive)
    assert first.key == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert (first.written, second.written) == (True, False)
    assert list(store.archive_keys()) == [first.key]
    assert list(store.blob_keys()) == []
    assert store.stats()["archives"] == PrefixStats(1, archive.stat().st_size)
    copy = tmp_path / "copy.warc.gz"
    store.fetch_archive(first.key, copy)
    assert copy.read_bytes() == archive.read_bytes()
    report = store.verify()
    assert (report.archives_checked, report.ok) == (1, True)


def test_a_damaged_crawl_archive_is_found_by_verify_and_refused_on_read(store: Store, tmp_path: Path) -> None:
    archive = tmp_path / "run.warc.gz"
    archive.write_bytes(b"WARC/1.1 " * 1000)
    key = store.put_archive(archive).key
    backend = store.backend
    name = Store.archive_name(key)
    if isinstance(backend, LocalBackend):
        (backend.root / name).write_bytes(b"rotten")
    else:
        assert isinstance(backend, S3Backend)
        backend.client.put_object(Bucket=backend.bucket, Key=backend.prefix + name, Body=b"rotten")
    assert store.verify().corrupt_archives == [key]
    with pytest.raises(CorruptObjectError):
        store.fetch_archive(key, tmp_path / "copy.warc.gz")
    assert not (tmp_path / "copy.warc.gz").exists()

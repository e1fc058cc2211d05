"""The request meter: a store's work counted as S3 requests, equal to what the S3 backend really sends to a real S3
server (moto's), and written by every process that opens a metered store."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from albumml.config import Settings
from albumml.storage import Store, open_store
from albumml.storage.metering import MeteredBackend, RequestMeter, read_request_log
from albumml.storage.s3 import S3Backend

# botocore's operation names, as the meter's request kinds
KINDS = {
    "PutObject": "PUT",
    "GetObject": "GET",
    "HeadObject": "HEAD",
    "HeadBucket": "HEAD",
    "ListObjectsV2": "LIST",
    "DeleteObject": "DELETE",
}


def work(store: Store, folder: Path) -> None:
    """A night's kinds of store work in small: new and repeated covers, reads, a listing, a large archive, a delete."""
    keys = [store.put_blob(f"cover {n}".encode()).key for n in range(1_203)]  # more than one listing page
    store.put_blob(b"cover 0")  # already there: a conditional PUT refused, then a GET to check its bytes
    store.get_blob(keys[1])
    assert store.has_blob(keys[2])
    assert len(list(store.blob_keys())) == 1_203
    archive = folder / "crawl.warc.gz"
    archive.write_bytes(os.urandom(3 * 1024 * 1024))
    store.put_archive(archive)
    store.put_object("snapshots/s1/manifest.json", b"{}")
    store.get_object("snapshots/s1/manifest.json")
    store.delete_object("snapshots/s1/manifest.json")


def test_the_meter_counts_what_the_s3_backend_sends(s3_settings: Settings, tmp_path: Path) -> None:
    store = open_store(s3_settings)
    backend = store.backend
    assert isinstance(backend, S3Backend)
    sent: Counter[str] = Counter()
    backend.client.meta.events.register("before-call.s3.*", lambda model, **_: sent.update([KINDS[model.name]]))
    meter = RequestMeter()
    metered = Store(MeteredBackend(backend, meter))
    work(metered, tmp_path)
    assert sent == meter.counts
    assert meter.counts["LIST"] == 2 and meter.counts["PUT"] == 1_203 + 1 + 1 + 1
    assert meter.dollars() == pytest.approx(
        (meter.counts["PUT"] + meter.counts["LIST"]) * 0.005 / 1000
        + (meter.counts["GET"] + meter.counts["HEAD"]) * 0.0004 / 1000
    )


def test_a_local_store_is_counted_as_s3_would_be(settings: Settings, s3_settings: Settings, tmp_path: Path) -> None:
    local, s3 = RequestMeter(), RequestMeter()
    work(Store(MeteredBackend(open_store(settings).backend, local)), tmp_path)
    work(Store(MeteredBackend(open_store(s3_settings).backend, s3)), tmp_path)
    assert local.counts == s3.counts


def test_every_process_with_a_request_log_appends_its_counts(settings: Settings, tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    env = {**os.environ, "ALBUMML_HOME": str(settings.home), "ALBUMML_STORE_REQUEST_LOG": str(log)}
    script = "from albumml.config import load_settings; from albumml.storage import open_store; "
    script += "s = open_store(load_settings()); k = s.put_blob(b'x').key; s.get_blob(k)"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", script], env=env, check=True)
    assert len(log.read_text().splitlines()) == 2
    # the first process writes and reads; the second put is refused and checked with a GET, then the read
    assert read_request_log(log) == Counter({"PUT": 2, "GET": 3})
    assert read_request_log(tmp_path / "absent.jsonl") == Counter()

"""The store: content-addressed blobs (covers) keyed by SHA-256, and named objects (snapshots, checkpoints)."""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from albumml.config import Settings
from albumml.errors import ConfigError, CorruptObjectError, ObjectNotFoundError, StoreError
from albumml.storage.backends import Backend, ObjectInfo
from albumml.storage.local import LocalBackend
from albumml.storage.metering import MeteredBackend, process_meter
from albumml.storage.s3 import S3Backend, make_s3_client

log = logging.getLogger(__name__)

BLOB_PREFIX = "blobs/sha256/"
ARCHIVE_PREFIX = "archives/sha256/"
ARCHIVE_SUFFIX = ".warc.gz"
CHUNK_BYTES = 1024 * 1024
KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9._=-]+(/[A-Za-z0-9._=-]+)*$")


def content_key(data: bytes) -> str:
    """The content key of `data`: its SHA-256 as 64 lowercase hex digits."""
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> bytes:
    """The SHA-256 of a file, read in chunks."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").digest()


@dataclass(frozen=True)
class PutResult:
    """The key a blob is stored under and whether this put wrote it (False: it was already there)."""

    key: str
    written: bool


@dataclass
class VerifyReport:
    """What `verify` found: how many blobs it re-hashed, which are corrupt, which expected ones are missing."""

    checked: int = 0
    bytes_checked: int = 0
    corrupt: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    archives_checked: int = 0
    corrupt_archives: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is corrupt or missing."""
        return not self.corrupt and not self.missing and not self.corrupt_archives


@dataclass(frozen=True)
class PrefixStats:
    """Object count and bytes under one top-level prefix."""

    objects: int
    bytes: int


class Store:
    """Content-addressed blobs and named objects over one backend (local folder or S3)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @property
    def url(self) -> str:
        """Where the store lives, for messages."""
        return self.backend.url

    @staticmethod
    def blob_name(key: str) -> str:
        """The object name under which the blob with `key` lives (fanned out by its first two digits)."""
        if not KEY_PATTERN.match(key):
            raise StoreError(f"{key!r} is not a content key (64 lowercase hex digits of a SHA-256)")
        return f"{BLOB_PREFIX}{key[:2]}/{key}"

    def put_blob(self, data: bytes) -> PutResult:
        """Store `data` under its SHA-256; the same bytes put twice are written once.

        An existing object whose bytes no longer hash to the key (truncated or rotted) is rewritten, so a re-crawl
        repairs what `verify` and the hash check on every read found.
        """
        digest = hashlib.sha256(data).digest()
        key = digest.hex()
        name = self.blob_name(key)
        if self.backend.put_if_absent(name, data, sha256=digest):
            return PutResult(key, written=True)
        if content_key(self.backend.get(name)) == key:
            return PutResult(key, written=False)
        log.warning("blob %s in %s was damaged (its bytes no longer hash to its key); rewriting it", key, self.url)
        self.backend.put(name, data, sha256=digest)
        return PutResult(key, written=True)

    def get_blob(self, key: str) -> bytes:
        """Read a blob and check that its bytes still hash to `key`."""
        data = self.backend.get(self.blob_name(key))
        actual = content_key(data)
        if actual != key:
            raise CorruptObjectError(
                f"blob {key} in {self.url} is corrupt (its bytes hash to {actual[:12]}...); "
                "run `albumml store verify`, then `albumml crawl run --full` to fetch and rewrite it"
            )
        return data

    def has_blob(self, key: str) -> bool:
        """Whether a blob with `key` is stored (its bytes are not re-hashed)."""
        return self.backend.size(self.blob_name(key)) is not None

    def blob_keys(self) -> Iterator[str]:
        """Every stored blob's key."""
        for info in self.backend.list(BLOB_PREFIX):
            yield info.name.rsplit("/", 1)[-1]

    @staticmethod
    def archive_name(key: str) -> str:
        """The object name of the crawl archive (gzip WARC) with content key `key`."""
        return Store.blob_name(key).replace(BLOB_PREFIX, ARCHIVE_PREFIX, 1) + ARCHIVE_SUFFIX

    def put_archive(self, path: Path) -> PutResult:
        """Store a crawl archive file under its SHA-256, streamed from disk (never all in memory); once per key."""
        digest = file_digest(path)
        key = digest.hex()
        name = self.archive_name(key)
        if self.backend.size(name) == path.stat().st_size:
            return PutResult(key, written=False)
        self.backend.put_file(name, path, sha256=digest)
        return PutResult(key, written=True)

    def fetch_archive(self, key: str, destination: Path) -> None:
        """Copy a crawl archive to a local file in chunks, checking that its bytes still hash to `key`."""
        hasher = hashlib.sha256()
        with self.backend.open_stream(self.archive_name(key)) as stream, destination.open("wb") as file:
            while chunk := stream.read(CHUNK_BYTES):
                hasher.update(chunk)
                file.write(chunk)
        if hasher.hexdigest() != key:
            destination.unlink(missing_ok=True)
            raise CorruptObjectError(
                f"crawl archive {key} in {self.url} is corrupt (its bytes hash to {hasher.hexdigest()[:12]}...); "
                "re-crawl with `albumml crawl run --full`"
            )

    def archive_keys(self) -> Iterator[str]:
        """Every stored crawl archive's key."""
        for info in self.backend.list(ARCHIVE_PREFIX):
            yield info.name.rsplit("/", 1)[-1].removesuffix(ARCHIVE_SUFFIX)

    def _archive_intact(self, key: str) -> bool:
        """Whether an archive's bytes still hash to its key (streamed, not held in memory)."""
        hasher = hashlib.sha256()
        try:
            with self.backend.open_stream(self.archive_name(key)) as stream:
                while chunk := stream.read(CHUNK_BYTES):
                    hasher.update(chunk)
        except ObjectNotFoundError:
            return False
        return hasher.hexdigest() == key

    def put_object(self, name: str, data: bytes) -> None:
        """Store a named object (a snapshot file, a checkpoint) atomically, replacing any earlier one."""
        self.backend.put(self._checked_name(name), data, sha256=hashlib.sha256(data).digest())

    def get_object(self, name: str) -> bytes:
        """Read a named object."""
        return self.backend.get(self._checked_name(name))

    def has_object(self, name: str) -> bool:
        """Whether a named object exists."""
        return self.backend.size(self._checked_name(name)) is not None

    def delete_object(self, name: str) -> None:
        """Remove a named object."""
        self.backend.delete(self._checked_name(name))

    def list_objects(self, prefix: str) -> list[ObjectInfo]:
        """Named objects under `prefix`, sorted by name."""
        return sorted(self.backend.list(prefix), key=lambda info: info.name)

    @staticmethod
    def _checked_name(name: str) -> str:
        reserved = (BLOB_PREFIX.split("/")[0], ARCHIVE_PREFIX.split("/")[0])
        if not NAME_PATTERN.match(name) or ".." in name.split("/") or name.startswith(reserved):
            raise StoreError(
                f"{name!r} is not a valid object name (relative, '/'-separated, no '..', not under blobs/ or archives/)"
            )
        return name

    def stats(self) -> dict[str, PrefixStats]:
        """Object count and bytes per top-level prefix (blobs, snapshots, ...)."""
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for info in self.backend.list(""):
            entry = counts[info.name.split("/", 1)[0]]
            entry[0] += 1
            entry[1] += info.size
        return {prefix: PrefixStats(*values) for prefix, values in sorted(counts.items())}

    def verify(
        self,
        expected_keys: Iterable[str] = (),
        *,
        workers: int = 8,
        progress: Callable[[int], None] | None = None,
    ) -> VerifyReport:
        """Re-hash every blob, and report corrupt ones and expected keys (e.g. the catalogue's) that are missing."""
        report = VerifyReport()
        infos = list(self.backend.list(BLOB_PREFIX))
        stored = {info.name.rsplit("/", 1)[-1] for info in infos}

        def rehash(info: ObjectInfo) -> tuple[str, bool, int]:
            key = info.name.rsplit("/", 1)[-1]
            try:
                data = self.backend.get(info.name)
            except ObjectNotFoundError:
                return key, True, 0
            return key, content_key(data) == key, len(data)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for key, intact, size in pool.map(rehash, infos):
                report.checked += 1
                report.bytes_checked += size
                if not intact:
                    log.warning("corrupt blob %s in %s", key, self.url)
                    report.corrupt.append(key)
                if progress is not None:
                    progress(1)
        report.missing = sorted(set(expected_keys) - stored)
        report.corrupt.sort()
        for key in self.archive_keys():
            report.archives_checked += 1
            if not self._archive_intact(key):
                log.warning("corrupt crawl archive %s in %s", key, self.url)
                report.corrupt_archives.append(key)
        return report


def open_store(settings: Settings) -> Store:
    """The store the settings point to: a local folder, file:// URL or s3://bucket/prefix; its requests counted where
    the settings keep a request log."""
    backend = _backend(settings)
    if settings.store_request_log is not None:
        backend = MeteredBackend(backend, process_meter(settings.store_request_log))
    return Store(backend)


def _backend(settings: Settings) -> Backend:
    url = settings.store_url
    if url.startswith("s3://"):
        bucket, _, prefix = url[len("s3://") :].partition("/")
        client = make_s3_client(
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=(
                settings.s3_secret_access_key.get_secret_value() if settings.s3_secret_access_key else None
            ),
        )
        return S3Backend(client, bucket, prefix, endpoint_url=settings.s3_endpoint_url)
    if url.startswith("file://"):
        url = url[len("file://") :]
    if not url:
        raise ConfigError("ALBUMML_STORE_URL is empty; give a folder path or s3://bucket/prefix")
    return LocalBackend(Path(url))

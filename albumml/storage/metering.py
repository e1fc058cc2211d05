"""What a store's work costs in S3 requests: every backend operation counted as the requests S3 bills for it, so a
night on the local store says what the same night would cost on S3 (`ALBUMML_STORE_REQUEST_LOG`).

S3 bills requests in two classes: PUT, COPY, POST and LIST at one price, GET, HEAD and the rest at about a twelfth
of it; DELETE is free. The counts follow what `S3Backend` sends: a put-if-absent is one conditional PUT, a file one PUT
(S3 takes up to 5 GB in one), a listing one request per 1,000 keys.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from albumml.storage.backends import Backend, ObjectInfo

LIST_PAGE = 1_000  # keys S3 returns per ListObjectsV2 request
# US East, S3 Standard, dollars per 1,000 requests (the published request prices).
PRICE_PER_1000 = {"PUT": 0.005, "LIST": 0.005, "GET": 0.0004, "HEAD": 0.0004, "DELETE": 0.0}


class RequestMeter:
    """S3 requests by kind (PUT, GET, HEAD, LIST, DELETE), counted from any thread."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, kind: str, requests: int = 1) -> None:
        """Count `requests` of `kind`."""
        with self._lock:
            self.counts[kind] += requests

    def dollars(self) -> float:
        """What the counted requests cost at PRICE_PER_1000."""
        return sum(PRICE_PER_1000[kind] * count / 1000 for kind, count in self.counts.items())


class MeteredBackend(Backend):
    """A backend that counts, in S3 requests, what is asked of the backend it wraps."""

    def __init__(self, inner: Backend, meter: RequestMeter) -> None:
        self.inner, self.meter, self.url = inner, meter, inner.url

    def __getattr__(self, name: str) -> Any:  # the S3 backend's client, for reading weight files
        return getattr(self.inner, name)

    def put(self, name: str, data: bytes, *, sha256: bytes) -> None:
        self.meter.add("PUT")
        self.inner.put(name, data, sha256=sha256)

    def put_if_absent(self, name: str, data: bytes, *, sha256: bytes) -> bool:
        self.meter.add("PUT")  # one conditional PUT (If-None-Match), whether it lands or not
        return self.inner.put_if_absent(name, data, sha256=sha256)

    def put_file(self, name: str, path: Path, *, sha256: bytes) -> None:
        self.meter.add("PUT")
        self.inner.put_file(name, path, sha256=sha256)

    @contextmanager
    def open_stream(self, name: str) -> Iterator[BinaryIO]:
        self.meter.add("GET")
        with self.inner.open_stream(name) as stream:
            yield stream

    def get(self, name: str) -> bytes:
        self.meter.add("GET")
        return self.inner.get(name)

    def size(self, name: str) -> int | None:
        self.meter.add("HEAD")
        return self.inner.size(name)

    def delete(self, name: str) -> None:
        self.meter.add("DELETE")
        self.inner.delete(name)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        listed = 0
        try:
            for info in self.inner.list(prefix):
                listed += 1
                yield info
        finally:
            self.meter.add("LIST", max(1, math.ceil(listed / LIST_PAGE)))

    def check(self) -> None:
        self.meter.add("HEAD")  # HeadBucket
        self.inner.check()


_PROCESS_METER: RequestMeter | None = None


def process_meter(log: Path) -> RequestMeter:
    """This process's meter; at exit its counts are appended to `log` as one JSON line (a night's processes -- the
    flow, its crawler -- each add theirs)."""
    global _PROCESS_METER
    if _PROCESS_METER is None:
        meter = _PROCESS_METER = RequestMeter()

        def write() -> None:
            if meter.counts:
                line = {"pid": os.getpid(), "command": " ".join(sys.argv[:3]), "requests": dict(meter.counts)}
                with log.open("a") as file:
                    file.write(json.dumps(line) + "\n")

        atexit.register(write)
    return _PROCESS_METER


def read_request_log(log: Path) -> Counter[str]:
    """Every process's counts in a request log, summed."""
    total: Counter[str] = Counter()
    if log.exists():
        for line in log.read_text().splitlines():
            total.update(json.loads(line)["requests"])
    return total

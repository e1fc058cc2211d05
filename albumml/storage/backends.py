"""The interface every storage backend implements: atomic puts and plain gets of named objects."""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


@dataclass(frozen=True)
class ObjectInfo:
    """A stored object's name (relative to the store's root) and size in bytes."""

    name: str
    size: int


class Backend(ABC):
    """Named objects under one root; a put either lands whole or not at all."""

    url: str

    @abstractmethod
    def put(self, name: str, data: bytes, *, sha256: bytes) -> None:
        """Write `data` under `name` atomically; `sha256` is its digest, checked where the backend can."""

    def put_if_absent(self, name: str, data: bytes, *, sha256: bytes) -> bool:
        """Write `data` unless an object named `name` exists; True when this call wrote it."""
        if self.size(name) is not None:
            return False
        self.put(name, data, sha256=sha256)
        return True

    def put_file(self, name: str, path: Path, *, sha256: bytes) -> None:
        """Write the file at `path` under `name` atomically; backends that can stream it do so."""
        self.put(name, path.read_bytes(), sha256=sha256)

    @contextmanager
    def open_stream(self, name: str) -> Iterator[BinaryIO]:
        """The object's bytes as a readable stream (backends that can, stream them), or ObjectNotFoundError."""
        yield io.BytesIO(self.get(name))

    @abstractmethod
    def get(self, name: str) -> bytes:
        """Read the object's bytes, or raise ObjectNotFoundError."""

    @abstractmethod
    def size(self, name: str) -> int | None:
        """The object's size in bytes, or None when it does not exist."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove the object if it exists."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose name starts with `prefix`."""

    @abstractmethod
    def check(self) -> None:
        """Raise StoreUnavailableError unless the store can be used."""

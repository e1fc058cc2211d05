"""A store in a local folder: temporary file, fsync, then rename, so a reader never sees half an object."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from albumml.errors import ObjectNotFoundError, StoreUnavailableError
from albumml.storage.backends import Backend, ObjectInfo

TEMP_PREFIX = ".tmp-"


class LocalBackend(Backend):
    """Objects as files under `root`; names map to relative paths."""

    def __init__(self, root: Path) -> None:
        self.root = root.expanduser().absolute()
        self.url = str(self.root)

    def _path(self, name: str) -> Path:
        return self.root / name

    def put(self, name: str, data: bytes, *, sha256: bytes) -> None:
        self._write(name, lambda file: file.write(data))

    def put_file(self, name: str, path: Path, *, sha256: bytes) -> None:
        """Copies the file in chunks (never all of it in memory) to a temporary file, then renames it."""
        with path.open("rb") as source:
            self._write(name, lambda file: shutil.copyfileobj(source, file, 1024 * 1024))

    def _write(self, name: str, fill: Callable[[BinaryIO], object]) -> None:
        """Temporary file beside the target, filled, fsynced, renamed: the object lands whole or not at all."""
        path = self._path(name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX)
        except OSError as exc:
            raise self._unwritable(path.parent, exc) from exc
        try:
            with os.fdopen(handle, "wb") as file:
                fill(file)
                file.flush()
                os.fsync(file.fileno())
            Path(temporary).replace(path)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise self._unwritable(path.parent, exc) from exc

    @contextmanager
    def open_stream(self, name: str) -> Iterator[BinaryIO]:
        try:
            file = self._path(name).open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFoundError(f"no object {name!r} in the store at {self.url}") from None
        with file:
            yield file

    def _unwritable(self, folder: Path, exc: OSError) -> StoreUnavailableError:
        return StoreUnavailableError(
            f"cannot write to the store folder {folder}: {exc.strerror or exc}; "
            "free space or fix permissions, or set ALBUMML_STORE_URL to a writable folder"
        )

    def get(self, name: str) -> bytes:
        try:
            return self._path(name).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFoundError(f"no object {name!r} in the store at {self.url}") from None

    def size(self, name: str) -> int | None:
        try:
            return self._path(name).stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            return None

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        start = self.root / prefix.rpartition("/")[0]
        if not start.is_dir():
            return
        for directory, subdirectories, files in os.walk(start):
            subdirectories.sort()
            for file_name in sorted(files):
                if file_name.startswith(TEMP_PREFIX):
                    continue
                path = Path(directory) / file_name
                name = path.relative_to(self.root).as_posix()
                if name.startswith(prefix):
                    yield ObjectInfo(name, path.stat().st_size)

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._unwritable(self.root, exc) from exc
        if not os.access(self.root, os.W_OK):
            raise self._unwritable(self.root, PermissionError(13, "permission denied"))

"""Immutable, content-identified dataset snapshots of the catalogue."""

from albumml.dataset.snapshot import (
    Snapshot,
    SnapshotConfig,
    build_snapshot,
    list_snapshots,
    load_snapshot,
    save_snapshot,
    split_of,
)

__all__ = [
    "Snapshot",
    "SnapshotConfig",
    "build_snapshot",
    "list_snapshots",
    "load_snapshot",
    "save_snapshot",
    "split_of",
]

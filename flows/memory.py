"""Freed memory goes back to the system after each heavy task, so a night's tasks do not pile up in one process.

The worker runs with glibc told to keep freed blocks under 64 MiB (fast CPU inference: see the Makefile), and
Prefect runs each task in a thread of its own, whose allocations land in that thread's glibc arena. Without a trim
each finished task's arena kept its peak: the 10,000-album nightly's flow process grew by 0.3-0.7 GB with each
variant trained (4,636 MiB at its peak). `malloc_trim(0)` returns the free pages of every arena at once.
"""

from __future__ import annotations

import ctypes
import logging
from typing import Any

log = logging.getLogger(__name__)


def _malloc_trim() -> Any:
    """glibc's `malloc_trim`, or None where the C library has none (musl, macOS)."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return None


MALLOC_TRIM = _malloc_trim()


def release_freed_memory() -> bool:
    """Hands the free pages of every malloc arena back to the system; True when some memory was returned."""
    if MALLOC_TRIM is None:
        return False
    return bool(MALLOC_TRIM(0))


def release_after_task(task: Any, task_run: Any, state: Any) -> None:
    """A Prefect state hook (completion or failure): the finished task's freed memory goes back to the system."""
    if not release_freed_memory():
        log.debug("task %s: no free pages to return, or no malloc_trim in this C library", task_run.name)


# The hooks of every task that holds large arrays (features, splits, models) for a while.
RELEASE_HOOKS: dict[str, Any] = {"on_completion": [release_after_task], "on_failure": [release_after_task]}

"""A finished task's freed memory goes back to the system, under the allocator settings the worker runs with."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from flows.memory import release_after_task
from flows.tasks import drift_task, featurize_task, register_task, snapshot_task, sweep_task, train_task

# The Makefile's and the worker image's thresholds: freed blocks under 64 MiB stay in the process, never trimmed.
WORKER_ALLOCATOR = {"MALLOC_MMAP_THRESHOLD_": "67108864", "MALLOC_TRIM_THRESHOLD_": "17179869184"}

# A task thread that allocates 300 MiB in 1 MiB blocks and frees nine in ten (what stays, 30 MiB, is what a task
# returns or caches), leaving its arena full of holes; the RSS after the thread ended, then after the release.
CHURN = """
import json, threading
from pathlib import Path
from flows.memory import release_freed_memory

def rss_mib():
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20

results = []

def task():
    blocks = [bytearray(1 << 20) for _ in range(300)]
    results.extend(blocks[::10])
    del blocks

start = rss_mib()
thread = threading.Thread(target=task)
thread.start()
thread.join()
kept = rss_mib()
released = release_freed_memory()
print(json.dumps({"start": start, "kept": kept, "after": rss_mib(), "released": released}))
"""


def test_freed_memory_of_a_task_thread_goes_back_after_the_release() -> None:
    env = {**os.environ, **WORKER_ALLOCATOR}
    completed = subprocess.run([sys.executable, "-c", CHURN], env=env, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    rss = json.loads(completed.stdout)
    assert rss["kept"] - rss["start"] > 250, rss  # the worker's settings keep the 270 MiB the thread freed
    assert rss["released"] is True
    assert rss["kept"] - rss["after"] > 200, rss  # the release hands them back
    assert rss["after"] - rss["start"] < 80, rss  # and keeps what is still in use


def test_every_task_that_holds_large_arrays_releases_when_it_ends() -> None:
    for task in (snapshot_task, featurize_task, drift_task, train_task, sweep_task, register_task):
        assert release_after_task in task.on_completion_hooks, task.name
        assert release_after_task in task.on_failure_hooks, task.name

"""The benchmark harness runs end to end at tiny sizes and writes figures beside their baselines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.bench_nightly import allocator

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[1]
# Every stage but `flows` and `variants`, whose timed nights take minutes even at quick sizes (`make bench` runs
# them; what they time, bounded concurrent variants and a retry that skips finished ones, is tested in
# tests/flows/test_parallel_variants.py); `nightly` is the full-scale rehearsal at its quick size (60 albums).
STAGES = ["catalogue", "store", "crawl", "models", "sweep", "scale", "analysis", "nightly"]


def test_quick_benchmarks_write_ratios_against_baselines(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", *STAGES, "--quick", "--output", str(tmp_path)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr
    figures = json.loads((tmp_path / "benchmarks.json").read_text())["figures"]
    baselines = {(f["stage"], f["baseline_name"]) for f in figures}
    assert {("catalogue", "psycopg2 COPY"), ("catalogue", "ORM row by row"), ("store", "boto3 put_object")} <= baselines
    for figure in figures:
        assert figure["value"] > 0 and figure["baseline_value"] > 0
        assert abs(figure["ratio"] - figure["value"] / figure["baseline_value"]) < 1e-9
    assert "| catalogue |" in (tmp_path / "benchmarks.md").read_text()
    peaks = json.loads((tmp_path / "benchmarks.json").read_text())["peak_memory_mib"]
    assert {figure["stage"] for figure in figures} <= set(peaks)
    assert set(STAGES) <= set(peaks)
    assert all(peak["process"] > 50 for peak in peaks.values())
    assert "peak RSS" in (tmp_path / "benchmarks.md").read_text()
    # The rehearsal's report states the allocator settings its nights ran under (the worker's, under `make`).
    nights = [f for f in figures if f["stage"] == "nightly" and f["name"].endswith("night")]
    assert len(nights) == 3 and all(allocator(dict(os.environ)) in figure["note"] for figure in nights)

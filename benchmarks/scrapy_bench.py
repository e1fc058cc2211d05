"""The baseline crawl rate: `scrapy bench` (Scrapy's own local server and link-following spider), run here."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile

STAT = re.compile(r"'(response_received_count|elapsed_time_seconds)': ([0-9.]+)")


def scrapy_bench_pages_per_second(seconds: int = 10) -> float:
    """Responses a second `scrapy bench` reaches on this machine in `seconds`."""
    with tempfile.TemporaryDirectory() as folder:
        completed = subprocess.run(
            [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}", "-s", "LOG_LEVEL=INFO"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
    stats = {name: float(value) for name, value in STAT.findall(completed.stderr)}
    return stats["response_received_count"] / stats["elapsed_time_seconds"]

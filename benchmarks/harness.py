"""Timing, figures and the report: each figure stands beside its baseline, measured in the same run."""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results")


@dataclass
class Figure:
    """One measured rate beside its baseline; `ratio` is ours over the baseline's (higher is better)."""

    stage: str
    name: str
    unit: str
    value: float
    baseline_name: str
    baseline_value: float
    target_ratio: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float:
        """Our rate over the baseline's."""
        return self.value / self.baseline_value if self.baseline_value else float("inf")

    @property
    def met(self) -> bool | None:
        """Whether the ratio reaches its target (None when there is no target)."""
        return None if self.target_ratio is None else self.ratio >= self.target_ratio


@dataclass
class Report:
    """All figures of one run, written as JSON and as a Markdown table."""

    figures: list[Figure] = field(default_factory=list)
    peaks: dict[str, dict[str, float]] = field(default_factory=dict)
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def add(self, figure: Figure) -> None:
        """Record a figure and print it as it arrives."""
        self.figures.append(figure)
        target = "" if figure.target_ratio is None else f" (target >= {figure.target_ratio:g}: {figure.met})"
        print(
            f"[{figure.stage}] {figure.name}: {figure.value:,.1f} {figure.unit} vs {figure.baseline_name} "
            f"{figure.baseline_value:,.1f} -> ratio {figure.ratio:.3f}{target}",
            flush=True,
        )

    def write(self, folder: Path = RESULTS) -> tuple[Path, Path]:
        """Write `benchmarks.json` and `benchmarks.md` under `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        data: dict[str, Any] = {
            "started": self.started,
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
            "figures": [{**asdict(f), "ratio": f.ratio, "met": f.met} for f in self.figures],
            "peak_memory_mib": self.peaks,
        }
        json_path, markdown_path = folder / "benchmarks.json", folder / "benchmarks.md"
        json_path.write_text(json.dumps(data, indent=2))
        lines = [
            "| stage | figure | value | baseline | baseline value | ratio | target | met | note |",
            "| --- | --- | ---: | --- | ---: | ---: | ---: | --- | --- |",
        ]
        for f in self.figures:
            target = "" if f.target_ratio is None else f">= {f.target_ratio:g}"
            lines.append(
                f"| {f.stage} | {f.name} ({f.unit}) | {f.value:,.1f} | {f.baseline_name} | {f.baseline_value:,.1f} "
                f"| {f.ratio:.3f} | {target} | {'' if f.met is None else f.met} | {f.note} |"
            )
        if self.peaks:
            lines += [
                "",
                "| stage | peak RSS, stage process (MiB) | peak RSS, largest child process (MiB) |",
                "| --- | ---: | ---: |",
            ]
            lines += [f"| {s} | {p['process']:,.0f} | {p['largest_child']:,.0f} |" for s, p in self.peaks.items()]
        markdown_path.write_text("\n".join(lines) + "\n")
        return json_path, markdown_path


def peak_memory() -> dict[str, float]:
    """Peak resident memory of this process and of the largest child process it waited for, in MiB."""
    import resource

    return {
        "process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "largest_child": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def rate(
    count: int, work: Callable[[], object], *, repeat: int = 3, setup: Callable[[], object] | None = None
) -> float:
    """Best-of-`repeat` rate of `work` (items a second), each round after a fresh `setup`."""
    best = float("inf")
    for _ in range(repeat):
        if setup is not None:
            setup()
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return count / best

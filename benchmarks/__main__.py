"""`python -m benchmarks [STAGE...] [--quick]`: run the stages, print ratios, write the JSON and Markdown report."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from benchmarks import bench_catalogue, bench_crawl, bench_flows, bench_models, bench_store
from benchmarks.harness import RESULTS, Report

STAGES: dict[str, tuple[Callable[..., None], dict[str, int]]] = {
    "catalogue": (bench_catalogue.run, {"albums": 1_000, "orm_albums": 100}),
    "store": (bench_store.run, {"objects": 40}),
    "crawl": (bench_crawl.run, {"albums": 40}),
    "models": (bench_models.run, {"covers": 32, "pyfunc_requests": 3}),
    "flows": (bench_flows.run, {"albums": 120, "epochs": 2, "rounds": 1}),
}


def main() -> None:
    """Parse the stages to run and write the report."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("stages", nargs="*", choices=[*STAGES, []], help="stages to run (all by default)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the harness runs")
    parser.add_argument("--output", type=Path, default=RESULTS, help="folder for benchmarks.json and .md")
    arguments = parser.parse_args()
    report = Report()
    for name in arguments.stages or list(STAGES):
        run, quick_sizes = STAGES[name]
        run(report, **(quick_sizes if arguments.quick else {}))
    json_path, markdown_path = report.write(arguments.output)
    print(f"report: {json_path} and {markdown_path}")


if __name__ == "__main__":
    main()

"""`python -m flows nightly --url URL`: run the nightly flow here, print its summary and how to look at it."""

from __future__ import annotations

import argparse
import json

from flows.nightly import nightly
from flows.parameters import NightlyParameters


def main() -> None:
    """Parse the parameters, run the flow, print what it did."""
    parser = argparse.ArgumentParser(prog="python -m flows", description=__doc__)
    parser.add_argument("flow", choices=["nightly"])
    parser.add_argument("--url", default="", help="site base URL (else ALBUMML_CRAWL_START_URL)")
    parser.add_argument("--epochs", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the run's report as JSON")
    arguments = parser.parse_args()
    report = nightly(NightlyParameters(site_url=arguments.url, epochs=arguments.epochs))
    if arguments.json:
        print(json.dumps(report, default=str))
        return
    crawl, snapshot = report["crawl"], report["snapshot"]
    print(
        f"\ncrawl run {crawl['id']}: {crawl['albums_new']} new, {crawl['albums_changed']} changed, "
        f"{crawl['albums_unchanged']} unchanged, {crawl['errors']} errors"
    )
    print(
        f"snapshot {snapshot['snapshot_id']} ({'new' if snapshot['created'] else 'unchanged'}): "
        f"{snapshot['albums']} albums, {snapshot['moods']} moods"
    )
    if not report["trained"]:
        print("nothing new: nothing retrained")
        return
    print(f"{'model':>5}  {'test micro AP':>13}  {'label freq.':>11}  {'random':>7}")
    for run in report["trained"]:
        print(
            f"{run['variant']:>5}  {run['test_micro_ap']:>13.4f}  {run['baseline_micro_ap']:>11.4f}  "
            f"{run['random_micro_ap']:>7.4f}"
        )
    print(f"champion gate: {report['gate']['reason']}")


if __name__ == "__main__":
    main()

"""Model truth on the sample site: each of the four models chosen by its sweep, against the linear probe.

`python scripts/model_truth.py [--albums 3000] [--trials 20]` generates and crawls a sample site, snapshots it,
sweeps and retrains each variant on cached EfficientNet-Lite0 features (an embedded stack in a temporary folder),
and prints for each: test micro AP, the linear probe's and kNN's, the difference to the probe with its 95% paired
bootstrap interval, and how close its top-5 mistakes land to the true moods (beside label frequency's and a random
wrong mood's). The sample site is our simulator: these figures say the pipeline chooses and measures honestly, not
how covers of the real site behave.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from unittest import mock

from albumml import pipeline
from albumml.catalogue import open_catalogue
from albumml.catalogue.migrate import upgrade
from albumml.config import load_settings
from albumml.dataset import SnapshotConfig
from albumml.models.heads import Variant
from albumml.registry.tracking import client
from albumml.training.config import resolve_train_config
from sample_site import FAST_CRAWL_SETTINGS, Faults, generate_site, serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--albums", type=int, default=3000)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=40)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate_site(root / "site", albums=arguments.albums, seed=21, faults=Faults())
        with (
            serving(root / "site") as site,
            mock.patch.dict(os.environ, {**FAST_CRAWL_SETTINGS, "ALBUMML_HOME": str(root / "home")}),
        ):
            settings = load_settings(home=root / "home")
            upgrade(open_catalogue(settings, check_schema=False).engine)
            pipeline.crawl(settings, site.base_url)
            outcome = pipeline.snapshot(settings, SnapshotConfig())
            print(f"snapshot {outcome.snapshot_id}: {outcome.albums} albums, {outcome.moods} moods", flush=True)
            budget = pipeline.sweep_budget(settings, arguments.trials, 3600)
            for variant in Variant:
                config = resolve_train_config(
                    settings,
                    outcome.snapshot_id,
                    {"variant": variant, "epochs": arguments.epochs, "report": False},
                )
                pipeline.featurize(settings, config)
                swept = pipeline.sweep(settings, config, budget)
                assert swept.result is not None
                evaluation = swept.result.evaluation
                anchors = {a.key: a for a in evaluation.anchors}
                mistakes = evaluation.mistakes
                params = client(settings).get_run(swept.result.run_id).data.params
                print(
                    f"model {int(variant)}: test micro AP {evaluation.model.micro_ap:.4f} "
                    f"(probe {anchors['probe'].metrics.micro_ap:.4f} {anchors['probe'].choice}, "
                    f"kNN {anchors['knn'].metrics.micro_ap:.4f} {anchors['knn'].choice}, "
                    f"label frequency {evaluation.label_frequency.micro_ap:.4f}); "
                    f"minus probe {evaluation.beyond['probe'].text()}; "
                    f"mistake closeness {mistakes.model:.4f} (label frequency {mistakes.label_frequency:.4f}, "
                    f"random wrong mood {mistakes.chance:.4f}); best trial {swept.sweep.best_trial} of "
                    f"{len(swept.sweep.trials)}: {swept.sweep.best_params()} "
                    f"read-back {params.get('read_back', '-')}; {evaluation.model.albums} test albums",
                    flush=True,
                )


if __name__ == "__main__":
    main()

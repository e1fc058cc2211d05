"""The names MLflow holds for us: run and model-version tags, metrics and the champion alias, typed in one place.

Every module that writes or reads a tag or a metric uses these names, so a rename is one edit and a typo is an
import error rather than a silently empty lookup.
"""

from __future__ import annotations

from typing import Final

CHAMPION: Final = "champion"
REPORT_ARTIFACT: Final = "report/report.html"  # where a training run logs its HTML report
DRIFT_ARTIFACT: Final = "report/snapshot-drift.md"  # the night's drift summary, beside the report


class RunTag:
    """Tags a training run sets on itself."""

    MODEL_URI: Final = "model_uri"
    SNAPSHOT_ID: Final = "snapshot_id"
    VARIANT: Final = "variant"
    BACKBONE: Final = "backbone"
    RUN_KEY: Final = "run_key"
    TEST_MICRO_AP: Final = "test_micro_ap"
    TARGET: Final = "target"  # what the model learns: moods, genres, styles or themes
    KIND: Final = "albumml.kind"  # "sweep" on a sweep's parent run; training runs carry none
    SWEEP_RUN_ID: Final = "sweep.run_id"  # on a run retrained from a sweep's best trial: the sweep's parent run
    SWEEP_STUDY: Final = "sweep.study"
    SWEEP_BEST_PARAMS: Final = "sweep.best_params"
    SWEEP_SEARCH_SPACE: Final = "sweep.search_space"


SWEEP_KIND: Final = "sweep"
SWEEP_ARTIFACT: Final = "sweep.json"  # the study's trials, search space and best parameters


class VersionTag:
    """Tags a registered model version carries from registration."""

    SNAPSHOT_ID: Final = "snapshot_id"
    RUN_ID: Final = "run_id"


class GateTag:
    """Tags the gate writes on the new version and on the challenger's run."""

    SNAPSHOT_ID: Final = "gate.snapshot_id"
    CHALLENGER_MICRO_AP: Final = "gate.challenger_micro_ap"
    CHAMPION_VERSION: Final = "gate.champion_version"
    CHAMPION_MICRO_AP: Final = "gate.champion_micro_ap"
    BASELINE_FREQUENCY_MICRO_AP: Final = "gate.baseline_frequency_micro_ap"
    BASELINE_MARGIN: Final = "gate.baseline_margin"
    BASELINE_PREFIX: Final = "gate.baseline_"  # + an anchor's key and "_micro_ap": the linear probe, kNN
    MIN_IMPROVEMENT: Final = "gate.min_improvement"
    DECISION: Final = "gate.decision"
    REASON: Final = "gate.reason"


class ModelTag:
    """Tags the gate writes on the registered model itself after every decision, won or defended."""

    JUDGED_SNAPSHOT_ID: Final = "gate.judged_snapshot_id"
    CHAMPION_VERSION: Final = "gate.champion_version"
    REJECTED_IN_A_ROW: Final = "gate.rejected_in_a_row"


class Metric:
    """Metrics a training run logs (per epoch, then once at the end)."""

    TRAIN_LOSS: Final = "train_loss"
    VALIDATION_MICRO_AP: Final = "validation_micro_ap"
    EPOCH_SECONDS: Final = "epoch_seconds"
    FINETUNE_TRAIN_LOSS: Final = "finetune_train_loss"
    FINETUNE_VALIDATION_MICRO_AP: Final = "finetune_validation_micro_ap"
    FINETUNE_EPOCH_SECONDS: Final = "finetune_epoch_seconds"
    TEST_MICRO_AP: Final = "test_micro_ap"
    BASELINE_FREQUENCY_MICRO_AP: Final = "baseline_frequency_micro_ap"
    BASELINE_RANDOM_MICRO_AP: Final = "baseline_random_micro_ap"
    BASELINE_PROBE_MICRO_AP: Final = "baseline_probe_micro_ap"
    BASELINE_KNN_MICRO_AP: Final = "baseline_knn_micro_ap"
    BEST_EPOCH: Final = "best_epoch"
    BEST_VALIDATION_MICRO_AP: Final = "best_validation_micro_ap"


def champion_uri(model_name: str) -> str:
    """`models:/<name>@champion`: how people and code find the champion."""
    return f"models:/{model_name}@{CHAMPION}"

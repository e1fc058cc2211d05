"""The champion gate: a challenger takes `@champion` only if it beats label frequency by a margin and the champion,
re-measured on the challenger's test split, by a minimum improvement (both settings).

Models are found by alias, never by version number. Both figures and the decision are kept as tags on the new
version and on the challenger's run. Both models are read from their weights alone, and each must belong to its run:
the challenger's `model_uri` to the challenger's run, the champion version's source to the champion's run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from albumml.config import Settings
from albumml.dataset import load_snapshot
from albumml.errors import TrackingError
from albumml.registry.champion import current_champion, rejected_in_a_row
from albumml.registry.loading import model_of_run, read_bundle, version_source
from albumml.registry.schema import CHAMPION, GateTag, ModelTag, RunTag, VersionTag
from albumml.registry.tracking import client, scrubbed, tracking_errors
from albumml.storage import open_store
from albumml.targets import Target, registered_name
from albumml.training.measure import Evaluation, measure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GateDecision:
    """What the gate measured and decided, with the margins it held the challenger to."""

    name: str
    version: str
    snapshot_id: str
    challenger_micro_ap: float
    baseline_micro_ap: float
    champion_version: str | None
    champion_micro_ap: float | None
    baseline_margin: float
    min_improvement: float
    challenger: Evaluation
    previously_rejected_in_a_row: int = 0

    @property
    def rejected_in_a_row(self) -> int:
        """Gates in a row, this one included, that kept the champion (0 when this one promoted)."""
        return 0 if self.promoted else self.previously_rejected_in_a_row + 1

    @property
    def beats_baseline(self) -> bool:
        """Whether the challenger beats label frequency by more than the margin."""
        return self.challenger_micro_ap - self.baseline_micro_ap > self.baseline_margin

    @property
    def beats_champion(self) -> bool:
        """Whether there is no champion, or the challenger beats it by at least the minimum improvement."""
        if self.champion_micro_ap is None:
            return True
        gain = self.challenger_micro_ap - self.champion_micro_ap
        return gain > 0 and gain >= self.min_improvement

    @property
    def promoted(self) -> bool:
        """Whether the challenger takes `@champion`."""
        return self.beats_baseline and self.beats_champion

    @property
    def reason(self) -> str:
        """One line saying why, with both figures and the margin that decided."""
        challenger = f"challenger v{self.version} ({self.challenger_micro_ap:.4f} test micro AP)"
        where = f"on snapshot {self.snapshot_id}"
        if not self.beats_baseline:
            return (
                f"{challenger} does not beat label frequency ({self.baseline_micro_ap:.4f}) by more than the margin "
                f"{self.baseline_margin:g} {where}: not promoted"
            )
        if self.champion_micro_ap is None:
            return (
                f"no champion yet: {challenger} beats label frequency ({self.baseline_micro_ap:.4f}) by more than "
                f"{self.baseline_margin:g} {where} and becomes champion"
            )
        champion = f"champion v{self.champion_version} ({self.champion_micro_ap:.4f}, re-measured)"
        if self.promoted:
            return f"{challenger} beats {champion} by at least {self.min_improvement:g} {where}: promoted"
        return f"{challenger} does not beat {champion} by at least {self.min_improvement:g} {where}: champion defends"


def _run_of(settings: Settings, mlflow_client: Any, run_id: str) -> Any:
    try:
        return mlflow_client.get_run(run_id)
    except Exception as error:
        raise TrackingError(f"no MLflow run {run_id!r}: {scrubbed(settings, error)}") from None


def register(settings: Settings, run_id: str) -> GateDecision:
    """Registers the run's model under the configured name for its target and moves `@champion` to it only if it
    wins."""
    import mlflow

    mlflow_client = client(settings)
    run = _run_of(settings, mlflow_client, run_id)
    model_uri = run.data.tags.get(RunTag.MODEL_URI)
    snapshot_id = run.data.tags.get(RunTag.SNAPSHOT_ID)
    if not model_uri or not snapshot_id:
        raise TrackingError(f"run {run_id} has no logged mood model (tags model_uri, snapshot_id): train it first")
    source = model_of_run(mlflow_client, run_id, model_uri)
    # one registered model per target: album-mood, album-genre, ...
    name = registered_name(settings.model_name, Target(run.data.tags.get(RunTag.TARGET, Target.MOODS)))
    store = open_store(settings)
    snapshot = load_snapshot(store, snapshot_id)
    challenger = measure(read_bundle(source), store, snapshot)
    champion = current_champion(mlflow_client, name)
    champion_ap = None
    if champion is not None:
        champion_ap = measure(read_bundle(version_source(mlflow_client, champion)), store, snapshot).model.micro_ap
    with tracking_errors(settings, f"registering run {run_id}'s model as {name!r}"):
        version = mlflow.register_model(
            model_uri, name, tags={VersionTag.SNAPSHOT_ID: snapshot_id, VersionTag.RUN_ID: run_id}
        )
    decision = GateDecision(
        name=name,
        version=str(version.version),
        snapshot_id=snapshot_id,
        challenger_micro_ap=challenger.model.micro_ap,
        baseline_micro_ap=challenger.label_frequency.micro_ap,
        champion_version=str(champion.version) if champion is not None else None,
        champion_micro_ap=champion_ap,
        baseline_margin=settings.gate_baseline_margin,
        min_improvement=settings.gate_min_improvement,
        challenger=challenger,
        previously_rejected_in_a_row=rejected_in_a_row(mlflow_client, name),
    )
    _record(mlflow_client, settings, run_id, decision)
    log.info("%s", decision.reason)
    return decision


def _record(mlflow_client: Any, settings: Settings, run_id: str, decision: GateDecision) -> None:
    """The decision as tags and description on the new version, tags on the run, and on the registered model the
    snapshot its champion was last judged on (so an unchanged night trains nothing, after a defence too)."""
    name, promoted = decision.name, decision.promoted
    champion_ap = decision.champion_micro_ap
    tags = {
        GateTag.SNAPSHOT_ID: decision.snapshot_id,
        GateTag.CHALLENGER_MICRO_AP: f"{decision.challenger_micro_ap:.6f}",
        GateTag.CHAMPION_VERSION: decision.champion_version or "none",
        GateTag.CHAMPION_MICRO_AP: f"{champion_ap:.6f}" if champion_ap is not None else "none",
        GateTag.BASELINE_FREQUENCY_MICRO_AP: f"{decision.baseline_micro_ap:.6f}",
        GateTag.BASELINE_MARGIN: f"{decision.baseline_margin:g}",
        GateTag.MIN_IMPROVEMENT: f"{decision.min_improvement:g}",
        **{
            f"{GateTag.BASELINE_PREFIX}{anchor.key}_micro_ap": f"{anchor.metrics.micro_ap:.6f}"
            for anchor in decision.challenger.anchors
        },
        GateTag.DECISION: "promoted" if promoted else "rejected",
        GateTag.REASON: decision.reason,
    }
    champion_now = decision.version if promoted else decision.champion_version
    with tracking_errors(settings, f"recording the gate's decision on {name!r} v{decision.version}"):
        for key, value in tags.items():
            mlflow_client.set_model_version_tag(name, decision.version, key, value)
            mlflow_client.set_tag(run_id, key, value)
        mlflow_client.update_model_version(name, decision.version, description=decision.reason)
        if promoted:
            mlflow_client.set_registered_model_alias(name, CHAMPION, decision.version)
        mlflow_client.set_registered_model_tag(name, ModelTag.JUDGED_SNAPSHOT_ID, decision.snapshot_id)
        mlflow_client.set_registered_model_tag(name, ModelTag.CHAMPION_VERSION, champion_now or "none")
        mlflow_client.set_registered_model_tag(name, ModelTag.REJECTED_IN_A_ROW, str(decision.rejected_in_a_row))

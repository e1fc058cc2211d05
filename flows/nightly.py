"""The nightly flow: incremental crawl -> a new snapshot only if the catalogue changed -> the four models -> the gate.

Nothing new means nothing retrained. The run publishes the crawl summary and the evaluation table (each model
beside the baselines, and the gate's verdict against the champion) as Prefect artifacts.
"""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from pydantic import Field

from albumml import pipeline
from albumml.config import Settings, load_settings
from albumml.registry.runs import attach_drift, run_links
from albumml.targets import Target
from albumml.training.config import TrainConfig, resolve_train_config
from flows.parameters import (
    ALL_VARIANTS,
    DEFAULT_BACKBONE,
    DEFAULT_EPOCHS,
    DEFAULT_MIN_MOOD_COUNT,
    MAX_EPOCHS,
    BackboneName,
    Compute,
    ModelVariant,
    train_values,
)
from flows.tasks import (
    crawl_task,
    drift_task,
    featurize_task,
    record_sweeps,
    register_task,
    snapshot_task,
    sweep_variants,
    train_variants,
)

# The event a night emits when it completed but someone should look (the gate keeps rejecting).
ATTENTION_EVENT = "albumml.nightly.attention"
FINISHED_EARLIER = " (finished earlier)"  # a retried night's variant that an earlier attempt trained


def figure(value: float | None) -> str:
    """A micro AP for the table, or a dash where there is none."""
    return "-" if value is None else f"{value:.4f}"


def evaluation_markdown(outcome: pipeline.SnapshotOutcome, trained: list[dict[str, Any]], gate: dict[str, Any]) -> str:
    """The nightly evaluation table: each model beside the label-frequency and random baselines, then the gate."""
    rows = "\n".join(
        f"| {run['variant']}{FINISHED_EARLIER if run.get('skipped') else ''} | {run['validation_micro_ap']:.4f} | "
        f"{run['test_micro_ap']:.4f} | {run['baseline_micro_ap']:.4f} | {run['random_micro_ap']:.4f} | "
        f"{figure(run.get('probe_micro_ap'))} | {figure(run.get('knn_micro_ap'))} | "
        f"{run['test_micro_ap'] / run['baseline_micro_ap']:.2f}x |"
        for run in trained
    )
    champion = "none" if gate["champion_micro_ap"] is None else f"{gate['champion_micro_ap']:.4f}"
    return (
        f"# Snapshot {outcome.snapshot_id}: {outcome.albums} albums, {outcome.moods} moods\n\n"
        "| model | validation micro AP (selection) | test micro AP | label frequency | random | linear probe | kNN "
        "| vs frequency |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n"
        f"{rows}\n\n**Champion before this run (re-measured):** {champion}\n\n**Gate:** {gate['reason']}\n"
    )


def publish_run_links(settings: Settings, trained: list[dict[str, Any]]) -> None:
    """A link artifact to each variant's MLflow run and one to its HTML report (when MLflow is a server)."""
    for run in trained:
        links = run_links(settings, run["run_id"])
        if links is None:
            continue
        variant = run["variant"]
        create_link_artifact(
            key=f"model-{variant}-run", link=links.run, link_text=f"model {variant}: MLflow run {run['run_id']}"
        )
        create_link_artifact(key=f"model-{variant}-report", link=links.report, link_text=f"model {variant}: report")


def attention(reason: str) -> None:
    """Emits the event the "night needs attention" automation turns into an alert, naming this flow run."""
    from prefect.events import emit_event
    from prefect.runtime import flow_run

    emit_event(
        event=ATTENTION_EVENT,
        resource={"prefect.resource.id": f"prefect.flow-run.{flow_run.id}", "prefect.resource.name": flow_run.name},
        payload={"reason": reason},
    )
    print(f"needs attention: {reason}")


@flow(name="nightly", log_prints=True)
def nightly(
    site_url: str = "",
    full_crawl: bool = False,
    min_mood_count: Annotated[int, Field(ge=1)] = DEFAULT_MIN_MOOD_COUNT,
    backbone: BackboneName = DEFAULT_BACKBONE,
    epochs: Annotated[int, Field(ge=1, le=MAX_EPOCHS)] = DEFAULT_EPOCHS,
    variants: Annotated[list[ModelVariant], Field(min_length=1)] = ALL_VARIANTS,
    compute: Compute = "local",
    sweep: bool = False,
    target: Target = Target.MOODS,
) -> dict[str, Any]:
    """Crawl -> a new snapshot only if the catalogue changed -> train the variants -> register the best.

    Args:
        site_url: Site base, sitemap or album URL; empty means the deployment's ALBUMML_CRAWL_START_URL.
        full_crawl: Fetch every album, ignoring what the catalogue already has.
        min_mood_count: Keep only moods on at least this many albums.
        backbone: Image backbone whose cached features the models learn from.
        epochs: Epoch budget of each model (early stopping may end sooner).
        variants: Which of the study's four models to train (1 moods, 2 +metadata, 3 label space, 4 3+metadata).
        compute: Train here (ALBUMML_TRAIN_LOCAL_PARALLEL at a time), or all as AWS Batch GPU jobs at once.
        sweep: First choose each variant's head on validation with an Optuna sweep here, on cached features
            (ALBUMML_SWEEP_TRIALS, ALBUMML_SWEEP_TIMEOUT_S), then train the chosen recipes.
        target: What the models learn: the moods (the study's), or the genres, styles or themes; each target has
            its own registered model (album-mood, album-genre, ...).
    """
    settings = load_settings()
    summary = crawl_task(site_url or settings.crawl_start_url, full_crawl)
    outcome = snapshot_task(min_mood_count, target)
    report: dict[str, Any] = {"crawl": summary, "snapshot": outcome.__dict__, "trained": [], "gate": None}
    if not pipeline.needs_training(settings, outcome):
        print(f"snapshot {outcome.snapshot_id} unchanged and its champion measured: nothing retrained")
        return report
    configs = [
        resolve_train_config(settings, outcome.snapshot_id, train_values(variant, backbone, epochs))
        for variant in dict.fromkeys(variants)
    ]
    if compute == "local" or sweep:  # else Batch jobs compute what the cache lacks on their GPUs
        report["features"] = featurize_task(configs[0])
        if outcome.created:
            report["drift"] = drift_task(configs[0])
    swept: list[dict[str, Any]] = []
    if sweep:
        swept = sweep_variants(configs, settings.train_local_parallel)
        configs = [TrainConfig.model_validate(chosen["config"]) for chosen in swept]
        report["sweeps"] = swept
    limit = len(configs) if compute == "aws-batch" else settings.train_local_parallel
    trained = train_variants(configs, compute, limit)
    if swept:
        record_sweeps(trained, swept)
    if compute == "aws-batch" and outcome.created and not sweep:
        report["drift"] = drift_task(configs[0])
    best = pipeline.best_candidate(trained)
    publish_run_links(settings, trained)
    if report.get("drift", {}).get("markdown"):
        for run in trained:
            attach_drift(settings, run["run_id"], report["drift"]["markdown"])
    gate = register_task(best["run_id"])
    report.update(trained=trained, gate=gate, best=best)
    create_markdown_artifact(
        key="nightly-evaluation",
        markdown=evaluation_markdown(outcome, trained, gate),
        description="the models beside the baselines and the champion",
    )
    rejected = gate["rejected_in_a_row"]
    if rejected >= settings.alert_rejected_nights:
        nights = "night" if rejected == 1 else "nights"
        attention(f"the gate has rejected every candidate for {rejected} {nights} in a row: {gate['reason']}")
    return report

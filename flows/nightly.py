"""The nightly flow: incremental crawl -> a new snapshot only if the catalogue changed -> the four models -> the gate.

Nothing new means nothing retrained. The run publishes the crawl summary and the evaluation table (each model
beside the baselines, and the gate's verdict against the champion) as Prefect artifacts.
"""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.artifacts import create_link_artifact, create_markdown_artifact

from albumml import pipeline
from albumml.config import Settings, load_settings
from albumml.models.heads import Variant
from albumml.registry.runs import run_links
from albumml.training.config import resolve_train_config
from flows.parameters import NightlyParameters
from flows.steps import train_variant
from flows.tasks import crawl_task, drift_task, register_task, snapshot_task


def evaluation_markdown(outcome: pipeline.SnapshotOutcome, trained: list[dict[str, Any]], gate: dict[str, Any]) -> str:
    """The nightly evaluation table: each model beside the label-frequency and random baselines, then the gate."""
    rows = "\n".join(
        f"| {run['variant']} | {run['validation_micro_ap']:.4f} | {run['test_micro_ap']:.4f} | "
        f"{run['baseline_micro_ap']:.4f} | "
        f"{run['random_micro_ap']:.4f} | {run['test_micro_ap'] / run['baseline_micro_ap']:.2f}x |"
        for run in trained
    )
    champion = "none" if gate["champion_micro_ap"] is None else f"{gate['champion_micro_ap']:.4f}"
    return (
        f"# Snapshot {outcome.snapshot_id}: {outcome.albums} albums, {outcome.moods} moods\n\n"
        "| model | validation micro AP (selection) | test micro AP | label frequency | random | vs frequency |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
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


@flow(name="nightly", log_prints=True)
def nightly(parameters: NightlyParameters | None = None) -> dict[str, Any]:
    """Crawl -> a new snapshot only if the catalogue changed -> train the variants -> register the best."""
    parameters = parameters or NightlyParameters()
    settings = load_settings()
    summary = crawl_task(parameters.site_url or settings.crawl_start_url, parameters.full_crawl)
    outcome = snapshot_task(parameters.min_mood_count)
    report: dict[str, Any] = {"crawl": summary, "snapshot": outcome.__dict__, "trained": [], "gate": None}
    if outcome.created:
        report["mood_drift"] = drift_task(outcome.snapshot_id)
    if not pipeline.needs_training(settings, outcome):
        print(f"snapshot {outcome.snapshot_id} unchanged and its champion measured: nothing retrained")
        return report
    configs = [
        resolve_train_config(
            settings,
            outcome.snapshot_id,
            {"variant": Variant(v), "backbone": parameters.backbone, "epochs": parameters.epochs},
        )
        for v in parameters.variants
    ]
    trained = [train_variant(config, parameters.compute) for config in configs]
    best = pipeline.best_candidate(trained)
    publish_run_links(settings, trained)
    gate = register_task(best["run_id"])
    report.update(trained=trained, gate=gate, best=best)
    create_markdown_artifact(
        key="nightly-evaluation",
        markdown=evaluation_markdown(outcome, trained, gate),
        description="the four models beside the baselines and the champion",
    )
    return report

"""`albumml flows nightly`: run the nightly Prefect flow here, as its deployment would, and print what it did."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from albumml.cli.console import columns_table, console
from albumml.targets import Target
from albumml.textsafe import for_terminal

app = typer.Typer(help="Run the Prefect flows in this process (deployments run the same flows on workers).")


def nightly_lines(report: dict[str, Any]) -> list[str]:
    """The night in a few lines: crawl, snapshot, and either nothing retrained or the gate's decision."""
    crawl, snapshot = report["crawl"], report["snapshot"]
    lines = [
        f"crawl run {crawl['id']}: {crawl['albums_new']} new, {crawl['albums_changed']} changed, "
        f"{crawl['albums_unchanged']} unchanged, {crawl['errors']} errors",
        f"snapshot {snapshot['snapshot_id']} ({'new' if snapshot['created'] else 'unchanged'}): "
        f"{snapshot['albums']} albums, {snapshot['moods']} moods",
    ]
    if not report["trained"]:
        lines.append("nothing new: nothing retrained")
    else:
        lines.append(f"champion gate: {report['gate']['reason']}")
    return lines


@app.command("nightly")
def nightly(
    url: Annotated[str | None, typer.Option("--url", help="Site base URL (else ALBUMML_CRAWL_START_URL).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Fetch every album, ignoring what the catalogue has.")] = False,
    epochs: Annotated[
        int | None, typer.Option(min=1, max=10_000, help="Epoch budget (ALBUMML_TRAIN_EPOCHS, else 40).")
    ] = None,
    backbone: Annotated[str | None, typer.Option(help="Backbone (ALBUMML_TRAIN_BACKBONE, else the default).")] = None,
    min_mood_count: Annotated[
        int | None, typer.Option(min=1, help="Keep only labels on at least this many albums (else 20).")
    ] = None,
    models: Annotated[
        list[int] | None,
        typer.Option(
            "--model",
            min=1,
            max=4,
            help="A model to train (repeat for several): 1 moods, 2 +metadata, 3 label space, 4 3+metadata. [all]",
        ),
    ] = None,
    sweep: Annotated[
        bool,
        typer.Option(
            "--sweep", help="Choose each model's head on validation with an Optuna sweep first (ALBUMML_SWEEP_*)."
        ),
    ] = False,
    target: Annotated[
        Target, typer.Option(help="What the models learn (each target has its own registered model).")
    ] = Target.MOODS,
    as_json: Annotated[bool, typer.Option("--json", help="Print the night's report as JSON.")] = False,
) -> None:
    """Crawl, snapshot if the catalogue changed, train the four models (or those named) and run the champion gate."""
    from albumml.config import load_settings
    from albumml.errors import ModelError
    from albumml.models.backbones import canonical
    from albumml.training.config import resolve_backbone, resolve_epochs
    from flows.nightly import nightly as nightly_flow

    settings = load_settings()
    try:  # the flow's own check would end in a Prefect traceback: name the choices in one line instead
        chosen = canonical(resolve_backbone(settings, backbone))
    except ModelError as error:
        raise typer.BadParameter(str(error), param_hint="--backbone") from None
    report = nightly_flow(
        site_url=url or "",
        full_crawl=full,
        backbone=chosen,
        epochs=resolve_epochs(settings, epochs),
        sweep=sweep,
        target=target,
        **({"variants": models} if models else {}),
        **({"min_mood_count": min_mood_count} if min_mood_count is not None else {}),
    )
    if as_json:
        print(json.dumps(report, default=str))
        return
    console.print(for_terminal("\n".join(nightly_lines(report))), markup=False, highlight=False)
    if report["trained"]:
        rows = [
            (
                run["variant"],
                f"{run['test_micro_ap']:.4f}",
                f"{run['baseline_micro_ap']:.4f}",
                f"{run['random_micro_ap']:.4f}",
                "-" if run.get("probe_micro_ap") is None else f"{run['probe_micro_ap']:.4f}",
            )
            for run in report["trained"]
        ]
        console.print(
            columns_table("models", ["model", "test micro AP", "label freq.", "random", "linear probe"], rows)
        )


@app.command("setup")
def setup() -> None:
    """Create (or bring up to date) the alert block, the alert automations and the crawl concurrency limit on the
    Prefect server PREFECT_API_URL names. Safe to run again."""
    from albumml.config import load_settings
    from flows.operations import setup as setup_operations

    outcome = setup_operations(load_settings())
    block = f"alert block {outcome.block!r}: {'written from the settings' if outcome.block_created else 'existing'}"
    console.print(for_terminal(block), markup=False, highlight=False)
    for name in outcome.automations:
        console.print(for_terminal(f"automation {name!r}: up to date"), markup=False, highlight=False)
    console.print(f"crawls run one at a time (tag concurrency limit {outcome.crawl_limit})", highlight=False)

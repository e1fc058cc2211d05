"""`albumml register`, `albumml predict` and `albumml models list`: the registered mood models and their use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from albumml.cli import context, params
from albumml.cli.console import columns_table, console, print_json
from albumml.cli.train import print_decision


def register(
    run_id: Annotated[str, typer.Argument(help="The training run whose model to register.", callback=params.run_id)],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Register a run's model; it becomes @champion only if it beats the champion re-measured on the same test split."""
    from albumml.registry.gate import register as run_gate

    decision = run_gate(context.settings(), run_id)
    if as_json:
        print_json(
            {
                "name": decision.name,
                "version": decision.version,
                "promoted": decision.promoted,
                "challenger_micro_ap": decision.challenger_micro_ap,
                "baseline_micro_ap": decision.baseline_micro_ap,
                "champion_version": decision.champion_version,
                "champion_micro_ap": decision.champion_micro_ap,
                "snapshot_id": decision.snapshot_id,
                "reason": decision.reason,
            }
        )
        return
    print_decision(decision)


def predict(
    covers: Annotated[list[Path], typer.Argument(help="Cover image files.")],
    model: Annotated[str | None, typer.Option("--model", help="An MLflow model URI; the champion if unset.")] = None,
    top: Annotated[int, typer.Option(min=1, help="Moods per cover.")] = 5,
    genres: Annotated[str, typer.Option(help="Genres for models 2 and 4, '|'-separated.")] = "",
    year: Annotated[int | None, typer.Option(help="Release year for models 2 and 4.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ranked moods with scores for each cover, from the champion (or any model URI)."""
    import pandas as pd

    from albumml.models.bundle import open_image
    from albumml.models.pyfunc import predict_frame
    from albumml.registry.loading import load_model
    from albumml.registry.tracking import use_tracking

    for cover in covers:
        open_image(cover)
    use_tracking(context.settings())
    from albumml.registry.models import default_uri

    mood_model = load_model(model or default_uri(context.settings()))
    frame = pd.DataFrame(
        {"bytes": [c.read_bytes() for c in covers], "genres": [genres] * len(covers), "year": [year] * len(covers)}
    )
    if year is None:
        frame = frame.drop(columns="year")
    ranked = predict_frame(mood_model, frame, top)
    if as_json:
        print_json(
            [
                {
                    "cover": str(cover),
                    "moods": [{"mood": r.mood, "score": r.score} for r in ranked[ranked["image"] == i].itertuples()],
                }
                for i, cover in enumerate(covers)
            ]
        )
        return
    for i, cover in enumerate(covers):
        rows = [(r.rank, r.mood, f"{r.score:.3f}") for r in ranked[ranked["image"] == i].itertuples()]
        console.print(columns_table(str(cover), ["#", "mood", "score"], rows))


app = typer.Typer(help="The registered mood models.", no_args_is_help=True)


@app.command("list")
def list_models(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Versions of the registered model with their aliases and gate figures."""
    from dataclasses import asdict

    from albumml.registry.versions import list_versions

    settings = context.settings()
    rows = [asdict(row) for row in list_versions(settings)]
    if as_json:
        print_json(rows)
        return
    console.print(
        columns_table(settings.model_name, list(rows[0]) if rows else ["version"], [list(r.values()) for r in rows])
    )

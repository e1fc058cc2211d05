"""`albumml register`, `albumml predict` and `albumml models list`: the registered mood models and their use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from albumml.cli import context, params
from albumml.cli.console import columns_table, console, print_json
from albumml.cli.train import print_decision
from albumml.targets import Target


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
    model: Annotated[
        str | None, typer.Option("--model", help="An MLflow model URI; the target's champion if unset.")
    ] = None,
    target: Annotated[
        Target, typer.Option(help="Whose champion to ask when --model is unset: album-mood, album-genre, ...")
    ] = Target.MOODS,
    top: Annotated[int, typer.Option(min=1, help="Labels per cover.")] = 5,
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

    mood_model = load_model(model or default_uri(context.settings(), target))
    frame = pd.DataFrame(
        {"bytes": [c.read_bytes() for c in covers], "genres": [genres] * len(covers), "year": [year] * len(covers)}
    )
    if year is None:
        frame = frame.drop(columns="year")
    ranked = predict_frame(mood_model, frame, top)
    target = mood_model.target  # "moods" (the study's), or the genres, styles or themes the model learned
    label = target.removesuffix("s")
    if as_json:
        print_json(
            [
                {
                    "cover": str(cover),
                    target: [
                        {label: row[label], "score": row["score"]}
                        for row in ranked[ranked["image"] == i].to_dict("records")
                    ],
                }
                for i, cover in enumerate(covers)
            ]
        )
        return
    for i, cover in enumerate(covers):
        rows = [
            (row["rank"], row[label], f"{row['score']:.3f}") for row in ranked[ranked["image"] == i].to_dict("records")
        ]
        console.print(columns_table(str(cover), ["#", label, "score"], rows))


app = typer.Typer(help="The registered mood models.", no_args_is_help=True)


@app.command("list")
def list_models(
    target: Annotated[
        Target, typer.Option(help="Whose registered model: album-mood (moods), album-genre, ...")
    ] = Target.MOODS,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Versions of the registered model with their aliases and gate figures."""
    from dataclasses import asdict

    from albumml.registry.versions import list_versions
    from albumml.targets import registered_name

    base = context.settings()
    settings = base.model_copy(update={"model_name": registered_name(base.model_name, target)})
    rows = [asdict(row) for row in list_versions(settings)]
    if as_json:
        print_json(rows)
        return
    console.print(
        columns_table(settings.model_name, list(rows[0]) if rows else ["version"], [list(r.values()) for r in rows])
    )

"""`albumml sweep`: choose a variant's head hyper-parameters on validation with Optuna, then train the choice."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from rich.progress import TextColumn

from albumml.cli import context
from albumml.cli.console import columns_table, console, print_json, progress_bar
from albumml.cli.train import check_target, checked_config
from albumml.targets import Target
from albumml.textsafe import for_rich, for_terminal

# Trials the table lists, best first (the study holds them all, as does the sweep's MLflow run).
SHOWN_TRIALS = 10


@contextlib.contextmanager
def trial_progress(enabled: bool, trials: int) -> Iterator[list[Any]]:
    """A progress bar over the sweep's trials; yields the Optuna callbacks that move it."""
    if not enabled:
        yield []
        return
    with progress_bar(TextColumn("{task.fields[note]}", markup=False)) as bar:
        task = bar.add_task("trials", total=trials, note="")
        best: list[float] = []

        def on_trial(study: Any, trial: Any) -> None:
            if trial.value is not None:
                best.append(trial.value)
            note = f"trial {trial.number} {trial.state.name.lower()}"
            if best:
                note += f"  best val micro AP {max(best):.4f}"
            bar.update(task, advance=1, note=note)

        yield [on_trial]


def params_text(params: dict[str, Any]) -> str:
    """A trial's parameters in one short line."""
    return "  ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(params.items()))


def sweep(
    snapshot: Annotated[str, typer.Option("--snapshot", help="Snapshot id (`albumml snapshot list`).")],
    model: Annotated[
        int, typer.Option("--model", min=1, max=4, help="1: moods, 2: +metadata, 3: label space, 4: 3+metadata.")
    ] = 1,
    backbone: Annotated[str | None, typer.Option(help="Image backbone (settings, else efficientnet_lite0).")] = None,
    epochs: Annotated[
        int | None, typer.Option(min=1, help="Epoch budget of each trial and of the retrained run.")
    ] = None,
    trials: Annotated[
        int | None, typer.Option(min=1, help="Trials in the study, finished ones counted (ALBUMML_SWEEP_TRIALS).")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(min=1, help="Seconds this sweep may search (ALBUMML_SWEEP_TIMEOUT_S).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seeds the sampler and every trial.")] = None,
    target: Annotated[
        Target | None, typer.Option(help="Check that the snapshot learns this: moods, genres, styles or themes.")
    ] = None,
    retrain: Annotated[
        bool, typer.Option("--retrain/--no-retrain", help="Train and log the chosen recipe as the variant's run.")
    ] = True,
    report: Annotated[
        bool | None, typer.Option("--report/--no-report", help="Log the retrained run's HTML report.")
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Search a variant's head (learning rate, weight decay, hidden sizes, dropout; first_k and target weighting for
    models 3-4) with Optuna's TPE and median pruning on validation micro AP, each trial an MLflow child run; the
    study is kept beside the catalogue, so running it again resumes it. Then train the best recipe (test split
    read once, there)."""
    from albumml import pipeline

    settings = context.settings()
    given = {"variant": model, "backbone": backbone, "epochs": epochs, "seed": seed, "report": report}
    config = checked_config(settings, snapshot, given)
    check_target(snapshot, target)
    budget = pipeline.sweep_budget(settings, trials, timeout)
    with trial_progress(progress and not as_json, budget.trials) as callbacks:
        swept = pipeline.sweep(settings, config, budget, retrain=retrain, on_trial=callbacks)
    outcome, result = swept.sweep, swept.result
    if as_json:
        print_json(
            {
                "sweep_run_id": swept.sweep_run_id,
                **outcome.as_dict(),
                "run": None
                if result is None
                else {
                    "run_id": result.run_id,
                    "model_uri": result.model_uri,
                    "evaluation": result.evaluation.as_dict(),
                },
            }
        )
        return
    ranked = sorted(outcome.trials, key=lambda t: -1.0 if t.value is None else t.value, reverse=True)
    rows = [
        (
            str(t.number),
            t.state,
            "-" if t.value is None else f"{t.value:.4f}",
            str(t.epochs),
            params_text(t.params),
        )
        for t in ranked[:SHOWN_TRIALS]
    ]
    console.print(
        columns_table(
            f"sweep {outcome.study_name}: {len(outcome.trials)} trials ({outcome.new_trials} new, "
            f"{outcome.seconds:.0f} s)",
            ["trial", "state", "val micro AP", "epochs", "parameters"],
            rows,
        )
    )
    console.print(
        f"best trial {outcome.best_trial}: validation micro AP {outcome.best_value:.4f}  "
        f"{for_rich(params_text(outcome.best_params()))}  (sweep run {for_rich(swept.sweep_run_id)})",
        soft_wrap=True,
        highlight=False,
    )
    if result is None:
        return
    evaluation = result.evaluation
    console.print(
        columns_table(
            f"model {model} retrained with the best recipe: test split ({evaluation.model.albums} albums)",
            evaluation.columns(),
            evaluation.table(),
        )
    )
    for verdict in evaluation.verdicts():
        console.print(for_terminal(f"warning: {verdict}"), markup=False, highlight=False, style="yellow")
    console.print(f"run [bold]{for_rich(result.run_id)}[/]  model {for_rich(result.model_uri)}", soft_wrap=True)

"""`albumml train`, `albumml register`, `albumml predict`: the model's life from a snapshot to ranked moods."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import TextColumn

from albumml.cli import context
from albumml.cli.console import columns_table, console, key_value_table, print_json, progress_bar
from albumml.errors import ConfigError, TrainingError
from albumml.models.targets import TargetWeighting
from albumml.targets import Target
from albumml.textsafe import for_rich, for_terminal

if TYPE_CHECKING:
    from albumml.config import Settings
    from albumml.training.config import TrainConfig


@contextlib.contextmanager
def training_progress(enabled: bool, epochs: int) -> Iterator[Any]:
    """A rich progress display with a covers bar and an epochs bar; yields albumml's Progress callbacks."""
    from albumml.training.loop import Progress as Callbacks

    if not enabled:
        yield Callbacks()
        return
    with progress_bar(TextColumn("{task.fields[note]}", markup=False)) as bar:
        covers = bar.add_task("features", total=None, note="")
        epochs_task = bar.add_task("epochs", total=epochs, note="")

        def on_epoch(record: Any) -> None:
            bar.update(
                epochs_task,
                completed=record.epoch,
                note=f"loss {record.train_loss:.4f}  val micro AP {record.validation_micro_ap:.4f}",
            )

        yield Callbacks(
            covers=lambda n: bar.advance(covers, n),
            covers_total=lambda n: bar.update(covers, total=n),
            epoch=on_epoch,
        )


def parse_hidden(text: str) -> tuple[int, ...]:
    """`--hidden 512,256` as widths (empty for a linear head); TrainConfig judges the widths themselves."""
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a comma-separated list of widths (e.g. 512,256)", param_hint="--hidden"
        ) from None


def check_target(snapshot: str, target: Target | None) -> None:
    """A usage error unless the snapshot learns `target` (None: any): a snapshot fixes what its models learn."""
    if target is None:
        return
    from albumml.dataset import load_snapshot

    found = load_snapshot(context.store(), snapshot).target
    if found != target:
        raise typer.BadParameter(
            f"snapshot {snapshot} learns {found.value}, not {target.value}; make one with "
            f"`albumml snapshot create --target {target.value}`",
            param_hint="--target",
        )


def checked_config(settings: Settings, snapshot: str, given: dict[str, Any]) -> TrainConfig:
    """The run's TrainConfig; a value it refuses, or CUDA asked for where there is none, is a usage error."""
    from albumml.training.config import resolve_train_config

    try:
        config = resolve_train_config(settings, snapshot, given)
        from albumml.training.loop import resolve_device  # torch: only once the values themselves are sound

        resolve_device(config)
    except (ConfigError, TrainingError) as error:
        raise typer.BadParameter(str(error)) from None
    return config


def train(
    snapshot: Annotated[
        str | None, typer.Option("--snapshot", help="Snapshot id (`albumml snapshot list`); required without --config.")
    ] = None,
    model: Annotated[
        int | None,
        typer.Option("--model", min=1, max=4, help="1: moods, 2: +metadata, 3: label space, 4: 3+metadata. [1]"),
    ] = None,
    backbone: Annotated[
        str | None,
        typer.Option(help="vgg16, resnet50, efficientnet_b0, convnext_tiny, vit_b_16, efficientnet_lite0 (settings)."),
    ] = None,
    weights: Annotated[
        str | None, typer.Option(help="'default' (ImageNet), 'none' (random), or a state-dict path/s3:// URL.")
    ] = None,
    labels: Annotated[
        str | None, typer.Option(help="Label embeddings for models 3-4: 'minilm' or a GloVe file.")
    ] = None,
    epochs: Annotated[int | None, typer.Option(min=1, help="Epoch budget (settings, else 40).")] = None,
    batch_size: Annotated[int | None, typer.Option(min=2)] = None,
    lr: Annotated[float | None, typer.Option(min=0)] = None,
    weight_decay: Annotated[float | None, typer.Option(min=0)] = None,
    hidden: Annotated[str | None, typer.Option(help="Widths of the FC blocks, comma-separated.")] = None,
    dropout: Annotated[float | None, typer.Option(min=0, max=0.99)] = None,
    target: Annotated[
        Target | None, typer.Option(help="Check that the snapshot learns this: moods, genres, styles or themes.")
    ] = None,
    first_k: Annotated[int | None, typer.Option(min=1, help="Models 3-4: mean of the first k moods.")] = None,
    target_weighting: Annotated[
        TargetWeighting | None,
        typer.Option(help="Models 3-4: the first k moods alike, or every mood weighted by page order."),
    ] = None,
    patience: Annotated[
        int | None, typer.Option(min=1, help="Early stop after this many epochs without improvement.")
    ] = None,
    seed: Annotated[int | None, typer.Option()] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu or cuda.")] = None,
    amp: Annotated[bool | None, typer.Option("--amp/--no-amp", help="Mixed precision on CUDA.")] = None,
    finetune: Annotated[
        int | None,
        typer.Option("--finetune", min=0, help="Then fine-tune backbone and head together for N epochs (GPUs)."),
    ] = None,
    finetune_lr: Annotated[
        float | None, typer.Option(min=0, help="The backbone's learning rate when fine-tuning.")
    ] = None,
    loader_workers: Annotated[
        int | None, typer.Option(min=0, help="Processes decoding covers when fine-tuning.")
    ] = None,
    report: Annotated[bool | None, typer.Option("--report/--no-report", help="Log the run's HTML report.")] = None,
    config_json: Annotated[
        str | None,
        typer.Option("--config", help="The whole run as TrainConfig JSON (how AWS Batch jobs are started)."),
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue from the run's last checkpoint.")] = False,
    register_model: Annotated[
        bool, typer.Option("--register", help="Register and run the champion gate after.")
    ] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Train one of the study's four models on a snapshot's cached features; log it to MLflow.

    Options not given take the deployment's settings (ALBUMML_TRAIN_BACKBONE, ALBUMML_TRAIN_EPOCHS), then
    TrainConfig's defaults.
    """
    from albumml.training.config import parse_config

    if config_json is not None:
        config = parse_config(config_json)
    elif snapshot is None:
        raise typer.BadParameter(
            "give --snapshot ID (`albumml snapshot list`), or --config JSON", param_hint="--snapshot"
        )
    else:
        given = {
            "variant": model,
            "backbone": backbone,
            "weights": weights,
            "labels": labels,
            "epochs": epochs,
            "batch_size": batch_size,
            "lr": lr,
            "weight_decay": weight_decay,
            "hidden": parse_hidden(hidden) if hidden is not None else None,
            "dropout": dropout,
            "first_k": first_k,
            "target_weighting": target_weighting,
            "patience": patience,
            "seed": seed,
            "device": device,
            "amp": amp,
            "finetune_epochs": finetune,
            "finetune_lr": finetune_lr,
            "loader_workers": loader_workers,
            "report": report,
        }
        config = checked_config(context.settings(), snapshot, given)
        check_target(snapshot, target)
    from albumml.pipeline import train as run_training

    with training_progress(progress and not as_json, config.epochs) as callbacks:
        result = run_training(context.settings(), config, resume=resume, progress=callbacks)
    evaluation = result.evaluation
    decision = None
    if register_model:
        from albumml.registry.gate import register

        decision = register(context.settings(), result.run_id)
    if as_json:
        print_json(
            {
                "run_id": result.run_id,
                "model_uri": result.model_uri,
                "best_epoch": result.best_epoch,
                "epochs_run": result.epochs_run,
                "stopped_early": result.stopped_early,
                "target": result.target,
                "resumed_from": result.resumed_from,
                "evaluation": evaluation.as_dict(),
                "skipped_covers": len(result.skipped_covers),
                "registered": None
                if decision is None
                else {"version": decision.version, "promoted": decision.promoted},
            }
        )
        return
    console.print(
        columns_table(
            f"model {model} learning {result.target} on snapshot {snapshot}: test split "
            f"({evaluation.model.albums} albums)",
            evaluation.columns(),
            evaluation.table(),
        )
    )
    for verdict in evaluation.verdicts():
        console.print(for_terminal(f"warning: {verdict}"), markup=False, highlight=False, style="yellow")
    console.print(
        f"run [bold]{for_rich(result.run_id)}[/]  model {for_rich(result.model_uri)}  "
        f"best epoch {result.best_epoch}/{result.epochs_run}"
        + (" (early stop)" if result.stopped_early else "")
        + (f"  resumed after epoch {result.resumed_from}" if result.resumed_from else "")
        + (f"  {len(result.skipped_covers)} unreadable covers skipped" if result.skipped_covers else ""),
        soft_wrap=True,
    )
    if decision is not None:
        print_decision(decision)


def print_decision(decision: Any) -> None:
    """The gate's figures and verdict."""
    console.print(
        key_value_table(
            f"{decision.name} v{decision.version}: {'CHAMPION' if decision.promoted else 'not promoted'}",
            [
                ("snapshot", decision.snapshot_id),
                ("challenger test micro AP", f"{decision.challenger_micro_ap:.4f}"),
                ("champion", f"v{decision.champion_version}" if decision.champion_version else "none"),
                (
                    "champion re-measured micro AP",
                    "-" if decision.champion_micro_ap is None else f"{decision.champion_micro_ap:.4f}",
                ),
                ("label-frequency baseline", f"{decision.challenger.label_frequency.micro_ap:.4f}"),
                ("decision", decision.reason),
            ],
        )
    )

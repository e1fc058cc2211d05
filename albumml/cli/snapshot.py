"""`albumml snapshot`: freeze the catalogue's learnable albums into an immutable, content-identified dataset."""

from __future__ import annotations

from typing import Annotated

import typer

from albumml.cli import context
from albumml.cli.console import columns_table, console, key_value_table, print_json
from albumml.errors import SnapshotError
from albumml.targets import Target
from albumml.textsafe import for_rich

app = typer.Typer(help="Create and inspect immutable dataset snapshots.", no_args_is_help=True)


@app.command("create")
def create(
    target: Annotated[
        Target, typer.Option(help="What the models learn: the moods (the study's), or genres, styles or themes.")
    ] = Target.MOODS,
    min_mood_count: Annotated[
        int | None, typer.Option(min=1, help="Keep labels (moods, or the target's) on at least this many albums. [20]")
    ] = None,
    validation_share: Annotated[float | None, typer.Option(min=0, max=0.9, help="[0.1]")] = None,
    test_share: Annotated[float | None, typer.Option(min=0.01, max=0.9, help="[0.1]")] = None,
) -> None:
    """Snapshot the learnable albums (reviewed or imported) with a cover and a kept label of the target; the same
    catalogue gives the same id."""
    from albumml.dataset import SnapshotConfig, build_snapshot, save_snapshot

    try:
        config = SnapshotConfig.given(
            target=target, min_mood_count=min_mood_count, validation_share=validation_share, test_share=test_share
        )
    except SnapshotError as error:
        raise typer.BadParameter(str(error)) from None
    snapshot = build_snapshot(context.catalogue(), config)
    written = save_snapshot(context.store(), snapshot)
    state = "created" if written else "already exists (nothing changed)"
    meta = snapshot.meta
    console.print(
        f"snapshot [bold]{for_rich(snapshot.id)}[/] {state}: {meta['albums']:,} albums "
        f"{for_rich(meta['albums_by_split'])}, "
        f"{meta['moods_kept']} {target.value} kept, {meta['moods_dropped']} dropped",
        soft_wrap=True,
    )


@app.command("list")
def list_() -> None:
    """Every snapshot in the store."""
    from albumml.dataset import list_snapshots

    rows = [
        (
            m["id"],
            m["albums"],
            m["albums_by_split"].get("train", 0),
            m["albums_by_split"].get("test", 0),
            m.get("target", "moods"),
            m["moods_kept"],
        )
        for m in list_snapshots(context.store())
    ]
    console.print(columns_table("snapshots", ["id", "albums", "train", "test", "target", "labels"], rows))


@app.command("show")
def show(
    snapshot_id: Annotated[str, typer.Argument(help="The snapshot's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the metadata as JSON.")] = False,
) -> None:
    """A snapshot's metadata and its most frequent moods."""
    from albumml.dataset import load_snapshot

    meta = load_snapshot(context.store(), snapshot_id).meta
    if as_json:
        print_json(meta)
        return
    console.print(
        key_value_table(
            f"snapshot {snapshot_id}",
            [(k, v) for k, v in meta.items() if k not in {"train_label_frequency", "dropped_moods"}],
        )
    )
    top = sorted(meta["train_label_frequency"].items(), key=lambda item: -item[1])[:10]
    target = Target(meta.get("target", Target.MOODS))
    console.print(
        columns_table(
            f"most frequent {target.value} (train)", [target.singular, "share"], [(m, f"{f:.3f}") for m, f in top]
        )
    )

"""`albumml mood-space` and `albumml similar`: the mood-space picture and albums near each other in it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from albumml.cli import context
from albumml.cli.console import columns_table, console, error_console, print_json, progress_bar
from albumml.textsafe import for_rich

if TYPE_CHECKING:
    from albumml.recommend import Progress as Callbacks

MOODS_SHOWN = 5
DEFAULT_ALBUMS = 12
DEFAULT_OUT = Path("mood-space")


@contextlib.contextmanager
def vector_progress(enabled: bool) -> Iterator[Callbacks]:
    """A rich progress bar on stderr over the covers whose vectors are computed; yields albumml's callbacks."""
    from albumml.recommend import Progress as Callbacks

    if not enabled:
        yield Callbacks()
        return
    with progress_bar() as bar:
        task = bar.add_task("mood-space vectors (covers)", total=None, visible=False)
        yield Callbacks(total=lambda n: bar.update(task, total=n, visible=True), advance=lambda n: bar.advance(task, n))


def _moods(moods: list[str]) -> str:
    return ", ".join(moods[:MOODS_SHOWN]) + (" …" if len(moods) > MOODS_SHOWN else "")


def mood_space(
    snapshot: Annotated[
        str | None, typer.Option("--snapshot", help="Snapshot id; the one the model was trained on if unset.")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", help="An MLflow model URI; the champion if unset.")] = None,
    albums: Annotated[
        int | None,
        typer.Option(
            "--albums", min=0, help=f"How many random test-split albums to place ({DEFAULT_ALBUMS} if unset)."
        ),
    ] = None,
    album: Annotated[
        list[str] | None, typer.Option("--album", help="An album id to place instead (repeatable).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for mood_space.png and mood_space.html.")] = DEFAULT_OUT,
    seed: Annotated[int, typer.Option(help="Seed of the album sample and of t-SNE.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """A t-SNE map of the mood vocabulary with albums placed where their predictions fall, beside their true moods."""
    from albumml.viz import mood_space as draw

    if album and albums is not None:
        raise typer.BadParameter("give either --albums N or --album ID, not both", param_hint="--albums/--album")
    with error_console.status("placing albums and fitting t-SNE", spinner="dots"):
        space = draw(
            context.settings(),
            model_uri=model,
            snapshot_id=snapshot,
            album_ids=album,
            seed=seed,
            out=out,
            albums=DEFAULT_ALBUMS if albums is None else albums,
        )
    if as_json:
        print_json(
            {
                "png": str(space.png_path),
                "html": str(space.html_path),
                "model_uri": space.model_uri,
                "snapshot_id": space.snapshot_id,
                "moods": len(space.moods),
                "albums": [placed.as_dict() for placed in space.albums],
                "skipped": space.skipped,
            }
        )
        return
    rows = [
        (
            placed.album_id,
            placed.title,
            placed.artist or "",
            _moods(placed.moods),
            _moods([mood for mood, _ in placed.predicted]),
        )
        for placed in space.albums
    ]
    console.print(
        columns_table(
            f"{len(space.albums)} albums on a map of {len(space.moods)} moods",
            ["album", "title", "artist", "true moods", "predicted"],
            rows,
        )
    )
    console.print(f"model {for_rich(space.model_uri)}  snapshot {for_rich(space.snapshot_id)}", soft_wrap=True)
    console.print(
        f"wrote {for_rich(space.png_path)} and {for_rich(space.html_path)} (interactive, opens offline)", soft_wrap=True
    )
    for album_id, reason in space.skipped.items():
        error_console.print(
            f"[yellow]left off[/] {for_rich(album_id)}: its cover could not be read ({for_rich(reason)})"
        )


def similar(
    album_id: Annotated[str, typer.Argument(help="The album's id, e.g. mw0001234567.")],
    k: Annotated[int, typer.Option("--k", min=1, help="How many albums to show.")] = 10,
    model: Annotated[str | None, typer.Option("--model", help="An MLflow model URI; the champion if unset.")] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bars on stderr.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """The albums nearest an album in mood space: cosine of the model's predicted mood scores."""
    from albumml.recommend import similar_albums

    with vector_progress(progress) as callbacks:
        result = similar_albums(context.settings(), album_id, k=k, model_uri=model, progress=callbacks)
    if as_json:
        print_json(result.as_dict())
        return
    query = result.query
    rows = [
        (
            rank,
            found.album_id,
            found.title,
            found.artist or "",
            f"{found.cosine:.4f}",
            _moods(found.moods),
            _moods([mood for mood, _ in found.predicted]),
        )
        for rank, found in enumerate(result.albums, start=1)
    ]
    heading = f"albums nearest {query.album_id} ({query.title}" + (f" — {query.artist})" if query.artist else ")")
    console.print(columns_table(heading, ["#", "album", "title", "artist", "cosine", "true moods", "predicted"], rows))
    index = result.index
    console.print(
        f"its moods: {for_rich(_moods(query.moods) or '-')}  "
        f"predicted: {for_rich(_moods([m for m, _ in query.predicted]))}\n"
        f"model {for_rich(result.model_uri)}; vectors of {index.albums:,} albums in {for_rich(index.location)} "
        f"({index.reused:,} reused, {index.computed:,} computed, {index.removed:,} dropped); "
        f"query {result.query_ms:.1f} ms",
        soft_wrap=True,
        highlight=False,
    )

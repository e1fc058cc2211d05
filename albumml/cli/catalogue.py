"""`albumml catalogue import`: bring a labelled cover set of one's own into the catalogue and the store."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from albumml.cli import context
from albumml.cli.console import columns_table, console, key_value_table, print_json, progress_bar

app = typer.Typer(help="The catalogue's own data: labelled covers from a file.", no_args_is_help=True)


@app.command("import")
def import_covers(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV (lists split by '|') or JSON lines (.jsonl).")
    ],
    extend_vocabulary: Annotated[
        bool,
        typer.Option("--extend-vocabulary", help="Add moods and themes the vocabulary lacks, under a local id."),
    ] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as one JSON object.")] = False,
) -> None:
    """Import rows of album_id, title, artist, year, genres, styles, moods, themes and cover (a file path relative
    to FILE's folder, or an http(s) URL): covers are checked like crawled ones, bad rows are recorded with their
    reason and written nowhere, and the import is recorded as a crawl run. Importing an unchanged file again
    changes nothing."""
    from albumml.dataset.imports import check_file, import_file

    check_file(file)
    settings, catalogue, store = context.settings(), context.catalogue(), context.store()
    if progress and not as_json:
        rows = sum(1 for _ in file.open(encoding="utf-8", errors="replace"))
        with progress_bar() as bar:
            task = bar.add_task(
                "rows", total=max(rows - (0 if file.suffix.lower() in (".jsonl", ".ndjson", ".json") else 1), 0)
            )
            outcome = import_file(
                settings, catalogue, store, file, extend_vocabulary=extend_vocabulary, on_row=lambda: bar.advance(task)
            )
    else:
        outcome = import_file(settings, catalogue, store, file, extend_vocabulary=extend_vocabulary)
    if as_json:
        print_json({**asdict(outcome), "errors": outcome.errors})
        return
    console.print(
        key_value_table(
            f"import run {outcome.run_id} of {file.name}",
            [
                ("rows", f"{outcome.rows:,}"),
                ("albums new", f"{outcome.albums_new:,}"),
                ("albums changed", f"{outcome.albums_changed:,}"),
                ("albums unchanged", f"{outcome.albums_unchanged:,}"),
                ("covers stored", f"{outcome.covers_stored:,}"),
                ("moods added (local ids)", f"{len(outcome.moods_added):,}"),
                ("themes added (local ids)", f"{len(outcome.themes_added):,}"),
                ("rows refused", f"{outcome.errors:,}"),
            ],
        )
    )
    if outcome.errors_by_reason:
        console.print(
            columns_table(
                "rows refused by reason (`albumml db stats` keeps them)",
                ["reason", "count"],
                [(reason, f"{n:,}") for reason, n in sorted(outcome.errors_by_reason.items())],
            )
        )

"""`albumml store`: what the image and artifact store holds, and whether every object is intact."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from albumml.cli import context, params
from albumml.cli.console import columns_table, console, print_json

app = typer.Typer(help="Inspect and check the content-addressed image and artifact store.", no_args_is_help=True)


@app.command("stats")
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Objects and bytes under each top-level prefix (blobs: covers; archives: crawl runs' WARC archives; ...)."""
    store = context.store()
    figures = store.stats()
    if as_json:
        print_json({"url": store.url, "prefixes": {p: vars(s) for p, s in figures.items()}})
        return
    rows = [(prefix, s.objects, f"{s.bytes:,}") for prefix, s in figures.items()]
    rows.append(("total", sum(s.objects for s in figures.values()), f"{sum(s.bytes for s in figures.values()):,}"))
    console.print(columns_table(f"store {store.url}", ["prefix", "objects", "bytes"], rows))


@app.command("verify")
def verify(
    with_catalogue: Annotated[
        bool,
        typer.Option("--catalogue/--no-catalogue", help="Also report covers the catalogue names but the store lacks."),
    ] = True,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Parallel reads.")] = 8,
) -> None:
    """Re-hash every blob and crawl archive; report corrupt ones and covers the catalogue expects but the store
    lacks."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    store = context.store()
    expected = context.catalogue().cover_keys() if with_catalogue else set()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("re-hashing blobs", total=None)
        report = store.verify(expected, workers=workers, progress=lambda n: progress.advance(task, n))
    console.print(f"checked {report.checked:,} blobs ({report.bytes_checked:,} bytes) in {store.url}")
    if report.archives_checked:
        console.print(f"checked {report.archives_checked:,} crawl archives")
    for key in report.corrupt:
        console.print(f"[red]corrupt[/] {key}")
    for key in report.corrupt_archives:
        console.print(f"[red]corrupt crawl archive[/] {key}")
    for key in report.missing:
        console.print(f"[yellow]missing[/] {key} (named by the catalogue)")
    if not report.ok:
        corrupt = len(report.corrupt) + len(report.corrupt_archives)
        console.print(f"[red]{corrupt} corrupt, {len(report.missing)} missing[/]")
        raise typer.Exit(1)
    console.print("[green]all intact[/]")


@app.command("put")
def put(files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Store files as content-addressed blobs and print each one's key."""
    store = context.store()
    for file in files:
        result = store.put_blob(file.read_bytes())
        console.print(
            f"{result.key}  {file}{'' if result.written else '  (already stored)'}",
            highlight=False,
            soft_wrap=True,
        )


@app.command("get")
def get(
    key: Annotated[str, typer.Argument(help="The blob's content key (SHA-256 hex).")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here instead of stdout.", callback=params.output_file),
    ] = None,
) -> None:
    """Read a blob, verifying its hash, to a file or stdout."""
    data = context.store().get_blob(key)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(data)

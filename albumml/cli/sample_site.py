"""`albumml sample-site`: generate, serve and change the offline stand-in for the album-review site.

The site itself is the top-level `sample_site` package of a source checkout, a development tool that is not part of
the product: the commands import it when they run, and say so in one line where it is missing.
"""

from __future__ import annotations

import signal
import time
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer

from albumml.cli import context, params
from albumml.cli.console import columns_table, console, key_value_table, print_json
from albumml.errors import AlbummlError

app = typer.Typer(
    help="Generate, serve and change the sample site: the offline stand-in for the review site.",
    no_args_is_help=True,
)

DIR_HELP = "The site's folder (default: <home>/sample-site)."


class FaultPreset(StrEnum):
    """Starting points for the fault knobs."""

    none = "none"
    typical = "typical"


class SampleSiteUnavailableError(AlbummlError):
    """The `sample_site` package cannot be imported: albumml was installed without its source checkout."""


def _sample_site() -> ModuleType:
    """The `sample_site` package, imported only when a command runs (it is not in the product wheel)."""
    try:
        import sample_site
    except ModuleNotFoundError as exc:
        if exc.name != "sample_site":
            raise
        raise SampleSiteUnavailableError(
            "the sample site is a development tool, available from a source checkout: "
            "run `make` there (it makes the checkout's `sample_site` importable) and use that environment"
        ) from None
    return sample_site


def _interrupt(signum: int, frame: object) -> None:
    """Turn SIGTERM into the same clean stop as Ctrl-C."""
    raise KeyboardInterrupt


def _site_dir(given: Path | None) -> Path:
    return given if given is not None else context.settings().home / "sample-site"


@app.command("generate")
def generate(
    albums: Annotated[int, typer.Option(min=1, help="How many albums.")] = 2000,
    seed: Annotated[int, typer.Option(help="Seed: the same --albums and --seed give byte-identical sites.")] = 0,
    out: Annotated[Path | None, typer.Option("--out", help=DIR_HELP, callback=params.output_folder)] = None,
    covers: Annotated[
        bool,
        typer.Option("--covers/--no-covers", help="Render covers now, or pages only (served covers render lazily)."),
    ] = True,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes (default: the CPU count).")] = None,
    preset: Annotated[
        FaultPreset, typer.Option("--faults", help="No faults, or a little of each; the options below override it.")
    ] = FaultPreset.none,
    malformed_pages: Annotated[
        float | None, typer.Option(min=0, max=1, help="Share of pages cut off before the title.")
    ] = None,
    missing_covers: Annotated[float | None, typer.Option(min=0, max=1, help="Share of covers that answer 404.")] = None,
    corrupt_images: Annotated[
        float | None, typer.Option(min=0, max=1, help="Share of covers truncated or not images.")
    ] = None,
    image_bombs: Annotated[int | None, typer.Option(min=0, help="Covers declaring 40000x40000 pixels.")] = None,
    no_moods_sections: Annotated[float | None, typer.Option(min=0, max=1, help="Share of pages without moods.")] = None,
    unknown_moods: Annotated[
        float | None, typer.Option(min=0, max=1, help="Share with a mood outside the vocabulary.")
    ] = None,
    redirect_loops: Annotated[int | None, typer.Option(min=0, help="Album URLs that redirect in a loop.")] = None,
    server_errors: Annotated[
        float | None, typer.Option(min=0, max=1, help="Share of album URLs answering 503 first.")
    ] = None,
    server_error_attempts: Annotated[int | None, typer.Option(min=1, help="Failing attempts per such URL.")] = None,
    slow_pages: Annotated[float | None, typer.Option(min=0, max=1, help="Share of album pages answering late.")] = None,
    slow_seconds: Annotated[float | None, typer.Option(min=0, help="How late a slow page answers.")] = None,
    ajax_failures: Annotated[
        float | None, typer.Option(min=0, max=1, help="Share of 2023 moodsThemesAjax answering 500 first.")
    ] = None,
    canonical_mismatches: Annotated[
        int | None, typer.Option(min=0, help="Album pages whose canonical URL names another album.")
    ] = None,
    redesign: Annotated[
        float | None,
        typer.Option(
            min=0, max=1, help="Share of albums whose page moves to a new 2023 markup the crawler cannot read."
        ),
    ] = None,
    hostile: Annotated[
        float | None,
        typer.Option(
            min=0,
            max=1,
            help="Share of albums whose text is hostile: markup, $ math, [/], formulas, escapes, quotes, emoji.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Write a sample site of --albums albums: pages of both designs, fragments, covers, sitemaps, manifest."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    site = _sample_site()
    site_dir = _site_dir(out)
    faults = (site.Faults.typical() if preset is FaultPreset.typical else site.Faults()).with_overrides(
        malformed_pages=malformed_pages,
        missing_covers=missing_covers,
        corrupt_images=corrupt_images,
        image_bombs=image_bombs,
        no_moods_sections=no_moods_sections,
        unknown_moods=unknown_moods,
        redirect_loops=redirect_loops,
        server_errors=server_errors,
        server_error_attempts=server_error_attempts,
        slow_pages=slow_pages,
        slow_seconds=slow_seconds,
        ajax_failures=ajax_failures,
        canonical_mismatches=canonical_mismatches,
        redesigned_pages=redesign,
        hostile_text=hostile,
    )
    started = time.perf_counter()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=as_json,
    ) as progress:
        task = progress.add_task("rendering pages and covers" if covers else "rendering pages", total=albums)
        manifest = site.generate_site(
            site_dir,
            albums,
            seed,
            faults=faults,
            covers=covers,
            workers=workers,
            progress=lambda done, total: progress.update(task, completed=done),
        )
    seconds = time.perf_counter() - started
    summary = {
        "folder": str(site_dir),
        "albums": manifest.size,
        "seed": manifest.seed,
        "covers": "rendered" if manifest.covers_rendered else "lazily, when served",
        "designs": manifest.design_counts(),
        "page forms": manifest.form_counts(),
        "faults": manifest.fault_counts(),
        "seconds": round(seconds, 1),
    }
    if as_json:
        print_json(summary)
        return
    rows = [
        (name, ", ".join(f"{k} {v}" for k, v in sorted(value.items())) if isinstance(value, dict) else value)
        for name, value in summary.items()
    ]
    console.print(key_value_table("sample site", rows))
    console.print(f"serve it with [bold]albumml sample-site serve --dir {site_dir}[/]", soft_wrap=True)


@app.command("serve")
def serve(
    site_dir: Annotated[Path | None, typer.Option("--dir", help=DIR_HELP)] = None,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on the host (0 picks a free one).")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    server_errors: Annotated[
        float | None, typer.Option(min=0, max=1, help="Override: share of album URLs answering 503 first.")
    ] = None,
    server_error_attempts: Annotated[
        int | None, typer.Option(min=1, help="Override: failing attempts per URL.")
    ] = None,
    slow_pages: Annotated[
        float | None, typer.Option(min=0, max=1, help="Override: share of album pages answering late.")
    ] = None,
    slow_seconds: Annotated[float | None, typer.Option(min=0, help="Override: how late a slow page answers.")] = None,
) -> None:
    """Serve the site over HTTP until Ctrl-C (request lines are logged at DEBUG)."""
    server = _sample_site().SiteServer(
        _site_dir(site_dir),
        host,
        port,
        server_errors=server_errors,
        server_error_attempts=server_error_attempts,
        slow_pages=slow_pages,
        slow_seconds=slow_seconds,
    )
    console.print(
        f"serving {server.site_dir} ({server.manifest.size:,} albums) at [bold]{server.base_url}[/]: "
        f"robots {server.url('/robots.txt')}, sitemap {server.url('/sitemap.xml')}; Ctrl-C stops",
        soft_wrap=True,
    )
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print(f"stopped after {len(server.request_log):,} requests")


@app.command("change")
def change(
    albums: Annotated[int, typer.Option(min=1, help="How many albums to change.")],
    seed: Annotated[int | None, typer.Option(help="Seed of the change (default: the site's seed).")] = None,
    site_dir: Annotated[Path | None, typer.Option("--dir", help=DIR_HELP)] = None,
    redesign: Annotated[
        bool, typer.Option("--redesign", help="Move the changed albums' pages to a design the crawler does not know.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Change --albums albums (review, moods or cover), bumping their lastmod, Last-Modified and ETag."""
    report = _sample_site().change_site(_site_dir(site_dir), albums, seed, redesign=redesign)
    if as_json:
        print_json(
            {
                "round": report.round,
                "seed": report.seed,
                "lastmod": report.lastmod.isoformat(),
                "albums": [{"id": a.id, "path": a.path, "kinds": list(a.kinds)} for a in report.albums],
            }
        )
        return
    rows = [(a.id, a.path, ", ".join(a.kinds)) for a in report.albums]
    title = f"change round {report.round} (lastmod {report.lastmod.isoformat()})"
    console.print(columns_table(title, ["album", "path", "changed"], rows))

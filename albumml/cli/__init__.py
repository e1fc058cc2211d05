"""The `albumml` command line: subcommands read like the tools ML engineers already use."""

from __future__ import annotations

from typing import Annotated

import typer

from albumml import __version__
from albumml.cli import (
    agreement,
    analysis,
    catalogue,
    config_cmd,
    crawl,
    db,
    explain,
    flows,
    models,
    report,
    sample_site,
    snapshot,
    store,
    sweep,
    train,
)
from albumml.cli.console import error_console, setup_logging
from albumml.errors import AlbummlError
from albumml.textsafe import for_rich

app = typer.Typer(
    name="albumml",
    help="Learn what an album feels like from its cover: crawl, catalogue, train, register, explain.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(config_cmd.app, name="config")
app.add_typer(db.app, name="db")
app.add_typer(catalogue.app, name="catalogue")
app.add_typer(store.app, name="store")
app.add_typer(crawl.app, name="crawl")
app.add_typer(snapshot.app, name="snapshot")
app.add_typer(flows.app, name="flows")
app.add_typer(sample_site.app, name="sample-site")
app.command("train")(train.train)
app.command("sweep")(sweep.sweep)
app.command("register")(models.register)
app.command("predict")(models.predict)
app.add_typer(models.app, name="models")
app.command("explain")(explain.explain)
app.command("mood-space")(analysis.mood_space)
app.command("similar")(analysis.similar)
app.add_typer(agreement.app, name="agreement")
app.command("report")(report.report)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"albumml {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Set up logging from the settings before any command runs."""
    from albumml.cli import context

    setup_logging(context.settings().log_level)


def main() -> None:
    """Entry point: run the CLI and show any AlbummlError as one clean line."""
    try:
        app()
    except AlbummlError as exc:
        error_console.print(f"[bold red]error:[/] {for_rich(exc)}", highlight=False, soft_wrap=True)
        raise SystemExit(1) from None

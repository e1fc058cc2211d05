"""`albumml db`: migrate the catalogue and see what it holds."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from albumml.cli import context
from albumml.cli.console import columns_table, console, key_value_table, print_json

app = typer.Typer(help="Migrate the catalogue database and show what it holds.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Migrate the catalogue up to REVISION (the newest by default)."""
    from albumml.catalogue import migrate

    catalogue = context.catalogue(check_schema=False)
    before = migrate.current_revision(catalogue.engine)
    after = migrate.upgrade(catalogue.engine, revision)
    console.print(f"catalogue {catalogue.describe()}: revision {before or 'none'} -> [bold]{after}[/]", soft_wrap=True)


@app.command("downgrade")
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision; 'base' empties it.")] = "-1",
) -> None:
    """Migrate the catalogue down to REVISION (one step by default)."""
    from albumml.catalogue import migrate

    catalogue = context.catalogue(check_schema=False)
    before = migrate.current_revision(catalogue.engine)
    after = migrate.downgrade(catalogue.engine, revision)
    console.print(
        f"catalogue {catalogue.describe()}: revision {before or 'none'} -> [bold]{after or 'none'}[/]",
        soft_wrap=True,
    )


@app.command("current")
def current() -> None:
    """Print the catalogue's revision and whether it is the newest."""
    from albumml.catalogue import migrate

    catalogue = context.catalogue(check_schema=False)
    revision, head = migrate.current_revision(catalogue.engine), migrate.head_revision()
    state = "up to date" if revision == head else f"behind: run `albumml db upgrade` to reach {head}"
    console.print(f"{revision or 'none'} ({state})")


@app.command("seed-vocabulary")
def seed_vocabulary() -> None:
    """Load the site's mood and theme vocabularies (shipped with albumml) into the catalogue."""
    from albumml.catalogue.vocabulary import bundled_moods, bundled_themes

    moods, themes = bundled_moods(), bundled_themes()
    context.catalogue().upsert_vocabulary(moods, themes)
    console.print(f"vocabulary: {len(moods)} moods, {len(themes)} themes")


@app.command("stats")
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Counts of albums, reviewed albums, covers, moods, and crawl errors by reason."""
    figures = context.catalogue().stats()
    if as_json:
        print_json(asdict(figures))
        return
    rows = [(name.replace("_", " "), value) for name, value in asdict(figures).items() if name != "errors_by_reason"]
    console.print(key_value_table("catalogue", rows))
    if figures.errors_by_reason:
        console.print(columns_table("crawl errors", ["reason", "count"], figures.errors_by_reason.items()))
    else:
        console.print("crawl errors: none")

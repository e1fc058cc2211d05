"""`albumml config`: what the settings resolve to."""

from __future__ import annotations

from typing import Annotated

import typer

from albumml.cli import context
from albumml.cli.console import console, key_value_table, print_json

app = typer.Typer(help="Inspect the effective settings (ALBUMML_* variables, .env, defaults).", no_args_is_help=True)


@app.command("show")
def show(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print the effective settings, with passwords and secret keys masked."""
    values = context.settings().masked()
    if as_json:
        print_json(values)
        return
    console.print(key_value_table("albumml settings", values.items()))

"""`albumml report RUN_ID`: fetch a training run's HTML report (logged with the run) to open it offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from albumml.cli import context, params
from albumml.cli.console import console
from albumml.textsafe import for_rich


def report(
    run_id: Annotated[
        str,
        typer.Argument(help="The training run (`albumml models list` shows runs of versions).", callback=params.run_id),
    ],
    out: Annotated[Path, typer.Option(help="Folder to write the report into.", callback=params.output_folder)] = Path(
        "reports"
    ),
) -> None:
    """Download the run's report (metrics beside baselines and champion, per-mood AP, mood space, saliency)."""
    from albumml.report.fetch import fetch_report

    path = fetch_report(context.settings(), run_id, out)
    console.print(
        f"report of run {for_rich(run_id)}: [bold]{for_rich(path)}[/]  (open it in a browser; it needs no network)"
    )

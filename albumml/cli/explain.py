"""`albumml explain`: what the model (or the pretrained backbone) looks at on a cover."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from albumml.cli import context, params
from albumml.cli.console import columns_table, console, error_console, print_json, progress_bar
from albumml.textsafe import for_rich

if TYPE_CHECKING:
    from albumml.explain.covers import CoverCallbacks


@contextlib.contextmanager
def cover_progress(enabled: bool, total: int) -> Iterator[Callable[[], None]]:
    """A covers bar on stderr when enabled and there is more than one cover; yields the advance callback."""
    if not enabled or total < 2:
        yield lambda: None
        return
    with progress_bar() as bar:
        task = bar.add_task("explaining covers", total=total)
        yield lambda: bar.advance(task)


def explain(
    covers: Annotated[list[Path], typer.Argument(help="Cover image files.")],
    model: Annotated[str | None, typer.Option("--model", help="An MLflow model URI; the champion if unset.")] = None,
    moods: Annotated[int, typer.Option("--moods", min=1, help="Top predicted moods explained per cover.")] = 3,
    out: Annotated[
        Path, typer.Option("--out", help="Folder the PNG figures are written to.", callback=params.output_folder)
    ] = Path("explanations"),
    imagenet: Annotated[
        bool, typer.Option("--imagenet", help="Explain the pretrained backbone's top ImageNet classes instead.")
    ] = False,
    backbone: Annotated[
        str | None, typer.Option(help="With --imagenet: the backbone to explain (settings, else the training default).")
    ] = None,
    weights: Annotated[
        str, typer.Option(help="With --imagenet: 'default' (ImageNet) or a state-dict file path or s3:// URL.")
    ] = "default",
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Saliency maps and Grad-CAM for the top predicted moods of covers, written as one PNG figure per cover."""
    if imagenet and model is not None:
        raise typer.BadParameter("--model does not apply with --imagenet; choose the backbone with --backbone")
    if (backbone is not None or weights != "default") and not imagenet:
        raise typer.BadParameter("--backbone and --weights apply only with --imagenet; a mood model brings its own")
    from albumml.explain.covers import explain_imagenet_covers, explain_mood_covers

    settings = context.settings()
    with callbacks(progress and not as_json, len(covers)) as hooks:
        if imagenet:
            from albumml.training.config import resolve_backbone
            from albumml.training.loop import store_reader

            read = store_reader(context.store()) if weights.startswith("s3://") else None
            outcome, summary = explain_imagenet_covers(
                covers, resolve_backbone(settings, backbone), weights, out, hooks, read
            )
        else:
            from albumml.registry.loading import load_model
            from albumml.registry.models import default_uri
            from albumml.registry.tracking import use_tracking

            uri = model or default_uri(settings)
            use_tracking(settings)
            outcome, summary = explain_mood_covers(load_model(uri), uri, covers, moods, out, hooks)
    if as_json:
        print_json({**summary, "covers": outcome.explained, "failed": outcome.failed})
    else:
        print_outcome(outcome, summary, imagenet)
    if outcome.failed:
        error_console.print(
            f"[bold red]error:[/] {len(outcome.failed)} of {len(covers)} covers could not be explained",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)


@contextlib.contextmanager
def callbacks(progress: bool, total: int) -> Iterator[CoverCallbacks]:
    """A covers bar when asked; an unreadable cover printed as one line as it happens."""
    from albumml.explain.covers import CoverCallbacks

    def unreadable(cover: Path, error: Exception) -> None:
        error_console.print(f"[bold red]error:[/] {for_rich(error)}", highlight=False, soft_wrap=True)

    with cover_progress(progress, total) as advance:
        yield CoverCallbacks(done=advance, unreadable=unreadable)


def print_outcome(outcome: Any, summary: dict[str, Any], imagenet: bool) -> None:
    """A table per explained cover with its figure's path, then the caveats that apply to all of them."""
    for item in outcome.explained:
        if imagenet:
            rows = [(c["rank"], c["class"], f"{c['probability']:.1%}") for c in item["classes"]]
            table = columns_table(
                f"{item['cover']} ({summary['backbone']})", ["#", "ImageNet class", "probability"], rows
            )
        else:
            rows = [(m["rank"], m["mood"], f"{m['score']:.3f}") for m in item["moods"]]
            table = columns_table(item["cover"], ["#", "mood", "score"], rows)
        console.print(table)
        console.print(f"figure: {for_rich(item['figure'])}", highlight=False, soft_wrap=True)
    for note in summary["notes"]:
        console.print(f"[yellow]note:[/] {for_rich(note)}", highlight=False, soft_wrap=True)

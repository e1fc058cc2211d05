"""`albumml explain`: what the model (or the pretrained backbone) looks at on a cover."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from albumml.cli import context
from albumml.cli.console import columns_table, console, error_console, print_json


@dataclass
class Outcome:
    """Per-cover results of one `explain` invocation, and the covers that could not be explained."""

    explained: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    used_names: set[str] = field(default_factory=set)

    def figure_path(self, out: Path, cover: Path, kind: str) -> Path:
        """A figure path in `out` named after the cover, numbered when two covers share a name."""
        stem, number = cover.stem, 1
        while (name := f"{stem}{'' if number == 1 else f'-{number}'}.{kind}.png") in self.used_names:
            number += 1
        self.used_names.add(name)
        return out / name


@contextlib.contextmanager
def cover_progress(enabled: bool, total: int) -> Iterator[Callable[[], None]]:
    """A covers bar on stderr when enabled and there is more than one cover; yields the advance callback."""
    if not enabled or total < 2:
        yield lambda: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=error_console) as bar:
        task = bar.add_task("explaining covers", total=total)
        yield lambda: bar.advance(task)


def explain(
    covers: Annotated[list[Path], typer.Argument(help="Cover image files.")],
    model: Annotated[str | None, typer.Option("--model", help="An MLflow model URI; the champion if unset.")] = None,
    moods: Annotated[int, typer.Option("--moods", min=1, help="Top predicted moods explained per cover.")] = 3,
    out: Annotated[Path, typer.Option("--out", help="Folder the PNG figures are written to.")] = Path("explanations"),
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
    if imagenet:
        from albumml.training.config import resolve_backbone

        outcome, summary = explain_imagenet_covers(
            covers, resolve_backbone(context.settings(), backbone), weights, out, progress and not as_json
        )
    else:
        from albumml.registry.models import default_uri

        uri = model or default_uri(context.settings())
        outcome, summary = explain_mood_covers(covers, uri, moods, out, progress and not as_json)
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


def explain_mood_covers(
    covers: list[Path], uri: str, moods: int, out: Path, progress: bool
) -> tuple[Outcome, dict[str, Any]]:
    """Explains each cover's top moods under the model at `uri` and draws one figure per cover."""
    from albumml.explain import cover_figure, explain_cover
    from albumml.registry.loading import load_model
    from albumml.registry.tracking import use_tracking

    use_tracking(context.settings())
    mood_model = load_model(uri)
    outcome, notes, layer = explain_each(
        covers,
        out,
        progress,
        "explain",
        explain=lambda image: explain_cover(mood_model, image, moods=moods),
        draw=lambda explanation, path, title: cover_figure(explanation, path, title=title),
        listing=lambda explanation: (
            "moods",
            [{"rank": rank, "mood": m.mood, "score": m.score} for rank, m in enumerate(explanation.moods, start=1)],
        ),
    )
    summary = {
        "model": uri,
        "variant": int(mood_model.variant),
        "backbone": mood_model.backbone.name,
        "gradcam_layer": layer,
        "notes": notes,
    }
    return outcome, summary


def explain_imagenet_covers(
    covers: list[Path], backbone_name: str, weights: str, out: Path, progress: bool
) -> tuple[Outcome, dict[str, Any]]:
    """The backbone's top-5 ImageNet classes per cover, with a figure of its likeliest class's maps."""
    from albumml.explain import explain_imagenet, imagenet_figure
    from albumml.models.backbones import load_backbone
    from albumml.training.loop import store_reader

    read = store_reader(context.store()) if weights.startswith("s3://") else None
    pretrained = load_backbone(backbone_name, weights, read=read)
    outcome, notes, layer = explain_each(
        covers,
        out,
        progress,
        "imagenet",
        explain=lambda image: explain_imagenet(pretrained, image),
        draw=lambda explanation, path, title: imagenet_figure(explanation, path, title=title),
        listing=lambda explanation: (
            "classes",
            [
                {"rank": rank, "class": name, "probability": p}
                for rank, (name, p) in enumerate(explanation.classes, start=1)
            ],
        ),
    )
    summary = {"backbone": pretrained.name, "weights": pretrained.weights_id, "gradcam_layer": layer, "notes": notes}
    return outcome, summary


def explain_each(
    covers: list[Path],
    out: Path,
    progress: bool,
    kind: str,
    *,
    explain: Callable[[Any], Any],
    draw: Callable[[Any, Path, str], Any],
    listing: Callable[[Any], tuple[str, list[dict[str, Any]]]],
) -> tuple[Outcome, list[str], str | None]:
    """Explains and draws each readable cover (unreadable ones recorded); returns the outcome, notes and layer."""
    outcome = Outcome()
    notes: list[str] = []
    layer: str | None = None
    with cover_progress(progress, len(covers)) as advance:
        for cover in covers:
            image = read_cover(cover, outcome)
            if image is not None:
                explanation = explain(image)
                notes, layer = explanation.notes, explanation.gradcam_layer
                figure = draw(explanation, outcome.figure_path(out, cover, kind), str(cover))
                key, ranked = listing(explanation)
                outcome.explained.append({"cover": str(cover), "figure": str(figure), key: ranked})
            advance()
    return outcome, notes, layer


def read_cover(cover: Path, outcome: Outcome) -> Any:
    """The decoded cover, or None after recording and printing why it cannot be read."""
    from albumml.errors import ImageInputError
    from albumml.models.bundle import open_image

    try:
        return open_image(cover)
    except ImageInputError as error:
        outcome.failed.append({"cover": str(cover), "error": str(error)})
        error_console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        return None


def print_outcome(outcome: Outcome, summary: dict[str, Any], imagenet: bool) -> None:
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
        console.print(f"figure: {item['figure']}", highlight=False, soft_wrap=True)
    for note in summary["notes"]:
        console.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)

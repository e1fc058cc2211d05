"""Explaining a batch of cover files: each readable cover explained and drawn to a PNG, unreadable ones recorded.

The command line only parses, shows progress and prints; what is explained, drawn and recorded lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from albumml.errors import ImageInputError
from albumml.explain.attribution import explain_cover, explain_imagenet
from albumml.explain.figures import cover_figure, imagenet_figure
from albumml.models.backbones import load_backbone
from albumml.models.bundle import MoodModel, open_image


@dataclass
class Outcome:
    """Per-cover results of one batch, and the covers that could not be explained."""

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


@dataclass
class CoverCallbacks:
    """A display's hooks: one cover done (explained or not), and one cover that could not be read."""

    done: Callable[[], None] = lambda: None
    unreadable: Callable[[Path, ImageInputError], None] = lambda cover, error: None


@dataclass(frozen=True)
class Explainer:
    """How one kind of explanation is made, drawn and listed."""

    kind: str
    explain: Callable[[Any], Any]
    draw: Callable[[Any, Path, str], Any]
    listing: Callable[[Any], tuple[str, list[dict[str, Any]]]]


def explain_each(
    covers: list[Path], out: Path, explainer: Explainer, callbacks: CoverCallbacks
) -> tuple[Outcome, list[str], str | None]:
    """Explains and draws each readable cover (unreadable ones recorded); returns the outcome, notes and layer."""
    outcome = Outcome()
    notes: list[str] = []
    layer: str | None = None
    for cover in covers:
        try:
            image = open_image(cover)
        except ImageInputError as error:
            outcome.failed.append({"cover": str(cover), "error": str(error)})
            callbacks.unreadable(cover, error)
        else:
            explanation = explainer.explain(image)
            notes, layer = explanation.notes, explanation.gradcam_layer
            figure = explainer.draw(explanation, outcome.figure_path(out, cover, explainer.kind), str(cover))
            key, ranked = explainer.listing(explanation)
            outcome.explained.append({"cover": str(cover), "figure": str(figure), key: ranked})
        callbacks.done()
    return outcome, notes, layer


def explain_mood_covers(
    mood_model: MoodModel, uri: str, covers: list[Path], moods: int, out: Path, callbacks: CoverCallbacks
) -> tuple[Outcome, dict[str, Any]]:
    """Explains each cover's top moods under the model and draws one figure per cover."""
    explainer = Explainer(
        "explain",
        explain=lambda image: explain_cover(mood_model, image, moods=moods),
        draw=lambda explanation, path, title: cover_figure(explanation, path, title=title),
        listing=lambda explanation: (
            "moods",
            [{"rank": rank, "mood": m.mood, "score": m.score} for rank, m in enumerate(explanation.moods, start=1)],
        ),
    )
    outcome, notes, layer = explain_each(covers, out, explainer, callbacks)
    summary = {
        "model": uri,
        "variant": int(mood_model.variant),
        "backbone": mood_model.backbone.name,
        "gradcam_layer": layer,
        "notes": notes,
    }
    return outcome, summary


def explain_imagenet_covers(
    covers: list[Path],
    backbone_name: str,
    weights: str,
    out: Path,
    callbacks: CoverCallbacks,
    read: Callable[[str], bytes] | None = None,
) -> tuple[Outcome, dict[str, Any]]:
    """The backbone's top-5 ImageNet classes per cover, with a figure of its likeliest class's maps."""
    pretrained = load_backbone(backbone_name, weights, read=read)
    explainer = Explainer(
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
    outcome, notes, layer = explain_each(covers, out, explainer, callbacks)
    summary = {"backbone": pretrained.name, "weights": pretrained.weights_id, "gradcam_layer": layer, "notes": notes}
    return outcome, summary

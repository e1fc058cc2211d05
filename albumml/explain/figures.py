"""Overlays of saliency and Grad-CAM maps on covers, drawn as PNG figures with matplotlib's Agg canvas.

Figures are built on `matplotlib.figure.Figure` without pyplot, so drawing keeps no global state and works in
threads, notebooks and the CLI alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from albumml.explain.attribution import CoverExplanation, ImageNetExplanation
from albumml.textsafe import MATPLOTLIB_PLAIN

PANEL_INCHES = 2.8
FOOTER_INCHES = 0.5
DPI = 100
SALIENCY_COLOURS = "inferno"
GRADCAM_COLOURS = "turbo"


def display_scale(heat: np.ndarray, percentile: float = 99.0) -> np.ndarray:
    """A map rescaled so its `percentile` is 1 (clipped): vanilla gradients peak on a few pixels and look blank."""
    top = float(np.percentile(heat, percentile))
    return np.clip(heat / top, 0.0, 1.0) if top > 0 else np.zeros_like(heat)


def overlay(view: np.ndarray, heat: np.ndarray, colours: str = GRADCAM_COLOURS, strength: float = 0.75) -> np.ndarray:
    """The view (H, W, 3 uint8) with a [0, 1] map (H, W) blended on top; where the map is 0 the cover shows."""
    painted = matplotlib.colormaps[colours](np.clip(heat, 0.0, 1.0))[..., :3]
    alpha = strength * np.clip(heat, 0.0, 1.0)[..., None]
    blended = view.astype(np.float64) / 255 * (1 - alpha) + painted * alpha
    return (blended * 255).round().astype(np.uint8)


def figure_pixels(rows: int, columns: int) -> tuple[int, int]:
    """The (width, height) in pixels of a figure with this many panel rows and columns."""
    return round(columns * PANEL_INCHES * DPI), round((rows * PANEL_INCHES + FOOTER_INCHES) * DPI)


def cover_figure(explanation: CoverExplanation, target: Path | IO[bytes], title: str = "") -> Path | IO[bytes]:
    """One PNG per cover (to a file or a binary stream): the cover, then a row per mood with its saliency and
    Grad-CAM overlays titled with the mood and its score."""
    with_gradcam = any(mood.gradcam is not None for mood in explanation.moods)
    rows = max(1, len(explanation.moods))
    mosaic = [
        ["cover" if i == 0 else ".", f"saliency{i}", *([f"gradcam{i}"] if with_gradcam else [])] for i in range(rows)
    ]
    figure = _figure(rows, len(mosaic[0]))
    axes = figure.subplot_mosaic(mosaic)
    _show(axes["cover"], explanation.view, "cover (as the model sees it)")
    for i, mood in enumerate(explanation.moods):
        heading = f"{mood.mood} {mood.score:.2f}"
        saliency = overlay(explanation.view, display_scale(mood.saliency), SALIENCY_COLOURS)
        _show(axes[f"saliency{i}"], saliency, f"{heading}\nsaliency")
        if with_gradcam:
            gradcam = mood.gradcam if mood.gradcam is not None else np.zeros(explanation.view.shape[:2])
            _show(axes[f"gradcam{i}"], overlay(explanation.view, gradcam), f"{heading}\n{_gradcam_heading(gradcam)}")
    where = f", Grad-CAM at {explanation.gradcam_layer}" if explanation.gradcam_layer else ""
    details = [f"model {explanation.variant}, {explanation.backbone}{where}", *explanation.notes]
    return _save(figure, target, title, details)


def imagenet_figure(explanation: ImageNetExplanation, target: Path | IO[bytes], title: str = "") -> Path | IO[bytes]:
    """One PNG per cover: the cover, then saliency and Grad-CAM of the backbone's likeliest ImageNet class."""
    name, probability = explanation.classes[0]
    panels = ["cover", "saliency", *(["gradcam"] if explanation.gradcam is not None else [])]
    figure = _figure(1, len(panels))
    axes = figure.subplot_mosaic([panels])
    _show(axes["cover"], explanation.view, "cover (as the backbone sees it)")
    saliency = overlay(explanation.view, display_scale(explanation.saliency), SALIENCY_COLOURS)
    _show(axes["saliency"], saliency, f"{name} {probability:.0%}\nsaliency")
    if explanation.gradcam is not None:
        heading = f"{name} {probability:.0%}\n{_gradcam_heading(explanation.gradcam)}"
        _show(axes["gradcam"], overlay(explanation.view, explanation.gradcam), heading)
    top = ", ".join(f"{label} {p:.0%}" for label, p in explanation.classes)
    return _save(
        figure,
        target,
        title,
        [f"{explanation.backbone} ImageNet top {len(explanation.classes)}: {top}", *explanation.notes],
    )


def _figure(rows: int, columns: int) -> Figure:
    width, height = figure_pixels(rows, columns)
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _gradcam_heading(gradcam: np.ndarray) -> str:
    return "Grad-CAM" if gradcam.max() > 0 else "Grad-CAM: no region raises the score"


def _show(axis: Axes, pixels: np.ndarray, heading: str) -> None:
    axis.imshow(pixels, interpolation="bilinear")
    axis.set_title(heading, fontsize=9, **MATPLOTLIB_PLAIN)
    axis.set_axis_off()


def _save(figure: Figure, target: Path | IO[bytes], title: str, details: Sequence[str]) -> Path | IO[bytes]:
    height = figure.get_figheight()
    figure.get_layout_engine().set(rect=(0, FOOTER_INCHES / height, 1, 1 - FOOTER_INCHES / height))
    if title:
        figure.suptitle(title, fontsize=10, **MATPLOTLIB_PLAIN)
    figure.text(0.01, 0.005, "\n".join(details), fontsize=7, va="bottom", ha="left", wrap=True, **MATPLOTLIB_PLAIN)
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, dpi=DPI, format="png")
    return target

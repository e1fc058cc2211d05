"""The figures: overlays leave the cover where a map is zero, and PNGs come out whole and of a known size."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from albumml.explain import CoverExplanation, ImageNetExplanation, MoodExplanation, cover_figure, imagenet_figure
from albumml.explain.figures import display_scale, figure_pixels, overlay


def view() -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.integers(0, 256, (224, 224, 3), dtype=np.uint8)


def blob(row: int, column: int) -> np.ndarray:
    """A [0, 1] map peaking at (row, column)."""
    rows, columns = np.mgrid[:224, :224]
    return np.exp(-((rows - row) ** 2 + (columns - column) ** 2) / 800.0).astype(np.float32)


def test_an_overlay_shows_the_cover_where_the_map_is_zero_and_colour_where_it_peaks() -> None:
    cover, heat = view(), blob(50, 60)
    painted = overlay(cover, heat)
    assert painted.shape == cover.shape and painted.dtype == np.uint8
    assert np.abs(painted[200:, 200:].astype(int) - cover[200:, 200:]).max() <= 1
    assert np.abs(painted[50, 60].astype(int) - cover[50, 60]).max() > 20
    assert np.array_equal(overlay(cover, np.zeros((224, 224))), cover)


def test_display_scale_lifts_sparse_gradients_and_keeps_blank_maps_blank() -> None:
    sparse = np.full((100, 100), 0.01)
    sparse[0, :5] = 1.0
    scaled = display_scale(sparse)
    assert scaled.max() == 1.0 and scaled[50, 50] == pytest.approx(1.0)
    assert not display_scale(np.zeros((10, 10))).any()


def mood(name: str, score: float, gradcam: bool) -> MoodExplanation:
    return MoodExplanation(name, score, blob(40, 40), blob(180, 180) if gradcam else None)


@pytest.mark.parametrize(("gradcam", "columns"), [(True, 3), (False, 2)])
def test_a_cover_figure_has_a_row_per_mood(tmp_path: Path, gradcam: bool, columns: int) -> None:
    explanation = CoverExplanation(
        view(),
        [mood("Brash", 0.91, gradcam), mood("Sparse", 0.42, gradcam), mood("Gloomy", 0.3, gradcam)],
        "efficientnet_lite0",
        3,
        None,
        ["Grad-CAM is not available"] if not gradcam else [],
    )
    path = cover_figure(explanation, tmp_path / "figures" / "cover.explain.png", title="cover.jpg")
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == figure_pixels(3, columns)
        assert np.asarray(image.convert("L")).std() > 10


def test_a_figure_can_go_to_a_stream_and_a_blank_grad_cam_is_still_drawn() -> None:
    blank = MoodExplanation("Calm", 0.05, blob(10, 10), np.zeros((224, 224), dtype=np.float32))
    stream = io.BytesIO()
    cover_figure(CoverExplanation(view(), [blank], "efficientnet_lite0", 1, "model.bn2"), stream)
    with Image.open(io.BytesIO(stream.getvalue())) as image:
        assert image.size == figure_pixels(1, 3)


def test_an_imagenet_figure_shows_cover_saliency_and_grad_cam(tmp_path: Path) -> None:
    explanation = ImageNetExplanation(
        view(), [("tabby", 0.6), ("tiger cat", 0.2)], blob(30, 30), blob(30, 30), "efficientnet_lite0", "bn2"
    )
    path = imagenet_figure(explanation, tmp_path / "cat.imagenet.png")
    with Image.open(path) as image:
        assert image.size == figure_pixels(1, 3)


def test_hostile_mood_names_and_titles_are_drawn_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.figure import Figure

    from tests.support.hostile import HOSTILE

    drawn: list[Figure] = []
    save = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    names = [text for text in HOSTILE if "$" in text or "[" in text or "<" in text or "=" in text]
    explanation = CoverExplanation(view(), [mood(name, 0.5, True) for name in names], "efficientnet_lite0", 3, None)
    stream = io.BytesIO()
    cover_figure(explanation, stream, title="$cover$ [/] =1")
    assert Image.open(io.BytesIO(stream.getvalue())).format == "PNG"
    texts = [text for text in drawn[0].findobj(lambda artist: hasattr(artist, "get_parse_math")) if text.get_text()]
    shown = {text.get_text() for text in texts}
    assert {f"{name} 0.50\nsaliency" for name in names} <= shown and "$cover$ [/] =1" in shown
    assert not any(text.get_parse_math() or text.get_usetex() for text in texts if "$" in text.get_text())

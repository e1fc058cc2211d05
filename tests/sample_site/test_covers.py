"""Covers decode at their stated sizes and formats, faulty ones fail as declared, and the mood signal is learnable."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sample_site import Manifest
from sample_site.covers import cover_bytes, group_weights
from sample_site.vocabulary import moods_in_use
from tests.support.site import SITE_SEED


def test_good_covers_decode_at_their_stated_size_and_format(manifest: Manifest, site_dir: Path) -> None:
    formats = set()
    for album in manifest.good_albums():
        with Image.open(site_dir / "www" / album.cover.file) as image:
            image.load()
            assert image.format == album.cover.format
            assert image.size == (album.cover.width, album.cover.height)
            assert image.mode == "RGB"
            assert 232 <= image.width <= 280 and 232 <= image.height <= 280
        formats.add(album.cover.format)
    assert formats == {"JPEG", "PNG"}
    share_png = sum(a.cover.format == "PNG" for a in manifest.albums) / len(manifest.albums)
    assert 0.05 < share_png < 0.3


def test_a_cover_is_the_same_bytes_wherever_it_is_rendered(manifest: Manifest, site_dir: Path) -> None:
    for album in manifest.good_albums()[:5]:
        assert cover_bytes(SITE_SEED, album) == (site_dir / "www" / album.cover.file).read_bytes()


def test_faulty_covers_fail_as_declared(manifest: Manifest, site_dir: Path) -> None:
    www = site_dir / "www"
    kinds = set()
    for album in manifest.bad_albums():
        file = www / album.cover.file
        if "missing_cover" in album.faults:
            assert not file.exists()
        elif "image_bomb" in album.faults:
            assert file.stat().st_size < 10_000
            with pytest.raises(Image.DecompressionBombError):
                Image.open(file)
        elif "corrupt_image" in album.faults:
            kinds.add(album.corrupt_kind)
            with pytest.raises(OSError), Image.open(file) as image:  # unidentified and truncated are OSErrors
                image.load()
    assert kinds == {"truncated_jpeg", "not_an_image"}


def test_blend_weights_favour_the_first_moods_and_merge_synonyms() -> None:
    weights = dict(group_weights(("Energetic", "Rousing", "Melancholy", "Calm/Peaceful", "Wistful", "Epic")))
    assert next(iter(weights)) == "energetic" and weights["energetic"] == pytest.approx(0.70)
    assert weights["melancholy"] == pytest.approx(0.21)
    assert "epic" not in weights, "only the first five moods shape a cover"


def _features(data: bytes) -> np.ndarray:
    """Simple colour and texture statistics: channel means and spreads, hue and luminance histograms, edges."""
    with Image.open(io.BytesIO(data)) as image:
        small = image.convert("RGB").resize((64, 64))
    rgb = np.asarray(small, dtype=np.float32) / 255
    hsv = np.asarray(small.convert("HSV"), dtype=np.float32) / 255
    lum = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    hue = np.histogram(hsv[..., 0], bins=12, range=(0, 1), weights=hsv[..., 1])[0] / lum.size
    levels = np.histogram(lum, bins=8, range=(0, 1))[0] / lum.size
    edges = [
        np.abs(np.diff(lum, axis=1)).mean(),
        np.abs(np.diff(lum, axis=0)).mean(),
        np.abs(lum[1:, 1:] - lum[:-1, :-1]).mean(),
        np.abs(lum[1:, :-1] - lum[:-1, 1:]).mean(),
    ]
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(lum - lum.mean())))
    yy, xx = np.mgrid[-32:32, -32:32]
    radius = np.sqrt(yy**2 + xx**2)
    bands = [
        spectrum[(radius >= lo) & (radius < hi)].mean() for lo, hi in ((1, 3), (3, 6), (6, 12), (12, 20), (20, 32))
    ]
    stats = [rgb.mean((0, 1)), rgb.std((0, 1)), hsv.mean((0, 1)), hsv.std((0, 1))]
    return np.concatenate([*stats, hue, levels, edges, np.log1p(bands)])


@pytest.mark.slow
def test_simple_image_statistics_predict_the_first_mood_group(manifest: Manifest, site_dir: Path) -> None:
    """The recipe's signal is real: held-out accuracy on the first mood's group far above the majority class."""
    group_of = {mood.name: mood.group for mood in moods_in_use()}
    albums = manifest.good_albums()
    features = np.array([_features((site_dir / "www" / a.cover.file).read_bytes()) for a in albums])
    labels = np.array([group_of[a.moods[0].name] for a in albums])
    order = np.random.default_rng(0).permutation(len(albums))
    cut = int(0.7 * len(albums))
    train, test = order[:cut], order[cut:]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000)).fit(features[train], labels[train])
    accuracy = float((model.predict(features[test]) == labels[test]).mean())
    values, counts = np.unique(labels[train], return_counts=True)
    majority = float((labels[test] == values[counts.argmax()]).mean())
    print(f"first-mood-group accuracy {accuracy:.2f} vs majority class {majority:.2f} ({len(values)} groups)")
    assert accuracy > 0.4
    assert accuracy > 3 * majority

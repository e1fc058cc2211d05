"""The served model reads covers from bytes; a server-side `path` is read only inside ALBUMML_SERVE_PATH_ROOT."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from PIL import Image

from albumml.errors import ImageInputError
from albumml.models.backbones import backbone_skeleton
from albumml.models.bundle import MoodModel, save_bundle
from albumml.models.heads import MoodHead, Variant
from albumml.models.pyfunc import BUNDLE_ARTIFACT, MoodPyfunc

VOCABULARY = ["Brash", "Wistful", "Rustic"]


def png(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (shade, 90, 255 - shade)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved model 1 with a small untrained head: enough to rank moods."""
    backbone = backbone_skeleton("efficientnet_lite0")
    head = MoodHead(Variant.CLASSIFIER, backbone.feature_dim, len(VOCABULARY), hidden=(8,))
    path = tmp_path_factory.mktemp("bundle") / "mood_model.pt"
    save_bundle(MoodModel(backbone, head, VOCABULARY, [], hidden=(8,)), path)
    return path


def served(bundle: Path, monkeypatch: pytest.MonkeyPatch, root: Path | None) -> MoodPyfunc:
    """The pyfunc as `mlflow models serve` loads it, with or without a readable folder."""
    if root is not None:
        monkeypatch.setenv("ALBUMML_SERVE_PATH_ROOT", str(root))
    model = MoodPyfunc()
    model.load_context(SimpleNamespace(artifacts={BUNDLE_ARTIFACT: str(bundle)}))
    return model


def test_bytes_are_ranked_and_no_path_is_read_when_unset(
    bundle: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    model = served(bundle, monkeypatch, None)
    ranked = model.predict(None, pd.DataFrame({"bytes": [png(10), png(200)]}), {"top": 2})
    assert list(ranked["image"]) == [0, 0, 1, 1]
    assert set(ranked["mood"]) <= set(VOCABULARY)
    cover = tmp_path / "cover.png"
    cover.write_bytes(png(10))
    with pytest.raises(ImageInputError, match=r"row 1: reading a cover from a server-side path is off"):
        model.predict(None, pd.DataFrame({"bytes": [png(10), None], "path": [None, str(cover)]}))


def test_paths_are_read_only_inside_the_allowed_folder(
    bundle: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    allowed, secret = tmp_path / "covers", tmp_path / "secret"
    allowed.mkdir()
    secret.mkdir()
    (allowed / "inside.png").write_bytes(png(30))
    (secret / "outside.png").write_bytes(png(60))
    (allowed / "link.png").symlink_to(secret / "outside.png")
    model = served(bundle, monkeypatch, allowed)

    inside = model.predict(None, pd.DataFrame({"path": ["inside.png", str(allowed / "inside.png")]}), {"top": 1})
    assert list(inside["image"]) == [0, 1]
    for path in (str(secret / "outside.png"), "../secret/outside.png", "link.png", "/etc/passwd"):
        with pytest.raises(ImageInputError, match=r"row 0: path .* is outside the folder the model may read"):
            model.predict(None, pd.DataFrame({"path": [path]}))


def test_an_outside_path_is_never_opened(bundle: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "covers").mkdir()
    outside = tmp_path / "outside.png"
    outside.write_bytes(png(90))
    opened: list[Path] = []
    real = Path.read_bytes

    def spy(self: Path) -> bytes:
        opened.append(self)
        return real(self)

    for root in (None, tmp_path / "covers"):
        model = served(bundle, monkeypatch, root)
        with monkeypatch.context() as patched:
            patched.setattr(Path, "read_bytes", spy)
            with pytest.raises(ImageInputError, match="row 0"):
                model.predict(None, pd.DataFrame({"path": [str(outside)]}))
    assert opened == []

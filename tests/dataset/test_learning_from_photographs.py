"""Your own labelled covers, end to end: real photographs (scikit-image ships them) imported with scene kinds as
genres, a genres snapshot, model 2 learning genres (the year as its only metadata, so no genre leaks in), registered
under its own name, and predict naming genres. The photographs are not album covers: what is proven is that the
path from an import to a registered model of another target works, and that the model learns from real pictures
far beyond label frequency."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.support.cli import albumml

pytestmark = pytest.mark.slow

# Scene kinds and the scikit-image photographs of each: the labels stand in for an album's genres.
SCENES = {
    "space": ("hubble_deep_field", "moon", "rocket"),
    "texture": ("brick", "grass", "gravel"),
    "microscopy": ("immunohistochemistry", "cell", "retina"),
    "everyday": ("astronaut", "coffee", "chelsea", "camera"),
}
CROPS = 12  # random crops of each photograph: different covers of one kind of picture


def photographs(folder: Path) -> list[dict]:
    """Crops of each photograph as PNG files, and one import row each (genres = the scene kind)."""
    import skimage.data

    rng = np.random.default_rng(0)
    rows = []
    for scene, names in SCENES.items():
        for name in names:
            image = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
            width, height = image.size
            for crop in range(CROPS):
                share = rng.uniform(0.55, 0.9)
                w, h = int(width * share), int(height * share)
                left, top = int(rng.integers(0, width - w + 1)), int(rng.integers(0, height - h + 1))
                cover = image.crop((left, top, left + w, top + h)).resize((160, 160))
                path = folder / f"{name}-{crop}.png"
                cover.save(path)
                rows.append(
                    {
                        "album_id": f"{name}-{crop}",
                        "title": f"{name} #{crop}",
                        "year": 1990 + crop,
                        "genres": [scene],
                        "moods": [name.replace("_", " ")],  # an ImageNet-like class: outside the mood vocabulary
                        "cover": path.name,
                    }
                )
    return rows


def test_imported_photographs_train_a_genre_model_registered_under_its_own_name(tmp_path: Path) -> None:
    env = {"ALBUMML_HOME": str(tmp_path / "home")}
    folder = tmp_path / "photos"
    folder.mkdir()
    rows = photographs(folder)
    (folder / "photos.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    albumml("db", "upgrade", env=env)
    imported = json.loads(
        albumml("catalogue", "import", str(folder / "photos.jsonl"), "--extend-vocabulary", "--json", env=env).stdout
    )
    assert imported["albums_new"] == len(rows) and imported["errors"] == 0

    created = albumml("snapshot", "create", "--target", "genres", "--min-mood-count", "5", env=env).stdout
    snapshot_id = re.search(r"snapshot (\w+) created", created).group(1)
    assert "4 genres kept" in created

    trained = json.loads(
        albumml(
            "train",
            "--snapshot",
            snapshot_id,
            "--model",
            "2",
            "--target",
            "genres",
            "--epochs",
            "30",
            "--no-report",
            "--no-progress",
            "--register",
            "--json",
            env=env,
            timeout=900,
        ).stdout
    )
    evaluation = trained["evaluation"]
    assert trained["target"] == "genres"
    assert evaluation["model"]["micro_ap"] > 1.5 * evaluation["label_frequency"]["micro_ap"], evaluation
    assert trained["registered"]["promoted"]

    listed = json.loads(albumml("models", "list", "--target", "genres", "--json", env=env).stdout)
    assert len(listed) == 1
    moods_model = albumml("models", "list", "--json", env=env)
    assert json.loads(moods_model.stdout) == []  # album-mood holds nothing: each target its own name

    predicted = json.loads(
        albumml("predict", str(folder / "moon-0.png"), "--target", "genres", "--top", "2", "--json", env=env).stdout
    )
    ranked = [label["genre"] for label in predicted[0]["genres"]]
    assert len(ranked) == 2 and set(ranked) <= set(SCENES)
    assert ranked[0] == "space"  # a crop of the moon photograph
    wrong = albumml("train", "--snapshot", snapshot_id, "--target", "moods", env=env, check=False)
    assert wrong.returncode != 0 and "learns genres, not moods" in wrong.stderr

"""`albumml explain` as users run it: a real process against a registered champion on a real MLflow server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from skimage import data

from albumml.explain.figures import figure_pixels
from albumml.models.bundle import open_image
from sample_site import Faults, generate_site
from tests.support.analysis import AnalysisChampion

pytestmark = pytest.mark.slow

CAT_CLASSES = {"Egyptian cat", "tabby", "tiger cat", "Persian cat", "Siamese cat", "lynx"}


def explain(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m albumml explain ARGS` with the test's environment plus `env`."""
    return subprocess.run(
        [sys.executable, "-m", "albumml", "explain", *args],
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def covers(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three real sample-site covers."""
    folder = tmp_path_factory.mktemp("site")
    generate_site(folder, albums=5, seed=1, faults=Faults())
    found = sorted((folder / "www" / "images" / "cover").glob("*.jpg"))
    assert len(found) >= 3
    return found[:3]


def assert_png(path: Path, size: tuple[int, int]) -> None:
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == size


def test_explains_the_champions_top_moods_and_names_the_cover_it_cannot_read(
    analysis_champion: AnalysisChampion, covers: list[Path], tmp_path: Path
) -> None:
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a cover")
    out = tmp_path / "figures"
    done = explain(
        str(covers[0]),
        str(bad),
        str(covers[1]),
        "--moods",
        "2",
        "--out",
        str(out),
        "--json",
        env=analysis_champion.environment,
    )
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    assert result["model"] == analysis_champion.model_uri
    assert (result["variant"], result["backbone"], result["gradcam_layer"]) == (3, "efficientnet_lite0", "model.bn2")
    assert [item["cover"] for item in result["covers"]] == [str(covers[0]), str(covers[1])]
    assert [item["cover"] for item in result["failed"]] == [str(bad)]
    assert "notes.jpg" in result["failed"][0]["error"] and "not a readable image" in result["failed"][0]["error"]
    assert "notes.jpg" in done.stderr and "1 of 3 covers could not be explained" in done.stderr
    assert "explaining covers" not in done.stderr

    from albumml.registry.loading import load_model
    from albumml.registry.tracking import use_tracking

    use_tracking(analysis_champion.settings())
    model = load_model(analysis_champion.model_uri)
    for item, cover in zip(result["covers"], covers, strict=False):
        expected = model.rank(model.scores([open_image(cover)]), top=2)[0]
        assert [(m["mood"], m["rank"]) for m in item["moods"]] == [
            (mood, rank) for rank, (mood, _) in enumerate(expected, start=1)
        ]
        assert [m["score"] for m in item["moods"]] == pytest.approx([score for _, score in expected], abs=1e-5)
        assert Path(item["figure"]).parent == out
        assert_png(Path(item["figure"]), figure_pixels(2, 3))


def test_prints_tables_and_figure_paths_with_a_progress_bar(
    analysis_champion: AnalysisChampion, covers: list[Path], tmp_path: Path
) -> None:
    twin = tmp_path / "again" / covers[0].name
    twin.parent.mkdir()
    twin.write_bytes(covers[0].read_bytes())
    out = tmp_path / "figures"
    done = explain(
        str(covers[0]),
        str(twin),
        "--model",
        analysis_champion.model_uri,
        "--moods",
        "1",
        "--out",
        str(out),
        env=analysis_champion.environment,
    )
    assert done.returncode == 0, done.stderr
    first, second = out / f"{covers[0].stem}.explain.png", out / f"{covers[0].stem}-2.explain.png"
    assert f"figure: {first}" in done.stdout and f"figure: {second}" in done.stdout
    assert "mood" in done.stdout and "score" in done.stdout
    assert "explaining covers" in done.stderr
    assert_png(second, figure_pixels(1, 3))


def test_a_missing_champion_is_a_clear_error(analysis_champion: AnalysisChampion, covers: list[Path]) -> None:
    done = explain(str(covers[0]), env={**analysis_champion.environment, "ALBUMML_MODEL_NAME": "no-such-model"})
    assert done.returncode == 1
    assert "error: model 'models:/no-such-model@champion' cannot be loaded" in done.stderr
    assert "Traceback" not in done.stderr


def test_imagenet_names_the_cat_and_draws_its_grad_cam(tmp_path: Path) -> None:
    cat = tmp_path / "chelsea.png"
    Image.fromarray(data.chelsea()).save(cat)
    done = explain("--imagenet", str(cat), str(tmp_path / "missing.jpg"), "--out", str(tmp_path / "out"), "--json")
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    assert result["backbone"] == "efficientnet_lite0" and result["gradcam_layer"] == "bn2"
    [item] = result["covers"]
    assert len(item["classes"]) == 5 and CAT_CLASSES & {c["class"] for c in item["classes"]}
    assert item["classes"][0]["probability"] >= item["classes"][-1]["probability"]
    assert_png(Path(item["figure"]), figure_pixels(1, 3))
    assert "missing.jpg" in result["failed"][0]["error"]


def test_options_that_do_not_go_together_are_refused(tmp_path: Path) -> None:
    done = explain("--imagenet", "--model", "models:/album-mood@champion", str(tmp_path / "a.jpg"))
    assert done.returncode == 2 and "--backbone" in done.stderr


def test_a_backbone_whose_weights_cannot_be_had_is_a_clear_error(tmp_path: Path) -> None:
    done = explain("--imagenet", "--backbone", "resnet50", str(tmp_path / "a.jpg"))
    assert done.returncode == 1
    assert "error: could not fetch the" in done.stderr and "resnet50" in done.stderr and "Traceback" not in done.stderr

"""`albumml agreement` as a study runs it: draw a sample, fill two raters' sheets, score; and every refusal."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from albumml.config import load_settings
from albumml.dataset import load_snapshot
from albumml.storage import open_store
from tests.support.analysis import AnalysisChampion

pytestmark = pytest.mark.slow


def agreement(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `python -m albumml agreement ...` with only the given ALBUMML_* settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("ALBUMML_")}
    completed = subprocess.run(
        [sys.executable, "-m", "albumml", "agreement", *args],
        env={**base, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and completed.returncode != 0:
        raise AssertionError(f"agreement {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed


def refused(*args: str, env: dict[str, str]) -> str:
    """The one-line error of a command that must fail with exit code 1."""
    completed = agreement(*args, env=env, check=False)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr
    return " ".join(completed.stderr.split())


@dataclass(frozen=True)
class Study:
    """A drawn sample in its folder, the environment that drew it, and the snapshot's own moods of its albums."""

    env: dict[str, str]
    folder: Path
    sample: dict
    truth: dict[str, list[str]]


def fill(study: Study, path: Path, rater: str, moods: dict[str, list[str]]) -> Path:
    """A copy of the blank sheet with `rater` and their moods (albums left out stay blank)."""
    with (study.folder / "sheet.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        row["rater"] = rater
        row["moods"] = ";".join(moods.get(row["album_id"], []))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def draw(env: dict[str, str], folder: Path, *args: str) -> Study:
    """Run `agreement sample` into `folder` and read what it wrote."""
    agreement("sample", "--out", str(folder), *args, env=env)
    sample = json.loads((folder / "sample.json").read_text())
    manifest = load_snapshot(open_store(load_settings(home=Path(env["ALBUMML_HOME"]))), sample["snapshot_id"]).manifest
    truth = dict(zip(manifest["album_id"], manifest["moods"], strict=True))
    return Study(env, folder, sample, {c["album_id"]: truth[c["album_id"]] for c in sample["covers"]})


@pytest.fixture(scope="module")
def study(learning_home: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Study:
    home, snapshot_id = learning_home
    env = {"ALBUMML_HOME": str(home)}
    return draw(env, tmp_path_factory.mktemp("study") / "sample", "--n", "20", "--snapshot", snapshot_id, "--seed", "5")


def matrix(labels: dict[str, list[str]], covers: list[str], vocabulary: list[str]) -> np.ndarray:
    return np.array([[mood in labels[c] for mood in vocabulary] for c in covers], dtype=bool)


def test_sample_writes_the_sheet_the_page_and_the_covers(study: Study, learning_home: tuple[Path, str]) -> None:
    home, snapshot_id = learning_home
    sample = study.sample
    assert sample["snapshot_id"] == snapshot_id and sample["split"] == "test" and len(sample["covers"]) == 20
    manifest = load_snapshot(open_store(load_settings(home=home)), snapshot_id).manifest
    tests = set(manifest.loc[manifest["split"] == "test", "album_id"])
    assert {c["album_id"] for c in sample["covers"]} <= tests
    assert sample["vocabulary"] == load_snapshot(open_store(load_settings(home=home)), snapshot_id).vocabulary
    for cover in sample["covers"]:
        assert (study.folder / cover["cover"]).stat().st_size > 0
    page = (study.folder / "rate.html").read_text()
    assert all(c["album_id"] in page for c in sample["covers"])
    with (study.folder / "sheet.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert [r["album_id"] for r in rows] == [c["album_id"] for c in sample["covers"]]
    assert {r["sample_id"] for r in rows} == {sample["sample_id"]} and {r["moods"] for r in rows} == {""}


def test_the_same_seed_draws_the_same_sample(study: Study, tmp_path: Path) -> None:
    again = json.loads(
        agreement(
            "sample", "--n", "20", "--seed", "5", "--out", str(tmp_path / "again"), "--json", env=study.env
        ).stdout
    )
    assert again["sample_id"] == study.sample["sample_id"] and again["covers"] == 20
    other = json.loads(agreement("sample", "--n", "20", "--seed", "6", "--json", env=study.env).stdout)
    assert other["sample_id"] != study.sample["sample_id"] and Path(other["folder"]).name.startswith("agreement-")


def test_two_raters_scored_as_json_match_sklearn(study: Study, tmp_path: Path) -> None:
    albums = [c["album_id"] for c in study.sample["covers"]]
    vocabulary = study.sample["vocabulary"]
    ann = dict(study.truth)
    bob = {a: ([vocabulary[i % len(vocabulary)]] if i % 3 == 0 else list(m)) for i, (a, m) in enumerate(ann.items())}
    del bob[albums[-1]]
    sheets = [fill(study, study.folder / "ann.csv", "ann", ann), fill(study, study.folder / "bob.csv", "bob", bob)]
    result = json.loads(agreement("score", *map(str, sheets), "--no-model", "--json", env=study.env).stdout)

    covers = sorted(albums[:-1])
    first, second = matrix(ann, covers, vocabulary), matrix(bob, covers, vocabulary)
    assert result["sample_id"] == study.sample["sample_id"] and result["covers_scored"] == 19
    assert result["covers_dropped"] == 1 and result["dropped_by_rater"] == {"ann": [albums[-1]]}
    assert result["model"] is None and result["model_pairs"] == []
    (pair,) = result["pairs"]
    assert (pair["first"], pair["second"], pair["covers"]) == ("ann", "bob", 19)
    assert pair["micro_kappa"] == pytest.approx(cohen_kappa_score(first.ravel(), second.ravel()))
    assert pair["observed_agreement"] == pytest.approx((first == second).mean())
    varies = [j for j in range(len(vocabulary)) if first[:, j].any() or second[:, j].any()]
    per_mood = [cohen_kappa_score(first[:, j], second[:, j]) for j in varies]
    assert pair["macro_kappa"] == pytest.approx(np.mean(per_mood))
    assert sorted(pair["moods_undefined"]) == sorted(set(vocabulary) - {vocabulary[j] for j in varies})
    assert all(pair["per_mood"][m]["kappa"] is None for m in pair["moods_undefined"])
    assert pair["micro_band"] in {"poor", "slight", "fair", "moderate", "substantial", "almost perfect"}
    raters = {r["name"]: r for r in result["raters"]}
    assert raters["ann"]["mean_moods"] == pytest.approx(first.sum(axis=1).mean())
    assert raters["bob"]["covers_rated"] == 19

    text = agreement("score", *map(str, sheets), "--no-model", "--per-mood", env=study.env).stdout
    assert "Cohen's kappa" in text and "19 covers scored, 1 dropped" in text and pair["micro_band"] in text
    assert "Landis & Koch" in text and "kappa per mood" in text


def test_a_rater_scored_against_the_champion(analysis_champion: AnalysisChampion, tmp_path: Path) -> None:
    env = analysis_champion.environment
    study = draw(env, tmp_path / "sample", "--n", "12", "--snapshot", analysis_champion.snapshot_id)
    sheet = fill(study, tmp_path / "elsewhere" / "ann.csv", "ann", study.truth)
    result = json.loads(agreement("score", str(sheet), "--sample", str(study.folder), "--json", env=env).stdout)
    assert result["pairs"] == [] and result["model"]["name"] == analysis_champion.model_uri
    assert result["model"]["top_k"] is None and "as many as the rater chose" in result["model"]["k_rule"]
    (pair,) = result["model_pairs"]
    assert (pair["first"], pair["second"], pair["covers"]) == ("ann", analysis_champion.model_uri, 12)
    assert -1 <= pair["micro_kappa"] <= 1 and -1 <= pair["macro_kappa"] <= 1
    model_total = sum(f["second_count"] for f in pair["per_mood"].values())
    assert model_total == sum(len(m) for m in study.truth.values())

    text = agreement(
        "score",
        str(sheet),
        "--sample",
        str(study.folder),
        "--model",
        analysis_champion.model_uri,
        "--top-k",
        "5",
        env=env,
    ).stdout
    assert "5 per cover" in text and analysis_champion.model_uri in text


def test_unknown_moods_are_named_with_their_line(study: Study, tmp_path: Path) -> None:
    first = study.sample["covers"][1]["album_id"]
    mood = study.sample["vocabulary"][0]
    sheet = fill(study, tmp_path / "ann.csv", "ann", {first: [mood[:-1] + mood[-1] * 2, "Zzzqx"]})
    message = refused("score", str(sheet), "--sample", str(study.folder), "--no-model", env=study.env)
    assert f"ann.csv line 3: '{mood[:-1] + mood[-1] * 2}' (did you mean '{mood}'" in message
    assert "'Zzzqx'" in message


def test_a_rater_who_labelled_nothing_is_named(study: Study, tmp_path: Path) -> None:
    ann = fill(study, tmp_path / "ann.csv", "ann", study.truth)
    bob = fill(study, tmp_path / "bob.csv", "bob", {})
    message = refused("score", str(ann), str(bob), "--sample", str(study.folder), "--no-model", env=study.env)
    assert "rater 'bob' (bob.csv) labelled no cover" in message


def test_sheets_of_different_samples_are_refused(study: Study, tmp_path: Path) -> None:
    other = draw(study.env, tmp_path / "other", "--n", "20", "--seed", "99")
    ann = fill(study, study.folder / "ann-mixed.csv", "ann", study.truth)
    bob = fill(other, other.folder / "bob-mixed.csv", "bob", other.truth)
    message = refused("score", str(ann), str(bob), "--no-model", env=study.env)
    assert "different samples" in message and other.sample["sample_id"] in message


def test_one_rater_without_the_model_is_refused(study: Study) -> None:
    ann = fill(study, study.folder / "ann-alone.csv", "ann", study.truth)
    assert "only one rater (ann) and no model" in refused("score", str(ann), "--no-model", env=study.env)


def test_sheets_away_from_their_sample_need_sample(study: Study, tmp_path: Path) -> None:
    ann = fill(study, tmp_path / "ann.csv", "ann", study.truth)
    bob = fill(study, tmp_path / "bob.csv", "bob", study.truth)
    assert "pass --sample" in refused("score", str(ann), str(bob), "--no-model", env=study.env)
    result = json.loads(
        agreement(
            "score",
            str(ann),
            str(bob),
            "--sample",
            str(study.folder / "sample.json"),
            "--no-model",
            "--json",
            env=study.env,
        ).stdout
    )
    assert result["pairs"][0]["micro_kappa"] == 1.0 and result["pairs"][0]["micro_band"] == "almost perfect"


def test_a_missing_champion_says_how_to_go_on(study: Study, tmp_path: Path) -> None:
    ann = fill(study, study.folder / "ann-champion.csv", "ann", study.truth)
    env = {
        **study.env,
        "ALBUMML_MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "ALBUMML_MODEL_NAME": "no-such-model",
    }
    message = refused("score", str(ann), env=env)
    assert "models:/no-such-model@champion" in message and "--no-model" in message

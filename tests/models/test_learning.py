"""Learning on the sample site's real covers, through the whole path: crawl, snapshot, cached Lite0 features, head.

Models 1 and 2 beat the label-frequency baseline's micro AP on held-out albums by at least 1.5x (1.69x and 1.72x
when written); a head trained on shuffled labels does not. Models 3 and 4 (cosine read-back) do not yet beat the
baseline on real covers and are not claimed here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import torch

from albumml.catalogue import open_catalogue
from albumml.config import Settings, load_settings
from albumml.dataset import SnapshotConfig, build_snapshot
from albumml.evaluation import evaluate, frequency_baseline, multi_hot
from albumml.models.backbones import load_backbone
from albumml.models.features import extract_features
from albumml.models.fitting import HeadData, fit_head, predict_scores
from albumml.models.heads import MoodHead, Variant, metadata_features
from albumml.sample_site import Faults, generate_site, serving
from albumml.storage import open_store
from tests.crawler.test_crawl import crawl, migrated


@dataclass
class Learnable:
    features: torch.Tensor
    truth: np.ndarray
    ordered: torch.Tensor
    metadata: torch.Tensor
    train: np.ndarray

    def split(self, rows: np.ndarray, truth: np.ndarray | None = None) -> HeadData:
        labels = self.truth if truth is None else truth
        return HeadData(self.features[rows], torch.tensor(labels[rows]), self.ordered[rows], self.metadata[rows])


@pytest.fixture(scope="module")
def learnable(tmp_path_factory: pytest.TempPathFactory) -> Learnable:
    root = tmp_path_factory.mktemp("learning")
    settings: Settings = load_settings(home=root / "home")
    generate_site(root / "site", albums=1200, seed=21, faults=Faults())
    migrated(settings)
    with serving(root / "site") as server:
        assert crawl(settings, server.base_url).returncode == 0
    snapshot = build_snapshot(open_catalogue(settings), SnapshotConfig(min_mood_count=20))
    manifest, vocabulary = snapshot.manifest, snapshot.vocabulary
    features = extract_features(open_store(settings), load_backbone("efficientnet_lite0"), list(manifest["cover_key"]))
    assert not features.failed
    index = {mood: i for i, mood in enumerate(vocabulary)}
    ordered = np.full((len(manifest), 40), -1)
    for row, moods in enumerate(manifest["moods"]):
        positions = [index[mood] for mood in moods][:40]
        ordered[row, : len(positions)] = positions
    genres = sorted({genre for album in manifest["genres"] for genre in album})
    years = [None if year != year else int(year) for year in manifest["year"]]
    return Learnable(
        features=torch.tensor(features.vectors),
        truth=multi_hot(manifest["moods"], vocabulary),
        ordered=torch.tensor(ordered),
        metadata=metadata_features(list(manifest["genres"]), years, genres),
        train=(manifest["split"] == "train").to_numpy(),
    )


def held_out(learnable: Learnable, variant: Variant, *, shuffle: bool = False) -> tuple[float, float]:
    torch.manual_seed(0)
    train, test = learnable.train, ~learnable.train
    truth = learnable.truth.copy()
    if shuffle:
        truth[train] = truth[train][np.random.default_rng(0).permutation(train.sum())]
    head = MoodHead(variant, learnable.features.shape[1], truth.shape[1], metadata_dim=learnable.metadata.shape[1])
    fit_head(head, learnable.split(train, truth), epochs=30)
    scores = predict_scores(head, learnable.split(test)).numpy()
    model = evaluate(learnable.truth[test], scores).micro_ap
    baseline = evaluate(learnable.truth[test], frequency_baseline(truth[train], int(test.sum()))).micro_ap
    return model, baseline


@pytest.mark.parametrize("variant", [Variant.CLASSIFIER, Variant.CLASSIFIER_WITH_METADATA])
def test_classifiers_learn_moods_from_real_covers(learnable: Learnable, variant: Variant) -> None:
    model, baseline = held_out(learnable, variant)
    assert model >= 1.5 * baseline, f"model {int(variant)}: micro AP {model:.3f} vs baseline {baseline:.3f}"


def test_shuffled_labels_learn_nothing_from_real_covers(learnable: Learnable) -> None:
    model, baseline = held_out(learnable, Variant.CLASSIFIER, shuffle=True)
    assert model < 1.15 * baseline, f"shuffled: micro AP {model:.3f} vs baseline {baseline:.3f}"

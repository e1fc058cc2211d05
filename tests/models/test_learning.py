"""Learning on the sample site's real covers, through the whole path: crawl, snapshot, cached Lite0 features, train.

Each of the four models, trained by `albumml.training` (embedded MLflow, no server), beats the label-frequency
baseline's micro AP on held-out test albums by at least 1.5x (about 1.8-1.96x when written); a head trained on
shuffled labels does not reach 1.15x.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from mlflow import MlflowClient

from albumml.config import load_settings
from albumml.dataset import load_snapshot
from albumml.evaluation import evaluate, frequency_baseline
from albumml.models.backbones import load_backbone
from albumml.models.fitting import HeadData, predict_scores
from albumml.models.heads import MoodHead, Variant
from albumml.pipeline import train
from albumml.storage import open_store
from albumml.training.config import TrainConfig
from albumml.training.data import prepare
from albumml.training.measure import anchor_path
from tests.support.fitting import fit_head

pytestmark = pytest.mark.slow

MARGIN = 1.5


@pytest.mark.parametrize("variant", list(Variant))
def test_each_model_beats_the_frequency_baseline_on_held_out_covers(
    learning_home: tuple[Path, str], tmp_path: Path, variant: Variant
) -> None:
    home, snapshot_id = learning_home
    settings = load_settings(
        home=home,
        mlflow_tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
        mlflow_artifact_location=(tmp_path / "artifacts").as_uri(),
    )
    config = TrainConfig(
        snapshot_id=snapshot_id, variant=variant, backbone="efficientnet_lite0", epochs=30, report=False
    )
    result = train(settings, config)
    model, baseline = result.evaluation.model.micro_ap, result.evaluation.label_frequency.micro_ap
    assert model >= MARGIN * baseline, f"model {int(variant)}: micro AP {model:.3f} vs baseline {baseline:.3f}"
    assert result.evaluation.model.albums > 50
    if variant.regresses_embeddings:
        assert result.evaluation.semantic_closeness is not None
        assert result.evaluation.semantic_closeness > 0.3
    # the strong anchors stand beside every model, fitted once per snapshot and backbone and shared by the variants
    anchors = {anchor.key: anchor for anchor in result.evaluation.anchors}
    assert set(anchors) == {"probe", "knn"}
    for anchor in anchors.values():
        assert anchor.metrics.micro_ap > 1.2 * baseline, anchor
        assert anchor.metrics.albums == result.evaluation.model.albums
    stored = open_store(settings).list_objects(anchor_path(snapshot_id, "").removesuffix(".json"))
    # one feature recipe's anchors: their figures and their test scores (for the paired bootstrap)
    assert len(stored) == 2 and {info.name.rsplit("/", 1)[1].split(".", 1)[1] for info in stored} == {
        "json",
        "scores.npz",
    }
    difference = result.evaluation.beyond["probe"]
    assert difference.low <= difference.difference <= difference.high
    logged = MlflowClient(settings.mlflow_tracking_uri).get_run(result.run_id).data.metrics
    assert logged["baseline_probe_micro_ap"] == pytest.approx(anchors["probe"].metrics.micro_ap)
    assert "baseline_knn_micro_ap" in logged
    print(
        f"model {int(variant)}: {model:.4f}; linear probe {anchors['probe'].metrics.micro_ap:.4f} "
        f"({anchors['probe'].choice}); kNN {anchors['knn'].metrics.micro_ap:.4f} ({anchors['knn'].choice}); "
        f"label frequency {baseline:.4f}"
    )


def test_shuffled_labels_learn_nothing_from_real_covers(learning_home: tuple[Path, str]) -> None:
    home, snapshot_id = learning_home
    store = open_store(load_settings(home=home))
    data = prepare(store, load_snapshot(store, snapshot_id), load_backbone("efficientnet_lite0"))
    train_split, test = data.splits["train"], data.splits["test"]
    permutation = torch.from_numpy(np.random.default_rng(0).permutation(len(train_split.truth)))
    shuffled = HeadData(
        train_split.features, train_split.truth[permutation], train_split.ordered_moods, train_split.metadata
    )
    torch.manual_seed(0)
    head = MoodHead(Variant.CLASSIFIER, shuffled.features.shape[1], shuffled.truth.shape[1])
    fit_head(head, shuffled, epochs=30)
    model = evaluate(test.truth.numpy(), predict_scores(head, test).numpy()).micro_ap
    baseline = evaluate(test.truth.numpy(), frequency_baseline(shuffled.truth.numpy(), len(test.truth))).micro_ap
    assert model < 1.15 * baseline, f"shuffled: micro AP {model:.3f} vs baseline {baseline:.3f}"

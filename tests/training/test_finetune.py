"""Full fine-tuning after the head: the backbone really changes, its features are recomputed, and the run learns."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from albumml.catalogue import open_catalogue
from albumml.config import Settings, load_settings
from albumml.dataset import SnapshotConfig, build_snapshot, save_snapshot
from albumml.models.backbones import load_backbone
from albumml.models.features import extract_features
from albumml.models.heads import Variant
from albumml.pipeline import train
from albumml.registry.loading import load_model
from albumml.registry.tracking import client
from albumml.storage import open_store
from albumml.training.config import TrainConfig
from albumml.training.engine import EarlyStopping, TrainState
from albumml.training.finetune import finetune
from albumml.training.loop import Progress, cover_keys_of, start_session
from sample_site import Faults, generate_site, serving
from tests.support.crawling import crawl, migrated

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, str]:
    """A crawled 200-album sample site with a saved snapshot: small enough to fine-tune on the CPU."""
    root = tmp_path_factory.mktemp("finetune")
    settings = load_settings(home=root / "home")
    generate_site(root / "site", albums=200, seed=13, faults=Faults())
    migrated(settings)
    with serving(root / "site") as server:
        assert crawl(settings, server.base_url).returncode == 0
    snapshot = build_snapshot(open_catalogue(settings), SnapshotConfig(min_mood_count=8))
    save_snapshot(open_store(settings), snapshot)
    return settings, snapshot.id


def config_for(snapshot_id: str, **changes: object) -> TrainConfig:
    return TrainConfig(
        snapshot_id=snapshot_id,
        variant=Variant.CLASSIFIER,
        backbone="efficientnet_lite0",
        epochs=8,
        batch_size=32,
        loader_workers=1,
        report=False,
        **changes,
    )


def test_tuning_changes_the_backbone_and_refreshes_every_splits_features(small_home) -> None:
    settings, snapshot_id = small_home
    config = config_for(snapshot_id, finetune_epochs=1, finetune_lr=1e-3)
    store = open_store(settings)
    session = start_session(store, config.model_copy(update={"device": "cpu"}), resume=False, progress=Progress())
    backbone, data = session.backbone, session.data
    pretrained = {k: v.clone() for k, v in backbone.extractor.state_dict().items()}
    # A bar any tuning clears: this test is about the tuned branch. No MLflow run: the engine needs none.
    session.finetune_state = TrainState(EarlyStopping(config.patience), extras={"initial_score": -1.0})
    tuned, splits = finetune(session, cover_keys_of(store, config, data))
    changed = [
        k
        for k, v in tuned.extractor.state_dict().items()
        if v.is_floating_point() and not torch.allclose(v, pretrained[k])
    ]
    assert len(changed) > 10
    assert "+finetuned-" in tuned.weights_id
    keys = cover_keys_of(store, config, data)["validation"][:4]
    expected = extract_features(store, tuned, keys).vectors
    assert torch.allclose(splits["validation"].features[:4], torch.from_numpy(expected), atol=1e-4)
    assert not torch.allclose(splits["validation"].features, data.splits["validation"].features, atol=1e-3)
    assert session.checkpoints.latest()["finetune_phase"]["epoch"] == 1


def test_a_fine_tuned_run_learns_logs_its_epochs_and_ships_its_backbone(small_home) -> None:
    settings, snapshot_id = small_home
    result = train(settings, config_for(snapshot_id, finetune_epochs=1))
    evaluation = result.evaluation
    assert evaluation.model.micro_ap > evaluation.label_frequency.micro_ap
    history = client(settings).get_metric_history(result.run_id, "finetune_validation_micro_ap")
    assert [m.step for m in history] == [1]
    model = load_model(result.model_uri)
    pretrained = load_backbone("efficientnet_lite0").extractor.state_dict()
    same = all(torch.equal(v, pretrained[k]) for k, v in model.backbone.extractor.state_dict().items())
    assert same != ("+finetuned-" in model.backbone.weights_id), model.backbone.weights_id


def test_run_keys_without_fine_tuning_are_unchanged_by_its_knobs(tmp_path: Path) -> None:
    plain = TrainConfig(snapshot_id="s")
    assert plain.run_key() == TrainConfig(snapshot_id="s", finetune_lr=0.5, loader_workers=9).run_key()
    assert plain.run_key() != TrainConfig(snapshot_id="s", finetune_epochs=2).run_key()

"""Training a mood model: one function a phase (data, model, fit, evaluate), as in torchvision's reference scripts.

Runs on CUDA with mixed precision when present and on the CPU otherwise, seeded; every epoch is checkpointed in the
store, so a resumed session continues a killed run. Nothing here knows MLflow: tracking hangs off the callbacks
(`albumml.registry.training_run` logs a session to MLflow).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from albumml.dataset import load_snapshot
from albumml.errors import LabelEmbeddingError, TrainingError
from albumml.evaluation import frequency_baseline, random_baseline
from albumml.labels import cached_embeddings
from albumml.models.backbones import Backbone, load_backbone
from albumml.models.bundle import MoodModel
from albumml.models.calibration import LabelSpaceSplit, fit_read_back
from albumml.models.features import decode_cover, feature_key
from albumml.models.fitting import HeadData, predicted_points
from albumml.models.heads import MoodHead
from albumml.models.pyfunc import cover_bytes
from albumml.storage import Store
from albumml.training.checkpoints import Checkpoints
from albumml.training.config import TrainConfig
from albumml.training.data import TrainingData, prepare
from albumml.training.engine import (
    EarlyStopping,
    EpochHooks,
    TrainState,
    copy_weights,
    evaluate,
    raw_scores,
    run_epochs,
    train_one_epoch,
)
from albumml.training.finetune import finetune
from albumml.training.measure import AnchorFigures, Evaluation, anchor_path, evaluation_of, shared_anchors
from albumml.training.records import EpochRecord
from albumml.training.session import Session

log = logging.getLogger(__name__)


@dataclass
class Progress:
    """Callbacks: covers featurised (for a display), each finished epoch once recorded (tracking, before its
    checkpoint) and once saved (a display), and each fine-tuning epoch (tracking)."""

    covers: Callable[[int], None] | None = None
    covers_total: Callable[[int], None] | None = None
    epoch: Callable[[EpochRecord], None] | None = None
    record_epoch: Callable[[EpochRecord], None] | None = None
    record_finetune_epoch: Callable[[EpochRecord], None] | None = None


def resolve_device(config: TrainConfig) -> str:
    """CUDA when asked or available (auto), else the CPU; an error when CUDA is asked for but absent."""
    if config.device == "cuda" and not torch.cuda.is_available():
        raise TrainingError("--device cuda was asked for but no CUDA device is visible; use --device auto or cpu")
    if config.device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return config.device


def store_reader(store: Store) -> Callable[[str], bytes]:
    """Reads `s3://` weight files through the configured store's client."""

    def read(url: str) -> bytes:
        backend: Any = store.backend
        bucket, _, key = url[len("s3://") :].partition("/")
        return backend.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    return read


def load_data(store: Store, config: TrainConfig, device: str, progress: Progress) -> tuple[Backbone, TrainingData]:
    """Phase 1: the backbone and the snapshot's cached features, split."""
    backbone = load_backbone(config.backbone, config.weights, read=store_reader(store))
    snapshot = load_snapshot(store, config.snapshot_id)
    if progress.covers_total is not None:
        progress.covers_total(snapshot.manifest["cover_key"].nunique())
    return backbone, prepare(store, snapshot, backbone, device=device, progress=progress.covers)


def mood_vectors_for(store: Store, config: TrainConfig, vocabulary: list[str]) -> np.ndarray | None:
    """The moods' label vectors for measuring how close any model's mistakes land; None (logged) when the label
    embeddings cannot be had, since models 1-2 train without them."""
    try:
        return cached_embeddings(store, vocabulary, config.labels).vectors
    except LabelEmbeddingError as error:
        log.warning("mistake closeness not measured: %s", error)
        return None


def label_vectors_for(store: Store, config: TrainConfig, vocabulary: list[str]) -> torch.Tensor | None:
    """Phase 2a: label embeddings of the vocabulary for models 3 and 4."""
    if not config.variant.regresses_embeddings:
        return None
    return torch.from_numpy(cached_embeddings(store, vocabulary, config.labels).vectors)


def build_head(
    config: TrainConfig, feature_dim: int, data: TrainingData, label_vectors: torch.Tensor | None
) -> MoodHead:
    """Phase 2b: the variant's head."""
    output_dim = label_vectors.shape[1] if label_vectors is not None else len(data.vocabulary)
    metadata = data.splits["train"].metadata
    return MoodHead(
        config.variant,
        feature_dim,
        output_dim,
        metadata_dim=metadata.shape[1] if metadata is not None else 0,
        hidden=config.hidden,
        dropout=config.dropout,
    )


def on_device(data: HeadData, device: str) -> HeadData:
    """A split's tensors moved to `device`."""
    return HeadData(
        data.features.to(device),
        data.truth.to(device),
        data.ordered_moods.to(device),
        data.metadata.to(device) if data.metadata is not None else None,
    )


def run_params(config: TrainConfig, backbone: Backbone, data: TrainingData, device: str) -> dict[str, Any]:
    """The run's parameters as MLflow shows them (the backbone's weights provenance included)."""
    params = config.model_dump(mode="json")
    params["hidden"] = ",".join(str(h) for h in config.hidden)
    return {
        **params,
        "weights_id": backbone.weights_id,
        "feature_dim": backbone.feature_dim,
        "target": data.target.value,
        "moods": len(data.vocabulary),
        "genres": len(data.genres),
        "device_used": device,
        **{f"albums_{split}": len(ids) for split, ids in data.album_ids.items()},
        "covers_skipped": len(data.skipped),
    }


def fresh_head_state(config: TrainConfig, head: MoodHead, optimizer: torch.optim.Optimizer) -> TrainState:
    """The head phase before epoch 1: the initial weights as the best so far, the seeded batch order."""
    return TrainState(
        EarlyStopping(config.patience),
        best={"head": copy_weights(head)},
        extras=head_extras(head, optimizer, torch.Generator().manual_seed(config.seed)),
    )


def head_extras(head: MoodHead, optimizer: torch.optim.Optimizer, generator: torch.Generator) -> dict[str, Any]:
    """What resumes the head phase exactly: the head, the optimiser and both random-number states."""
    return {
        "head": head.state_dict(),
        "optimizer": optimizer.state_dict(),
        "generator": generator.get_state(),
        "torch_rng": torch.get_rng_state(),
    }


def fit(session: Session, progress: Progress) -> bool:
    """Phase 3: head epochs with early stopping on validation micro AP, a checkpoint each; True if it stopped early."""
    config, head, splits, label_vectors = session.config, session.head, session.splits, session.label_vectors
    state = session.head_state
    generator = torch.Generator()
    generator.set_state(state.extras["generator"])
    torch.set_rng_state(state.extras["torch_rng"])
    if session.finetune_state is not None:  # the head phase finished before this run was interrupted
        return state.stopping.should_stop
    amp = session.device == "cuda" and config.amp

    def one_epoch(epoch: int) -> tuple[float, float]:
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
            loss = train_one_epoch(
                head,
                session.optimizer,
                splits["train"],
                batch_size=config.batch_size,
                label_vectors=label_vectors,
                k=config.first_k,
                weighting=config.target_weighting,
                generator=generator,
            )
        return loss, evaluate(head, splits["validation"], label_vectors, train=splits["train"])

    def save() -> None:
        state.extras = head_extras(head, session.optimizer, generator)
        session.checkpoints.save(state.epoch, session.checkpoint())

    hooks = EpochHooks(lambda: {"head": copy_weights(head)}, save, progress.record_epoch, progress.epoch)
    return run_epochs(state, config.epochs, one_epoch, hooks)


def cover_keys_of(store: Store, config: TrainConfig, data: TrainingData) -> dict[str, list[str]]:
    """Each split's cover keys, in the order of its rows."""
    manifest = load_snapshot(store, config.snapshot_id).manifest
    cover_of = dict(zip(manifest["album_id"], manifest["cover_key"], strict=True))
    return {split: [cover_of[album] for album in albums] for split, albums in data.album_ids.items()}


def label_space_split(head: MoodHead, data: HeadData, label_vectors: torch.Tensor) -> LabelSpaceSplit:
    """A split's predicted points, their cosines to each mood and its true moods, as numpy arrays."""
    points = predicted_points(head, data).float().cpu().numpy()
    return LabelSpaceSplit(points, raw_scores(head, data, label_vectors), data.truth.cpu().numpy())


def finish_model(
    backbone: Backbone,
    head: MoodHead,
    config: TrainConfig,
    data: TrainingData,
    splits: dict[str, HeadData],
    label_vectors: torch.Tensor | None,
) -> MoodModel:
    """Phase 4: the best head with, for models 3-4, a read-back fitted on the validation split."""
    read_back = None
    if label_vectors is not None:
        read_back = fit_read_back(
            *(label_space_split(head, splits[name], label_vectors) for name in ("train", "validation"))
        )
        log.info("read-back chosen on validation: %s", read_back.describe())
    return MoodModel(
        backbone=backbone,
        head=head.eval(),
        vocabulary=data.vocabulary,
        genres=data.genres,
        label_vectors=label_vectors,
        read_back=read_back,
        hidden=config.hidden,
        dropout=config.dropout,
        target=data.target.value,
    )


@dataclass(frozen=True)
class TestOutcome:
    """The test evaluation and the arrays behind it (for the PR curves)."""

    evaluation: Evaluation
    truth: np.ndarray
    scores: dict[str, np.ndarray]


def test_evaluation(
    model: MoodModel,
    splits: dict[str, HeadData],
    data: TrainingData,
    seed: int,
    anchors: tuple[AnchorFigures, ...] = (),
    mood_vectors: np.ndarray | None = None,
) -> TestOutcome:
    """Phase 5: the test split beside the baselines and anchors; with the moods' label vectors (the model's own for
    models 3-4, else `mood_vectors`), how close its mistakes land (and semantic closeness for models 3-4)."""
    test = splits["test"]
    truth, train_truth = test.truth.cpu().numpy(), splits["train"].truth.cpu().numpy()
    scores = model.scores_from_features(test.features, test.metadata)
    points, label_vectors = None, mood_vectors
    if model.label_vectors is not None:
        points = predicted_points(model.head, test).float().cpu().numpy()
        label_vectors = model.label_vectors.cpu().numpy()
    evaluation = evaluation_of(
        "test",
        truth,
        scores,
        train_truth,
        points=points,
        label_vectors=label_vectors,
        skipped=len(data.skipped),
        seed=seed,
        anchors=anchors,
    )
    curves = {
        "model": scores,
        "label frequency": frequency_baseline(train_truth, len(truth)),
        "random": random_baseline(*truth.shape, seed=seed),
    }
    return TestOutcome(evaluation, truth, curves)


def example_cover(store: Store, cover_key: str) -> bytes:
    """A real cover of the snapshot, re-encoded small, as the model's input example."""
    image = decode_cover(store.get_blob(cover_key), side=128)
    image.thumbnail((128, 128))
    return cover_bytes(image)


@dataclass
class Trained:
    """What a finished session produced: the model, its test outcome, how the head phase went, an input example."""

    model: MoodModel
    outcome: TestOutcome
    head_state: TrainState
    stopped_early: bool
    example: bytes

    @property
    def history(self) -> list[EpochRecord]:
        """The head's epochs."""
        return self.head_state.history


def start_session(store: Store, config: TrainConfig, *, resume: bool, progress: Progress) -> Session:
    """Phases 1-2: device, data, label vectors, head and optimiser; the latest checkpoint restored when resuming."""
    device = resolve_device(config)
    torch.manual_seed(config.seed)
    backbone, data = load_data(store, config, device, progress)
    label_vectors = label_vectors_for(store, config, data.vocabulary)
    if label_vectors is not None:
        label_vectors = label_vectors.to(device)
    head = build_head(config, backbone.feature_dim, data, label_vectors).to(device)
    optimizer = torch.optim.Adam(head.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    checkpoints = Checkpoints(store, config.run_key())
    splits = {name: on_device(split, device) for name, split in data.splits.items()}
    session = Session(
        config,
        store,
        device,
        backbone,
        data,
        label_vectors,
        head,
        optimizer,
        checkpoints,
        fresh_head_state(config, head, optimizer),
        None,
        splits,
    )
    checkpoint = checkpoints.latest() if resume else None
    if checkpoint is not None:
        session.restore(checkpoint)
        session.resumed_from = session.head_state.epoch
    elif resume:
        log.info("no checkpoint for run key %s: starting from epoch 1", config.run_key())
    return session


def run_session(session: Session, progress: Progress) -> Trained:
    """Phases 3-5: fit the head (then fine-tune when asked), finish the model, evaluate it on the test split."""
    config, store = session.config, session.store
    stopped_early = fit(session, progress)
    session.head.load_state_dict(session.head_state.best["head"])
    backbone, splits = session.backbone, session.splits
    if config.finetune_epochs:
        backbone, splits = finetune(
            session, cover_keys_of(store, config, session.data), on_epoch=progress.record_finetune_epoch
        )
    model = finish_model(backbone, session.head, config, session.data, splits, session.label_vectors)
    # the anchors stand on the frozen backbone's features, as the head did before any fine-tuning
    anchors = shared_anchors(store, anchor_path(config.snapshot_id, feature_key(session.backbone)), session.splits)
    mood_vectors = (
        None if session.label_vectors is not None else mood_vectors_for(store, config, session.data.vocabulary)
    )
    outcome = test_evaluation(model, splits, session.data, config.seed, anchors, mood_vectors)
    example = example_cover(store, session.data.example_cover)
    return Trained(model, outcome, session.head_state, stopped_early, example)

"""Full fine-tuning (`--finetune N`): after the head has learnt on cached features, train backbone and head together
on the covers themselves, for N epochs, with a smaller learning rate for the backbone. Made for GPUs.

Each epoch is checkpointed (backbone, head, optimiser) and early stopping keeps the best; the splits' features are
then recomputed with the tuned backbone, whose `weights_id` names the tuning, so no pretrained feature cache is
ever mistaken for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms import v2

from albumml.models.backbones import Backbone
from albumml.models.features import decode_cover
from albumml.models.fitting import HeadData, loss_of
from albumml.models.heads import MoodHead
from albumml.storage import Store
from albumml.training.config import TrainConfig
from albumml.training.engine import (
    EarlyStopping,
    EpochHooks,
    TrainState,
    Weights,
    copy_weights,
    evaluate,
    run_epochs,
)
from albumml.training.records import EpochRecord
from albumml.training.session import Session

log = logging.getLogger(__name__)


class CoverImages(Dataset[tuple[torch.Tensor, int]]):
    """The covers of one split as model inputs (decoded at reduced size, optionally flipped), with their row."""

    def __init__(
        self, store: Store, cover_keys: list[str], transform: Callable[[Any], torch.Tensor], *, augment: bool
    ) -> None:
        self.store, self.cover_keys, self.transform = store, cover_keys, transform
        self.flip = v2.RandomHorizontalFlip() if augment else None

    def __len__(self) -> int:
        return len(self.cover_keys)

    def __getitem__(self, row: int) -> tuple[torch.Tensor, int]:
        image = decode_cover(self.store.get_blob(self.cover_keys[row]))
        if self.flip is not None:
            image = self.flip(image)
        return self.transform(image), row


def loader(
    store: Store,
    keys: list[str],
    backbone: Backbone,
    config: TrainConfig,
    *,
    train: bool,
    generator: torch.Generator | None = None,
) -> DataLoader[Any]:
    """Batches of a split's covers, read and decoded in worker processes."""
    return DataLoader(
        CoverImages(store, keys, backbone.transform, augment=train),
        batch_size=config.batch_size,
        shuffle=train,
        generator=generator,
        num_workers=config.loader_workers,
        drop_last=train and len(keys) > config.batch_size,
    )


@torch.no_grad()
def split_features(extractor: nn.Module, batches: DataLoader[Any], rows: int, device: str, amp: bool) -> torch.Tensor:
    """The tuned backbone's features of every cover of a split, in the split's order."""
    extractor.eval()
    features: torch.Tensor | None = None
    for images, index in batches:
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
            out = extractor(images.to(device)).float()
        if features is None:
            features = torch.empty((rows, out.shape[1]), device=device)
        features[index.to(device)] = out
    assert features is not None
    return features


def _validation_ap(head: MoodHead, data: HeadData, features: torch.Tensor, label_vectors: torch.Tensor | None) -> float:
    """Validation micro AP of the head's raw scores on `features` (the same measure before and during tuning)."""
    return evaluate(head, HeadData(features, data.truth, data.ordered_moods, data.metadata), label_vectors)


def finetune(
    session: Session, cover_keys: dict[str, list[str]], on_epoch: Callable[[EpochRecord], None] | None = None
) -> tuple[Backbone, dict[str, HeadData]]:
    """Phase 3b: backbone and head trained together; returns the tuned backbone and the splits' new features.

    Epochs run through the shared engine (early stopping, a checkpoint each, `on_epoch` before it for tracking).
    The tuned backbone is kept only if it beats the head alone on validation.
    """
    config, head, splits, label_vectors = session.config, session.head, session.splits, session.label_vectors
    backbone, store, device = session.backbone, session.store, session.device
    extractor = backbone.extractor.to(device)
    amp = device == "cuda" and config.amp
    optimizer = torch.optim.AdamW(
        [
            {"params": extractor.parameters(), "lr": config.finetune_lr},
            {"params": head.parameters(), "lr": config.lr * 0.1},
        ]
    )
    if session.finetune_state is None:
        session.finetune_state = TrainState(EarlyStopping(config.patience))
    state = session.finetune_state
    if state.epoch:
        extractor.load_state_dict(state.extras["extractor"])
        head.load_state_dict(state.extras["head"])
        optimizer.load_state_dict(state.extras["optimizer"])
    else:
        if "initial_score" not in state.extras:
            validation = splits["validation"]
            state.extras["initial_score"] = _validation_ap(head, validation, validation.features, label_vectors)
        state.extras.update(initial_extractor=copy_weights(extractor), initial_head=copy_weights(head))
        state.best = {"extractor": copy_weights(extractor), "head": copy_weights(head)}
    generator = torch.Generator().manual_seed(config.seed + 7919 * (state.epoch + 1))
    train, validation = splits["train"], splits["validation"]
    train_batches = loader(store, cover_keys["train"], backbone, config, train=True, generator=generator)
    validation_batches = loader(store, cover_keys["validation"], backbone, config, train=False)

    def one_epoch(epoch: int) -> tuple[float, float]:
        total, batches = 0.0, 0
        for images, rows in train_batches:
            extractor.train()
            head.train()
            optimizer.zero_grad()
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
                features = extractor(images.to(device))
                metadata = train.metadata[rows] if train.metadata is not None else None
                batch = HeadData(features.float(), train.truth[rows], train.ordered_moods[rows], metadata)
                loss = loss_of(
                    head, batch, torch.arange(len(rows)), label_vectors, config.first_k, config.target_weighting
                )
            loss.backward()
            optimizer.step()
            total, batches = total + loss.item(), batches + 1
        features = split_features(extractor, validation_batches, len(cover_keys["validation"]), device, amp)
        return total / max(batches, 1), _validation_ap(head, validation, features, label_vectors)

    def save() -> None:
        state.extras.update(extractor=extractor.state_dict(), head=head.state_dict(), optimizer=optimizer.state_dict())
        session.checkpoints.save(session.head_state.epoch + state.epoch, session.checkpoint())

    def logged(record: EpochRecord) -> None:
        log.info(
            "fine-tune epoch %d: loss %.4f, validation micro AP %.4f (%.0f s)",
            record.epoch,
            record.train_loss,
            record.validation_micro_ap,
            record.seconds,
        )

    def best() -> dict[str, Weights]:
        return {"extractor": copy_weights(extractor), "head": copy_weights(head)}

    run_epochs(state, config.finetune_epochs, one_epoch, EpochHooks(best, save, on_epoch, logged))
    if state.stopping.best_score <= state.extras["initial_score"]:
        log.info(
            "fine-tuning did not beat the head alone on validation (%.4f <= %.4f): keeping the frozen backbone",
            state.stopping.best_score,
            state.extras["initial_score"],
        )
        extractor.load_state_dict(state.extras["initial_extractor"])
        head.load_state_dict(state.extras["initial_head"])
        return replace(backbone, extractor=extractor), splits
    extractor.load_state_dict(state.best["extractor"])
    head.load_state_dict(state.best["head"])
    session.head_state.best = {"head": copy_weights(head)}
    weights_id = f"{backbone.weights_id}+finetuned-{config.run_key()}-e{state.stopping.best_epoch}"
    tuned_backbone = replace(backbone, extractor=extractor, weights_id=weights_id, classifier=None, categories=None)
    refreshed = {}
    for name, data in splits.items():
        batches = loader(store, cover_keys[name], backbone, config, train=False)
        features = split_features(extractor, batches, len(cover_keys[name]), device, amp)
        refreshed[name] = HeadData(features, data.truth, data.ordered_moods, data.metadata)
    return tuned_backbone, refreshed

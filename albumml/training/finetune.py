"""Full fine-tuning (`--finetune N`): after the head has learnt on cached features, train backbone and head together
on the covers themselves, for N epochs, with a smaller learning rate for the backbone. Made for GPUs.

Each epoch is checkpointed (backbone, head, optimiser) and early stopping keeps the best; the splits' features are
then recomputed with the tuned backbone, whose `weights_id` names the tuning, so no pretrained feature cache is
ever mistaken for it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms import v2

from albumml.evaluation import evaluate
from albumml.models.backbones import Backbone
from albumml.models.features import decode_cover
from albumml.models.fitting import HeadData, loss_of, predict_scores
from albumml.models.heads import MoodHead
from albumml.storage import Store
from albumml.training.checkpoints import Checkpoints
from albumml.training.config import TrainConfig
from albumml.training.records import EpochRecord

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
    split = HeadData(features, data.truth, data.ordered_moods, data.metadata)
    return evaluate(data.truth.cpu().numpy(), predict_scores(head, split, label_vectors).float().cpu().numpy()).micro_ap


def finetune(
    config: TrainConfig,
    backbone: Backbone,
    head: MoodHead,
    splits: dict[str, HeadData],
    cover_keys: dict[str, list[str]],
    store: Store,
    label_vectors: torch.Tensor | None,
    state: dict[str, Any],
    checkpoints: Checkpoints,
    device: str,
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> tuple[Backbone, dict[str, HeadData]]:
    """Phase 3b: backbone and head trained together; returns the tuned backbone and the splits' new features.

    `on_epoch` hears of every fine-tuning epoch (tracking), before its checkpoint is saved.
    """
    extractor = backbone.extractor.to(device)
    amp = device == "cuda" and config.amp
    optimizer = torch.optim.AdamW(
        [
            {"params": extractor.parameters(), "lr": config.finetune_lr},
            {"params": head.parameters(), "lr": config.lr * 0.1},
        ]
    )
    fresh = {"epoch": 0, "best_ap": -1.0, "best_epoch": 0, "bad_epochs": 0, "history": []}
    tuned = state["finetune"] = {**fresh, **state.get("finetune", {})}
    if tuned["epoch"]:
        extractor.load_state_dict(tuned["extractor"])
        head.load_state_dict(tuned["head"])
        optimizer.load_state_dict(tuned["optimizer"])
    else:
        if "initial_ap" not in tuned:
            tuned["initial_ap"] = _validation_ap(
                head, splits["validation"], splits["validation"].features, label_vectors
            )
        tuned.update(
            initial_extractor=_copy(extractor),
            initial_head=_copy(head),
            best_extractor=_copy(extractor),
            best_head=_copy(head),
        )
    generator = torch.Generator().manual_seed(config.seed + 7919 * (tuned["epoch"] + 1))
    train, validation = splits["train"], splits["validation"]
    train_batches = loader(store, cover_keys["train"], backbone, config, train=True, generator=generator)
    validation_batches = loader(store, cover_keys["validation"], backbone, config, train=False)
    for epoch in range(tuned["epoch"] + 1, config.finetune_epochs + 1):
        started, total, batches = time.perf_counter(), 0.0, 0
        for images, rows in train_batches:
            extractor.train()
            head.train()
            optimizer.zero_grad()
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
                features = extractor(images.to(device))
                batch = HeadData(
                    features.float(),
                    train.truth[rows],
                    train.ordered_moods[rows],
                    train.metadata[rows] if train.metadata is not None else None,
                )
                loss = loss_of(head, batch, torch.arange(len(rows)), label_vectors, config.first_k)
            loss.backward()
            optimizer.step()
            total, batches = total + loss.item(), batches + 1
        features = split_features(extractor, validation_batches, len(cover_keys["validation"]), device, amp)
        ap = _validation_ap(head, validation, features, label_vectors)
        seconds = time.perf_counter() - started
        if ap > tuned["best_ap"]:
            tuned.update(
                best_ap=ap, best_epoch=epoch, bad_epochs=0, best_extractor=_copy(extractor), best_head=_copy(head)
            )
        else:
            tuned["bad_epochs"] += 1
        loss_mean = total / max(batches, 1)
        tuned["history"].append([epoch, loss_mean, ap, seconds])
        tuned.update(
            epoch=epoch, extractor=extractor.state_dict(), head=head.state_dict(), optimizer=optimizer.state_dict()
        )
        if on_epoch is not None:
            on_epoch(EpochRecord(epoch, loss_mean, ap, seconds))
        checkpoints.save(state["epoch"] + epoch, state)
        log.info("fine-tune epoch %d: loss %.4f, validation micro AP %.4f (%.0f s)", epoch, loss_mean, ap, seconds)
        if tuned["bad_epochs"] >= config.patience:
            break
    if tuned["best_ap"] <= tuned["initial_ap"]:
        log.info(
            "fine-tuning did not beat the head alone on validation (%.4f <= %.4f): keeping the frozen backbone",
            tuned["best_ap"],
            tuned["initial_ap"],
        )
        extractor.load_state_dict(tuned["initial_extractor"])
        head.load_state_dict(tuned["initial_head"])
        return replace(backbone, extractor=extractor), splits
    extractor.load_state_dict(tuned["best_extractor"])
    head.load_state_dict(tuned["best_head"])
    state["best_head"] = _copy(head)
    weights_id = f"{backbone.weights_id}+finetuned-{config.run_key()}-e{tuned['best_epoch']}"
    tuned_backbone = replace(backbone, extractor=extractor, weights_id=weights_id, classifier=None, categories=None)
    refreshed = {}
    for name, data in splits.items():
        batches = loader(store, cover_keys[name], backbone, config, train=False)
        features = split_features(extractor, batches, len(cover_keys[name]), device, amp)
        refreshed[name] = HeadData(features, data.truth, data.ordered_moods, data.metadata)
    return tuned_backbone, refreshed


def _copy(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}

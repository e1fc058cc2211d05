"""The model as one more rater: its mood scores for a sample's covers, read from the store (or the sample folder)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from albumml.agreement.sample import Sample, SampleCover
from albumml.agreement.study import ModelOpinion
from albumml.config import Settings
from albumml.errors import AgreementError, StoreError
from albumml.models.bundle import MoodModel, open_image
from albumml.storage import Store, content_key

log = logging.getLogger(__name__)

BATCH = 32


def load_rater_model(settings: Settings, uri: str) -> MoodModel:
    """The mood model behind an MLflow URI; AgreementError saying how to name another or skip it."""
    from albumml.errors import TrackingError
    from albumml.registry.loading import load_model
    from albumml.registry.tracking import use_tracking

    try:
        use_tracking(settings)
        return load_model(uri)
    except TrackingError as error:
        raise AgreementError(
            f"{error}; or pass --model with another model URI, or --no-model to compare raters only"
        ) from None


def cover_bytes(store: Store, cover: SampleCover, folder: Path | None) -> bytes:
    """A sampled cover's bytes from the store, else the copy in the sample folder if it still hashes to its key."""
    try:
        return store.get_blob(cover.cover_key)
    except StoreError as error:
        reason = str(error)
    copy = folder / cover.cover if folder is not None else None
    if copy is not None and copy.is_file() and content_key(copy.read_bytes()) == cover.cover_key:
        log.info("album %s: cover read from %s (%s)", cover.album_id, copy, reason)
        return copy.read_bytes()
    raise AgreementError(
        f"the cover of album {cover.album_id} ({cover.cover_key[:12]}...) is neither readable in {store.url} "
        f"({reason}) nor intact at {copy or 'the sample folder'}: point ALBUMML_STORE_URL at the sample's store, "
        "pass --sample with its folder, or --no-model"
    )


def model_opinion(
    model: MoodModel, name: str, store: Store, sample: Sample, folder: Path | None = None
) -> ModelOpinion:
    """The model's scores for every sampled cover (genres and year passed for the metadata models)."""
    covers = list(sample.covers)
    scores: list[np.ndarray] = []
    for start in range(0, len(covers), BATCH):
        batch = covers[start : start + BATCH]
        images = [open_image(cover_bytes(store, c, folder), f"cover of album {c.album_id}") for c in batch]
        scores.append(model.scores(images, [list(c.genres) for c in batch], [c.year for c in batch]))
    matrix = np.concatenate(scores) if scores else np.zeros((0, len(model.vocabulary)))
    return ModelOpinion(name, list(model.vocabulary), {c.album_id: matrix[i] for i, c in enumerate(covers)})

"""A trained mood model as one file: backbone state, head, vocabulary, genres, label vectors and read-back.

The bundle is what MLflow's pyfunc loads, what `predict` runs and what the champion gate re-measures, so a model
never depends on downloading weights again or on the training run's snapshot. It holds only tensors, lists, strings
and numbers, and is read with torch's weights-only loader: reading a bundle never runs code from it.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from albumml.errors import ImageInputError, ModelError
from albumml.models.backbones import Backbone, backbone_skeleton
from albumml.models.calibration import AnyReadBack, read_back_from_arrays
from albumml.models.features import decode_cover
from albumml.models.heads import MoodHead, Variant, metadata_features, mood_scores

BUNDLE_FORMAT = 1
# How torch's weights-only loader says a file holds something other than tensors and plain containers.
WEIGHTS_ONLY_REFUSAL = "Weights only load failed"


@dataclass
class MoodModel:
    """Everything needed to turn covers (and optionally genres and year) into ranked moods."""

    backbone: Backbone
    head: MoodHead
    vocabulary: list[str]
    genres: list[str]
    label_vectors: torch.Tensor | None = None
    read_back: AnyReadBack | None = None
    hidden: tuple[int, ...] = (512,)
    dropout: float = 0.5
    target: str = "moods"  # the label set its vocabulary is: moods, genres, styles or themes

    @property
    def variant(self) -> Variant:
        """Which of the study's four models this is."""
        return self.head.variant

    def to(self, device: str) -> MoodModel:
        """Moves the backbone and head to `device`."""
        self.backbone.extractor.to(device)
        self.head.to(device)
        if self.label_vectors is not None:
            self.label_vectors = self.label_vectors.to(device)
        return self

    @property
    def device(self) -> torch.device:
        """Where the head's parameters live."""
        return next(self.head.parameters()).device

    def metadata(
        self, genre_lists: Sequence[Sequence[str]] | None, years: Sequence[int | None] | None, n: int
    ) -> torch.Tensor | None:
        """The metadata tensor for models 2 and 4 (unknown genres and years where not given), else None."""
        if not self.variant.uses_metadata:
            return None
        genre_lists = genre_lists if genre_lists is not None else [[] for _ in range(n)]
        years = years if years is not None else [None] * n
        return metadata_features(genre_lists, years, self.genres)

    @torch.no_grad()
    def scores_from_features(self, features: torch.Tensor, metadata: torch.Tensor | None = None) -> np.ndarray:
        """Per-mood scores in [0, 1] (albums x vocabulary) from backbone features (metadata ignored by models 1, 3)."""
        self.head.eval()
        metadata = metadata.to(self.device) if metadata is not None else None
        outputs = self.head(features.to(self.device).float(), metadata)
        scores = mood_scores(self.variant, outputs, self.label_vectors).float().cpu().numpy()
        if self.read_back is None:
            return scores
        return self.read_back(outputs.float().cpu().numpy(), scores)

    @torch.no_grad()
    def features(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """Backbone features of decoded images."""
        batch = self.backbone.batch(images).to(self.device)
        return self.backbone.extractor.eval()(batch)

    def scores(
        self,
        images: Sequence[Image.Image],
        genre_lists: Sequence[Sequence[str]] | None = None,
        years: Sequence[int | None] | None = None,
    ) -> np.ndarray:
        """Per-mood scores for decoded images."""
        return self.scores_from_features(self.features(images), self.metadata(genre_lists, years, len(images)))

    def rank(self, scores: np.ndarray, top: int = 5) -> list[list[tuple[str, float]]]:
        """Each row's `top` moods with their scores, best first."""
        top = max(1, min(top, len(self.vocabulary)))
        order = np.argsort(-scores, axis=1, kind="stable")[:, :top]
        return [[(self.vocabulary[j], float(scores[i, j])) for j in row] for i, row in enumerate(order)]


def open_image(source: str | Path | bytes, name: str | None = None) -> Image.Image:
    """A decoded RGB cover from a path or bytes; ImageInputError naming the input when it is not an image."""
    label = name or (f"{len(source)} bytes" if isinstance(source, bytes) else str(source))
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as error:
        raise ImageInputError(f"cannot read image {label}: {error.strerror or error}") from None
    try:
        return decode_cover(data)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise ImageInputError(f"{label} is not a readable image ({error}); pass a JPEG, PNG or WebP cover") from None


def save_bundle(model: MoodModel, path: Path) -> None:
    """Writes the model as one torch file (tensors, lists and numbers only: loadable with weights_only)."""
    head = model.head
    payload: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "backbone": model.backbone.name,
        "weights_id": model.backbone.weights_id,
        "extractor": {k: v.cpu() for k, v in model.backbone.extractor.state_dict().items()},
        "variant": int(head.variant),
        "feature_dim": model.backbone.feature_dim,
        "output_dim": head.out.out_features,
        "metadata_dim": head.metadata_dim,
        "hidden": list(model.hidden),
        "dropout": model.dropout,
        "head": {k: v.cpu() for k, v in head.state_dict().items()},
        "vocabulary": list(model.vocabulary),
        "genres": list(model.genres),
        "target": model.target,
        "label_vectors": model.label_vectors.cpu() if model.label_vectors is not None else None,
        "read_back": (
            {k: torch.as_tensor(v) for k, v in model.read_back.as_arrays().items()} if model.read_back else None
        ),
    }
    torch.save(payload, path)


def _first_line(error: Exception) -> str:
    return next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)


def _read_payload(path: Path, label: str) -> dict[str, Any]:
    """The bundle's dict, read weights-only: an object that would run code on load is refused, never built."""
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        if WEIGHTS_ONLY_REFUSAL not in str(error):
            raise ModelError(f"{label} is not a readable mood-model bundle: {error}") from None
        raise ModelError(
            f"{label} is refused: its bundle holds Python objects beyond tensors, lists and numbers, which loading "
            f"could run as code ({_first_line(error)}); retrain it with `albumml train`"
        ) from None
    except Exception as error:
        raise ModelError(f"{label} is not a readable mood-model bundle: {error}") from None
    if not isinstance(payload, dict) or payload.get("format") != BUNDLE_FORMAT:
        found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise ModelError(f"{label} has bundle format {found}, expected {BUNDLE_FORMAT}")
    return payload


def _model_of(payload: dict[str, Any]) -> MoodModel:
    skeleton = backbone_skeleton(payload["backbone"])
    skeleton.extractor.load_state_dict(payload["extractor"])
    backbone = replace(skeleton, weights_id=payload["weights_id"], classifier=None, categories=None)
    head = MoodHead(
        Variant(payload["variant"]),
        payload["feature_dim"],
        payload["output_dim"],
        metadata_dim=payload["metadata_dim"],
        hidden=tuple(payload["hidden"]),
        dropout=payload["dropout"],
    )
    head.load_state_dict(payload["head"])
    read_back = payload["read_back"]
    return MoodModel(
        backbone=backbone,
        head=head.eval(),
        vocabulary=[str(mood) for mood in payload["vocabulary"]],
        genres=[str(genre) for genre in payload["genres"]],
        label_vectors=payload["label_vectors"],
        read_back=read_back_from_arrays({k: v.numpy() for k, v in read_back.items()}) if read_back else None,
        hidden=tuple(payload["hidden"]),
        dropout=payload["dropout"],
        target=str(payload.get("target", "moods")),  # bundles from before targets learned moods
    )


def load_bundle(path: Path, device: str = "cpu", *, label: str | None = None) -> MoodModel:
    """The model saved by `save_bundle`; ModelError (naming `label`, else the path) when it is not one."""
    label = label or str(path)
    payload = _read_payload(path, label)
    try:
        model = _model_of(payload)
    except ModelError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as error:
        raise ModelError(f"{label} is not a well-formed mood-model bundle ({type(error).__name__}: {error})") from None
    return model.to(device)

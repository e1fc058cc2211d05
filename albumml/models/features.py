"""The frozen-feature cache: features computed once per (cover, backbone, weights, transform), kept in the store.

Heads then train on these vectors in seconds, so all four variants share one pass over the images.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from albumml.errors import CorruptObjectError, ObjectNotFoundError
from albumml.models.backbones import Backbone
from albumml.storage import Store

log = logging.getLogger(__name__)

PREFIX = "features/"
DECODE_SIDE = 448  # covers are decoded at about twice the model's 224 px input: JPEG draft mode skips the rest


@dataclass
class FeatureSet:
    """Features of the covers that could be read, in the order asked, and why the others could not."""

    cover_keys: list[str]
    vectors: np.ndarray
    computed: int = 0
    cached: int = 0
    failed: dict[str, str] = field(default_factory=dict)


def feature_key(backbone: Backbone) -> str:
    """Identifies the (backbone, weights, transform) a feature vector was computed with."""
    recipe = f"{backbone.name}|{backbone.weights_id}|{backbone.transform!r}"
    return hashlib.sha256(recipe.encode()).hexdigest()[:16]


def _name(key: str, cover_key: str) -> str:
    return f"{PREFIX}{key}/{cover_key[:2]}/{cover_key}.npy"


def decode_cover(data: bytes, side: int = DECODE_SIDE) -> Image.Image:
    """An RGB image from cover bytes, decoded at reduced size where the format allows (JPEG)."""
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (side, side))
    return image.convert("RGB")


def _read_cover(store: Store, cover_key: str) -> Image.Image | str:
    """The decoded cover, or the reason it cannot be used."""
    try:
        return decode_cover(store.get_blob(cover_key))
    except ObjectNotFoundError:
        return "cover_missing_from_store"
    except CorruptObjectError:
        return "cover_corrupt_in_store"
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        return f"cover_undecodable: {exc}"


def extract_features(
    store: Store,
    backbone: Backbone,
    cover_keys: Sequence[str],
    *,
    batch_size: int = 32,
    readers: int = 4,
    device: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> FeatureSet:
    """Features for `cover_keys`: read from the cache where present, else computed in batches and cached."""
    key = feature_key(backbone)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    extractor = backbone.extractor.to(device).eval()
    unique = list(dict.fromkeys(cover_keys))
    computed: dict[str, np.ndarray] = {}
    failed: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=readers) as pool:
        cached = dict(zip(unique, pool.map(lambda cover: store.has_object(_name(key, cover)), unique), strict=True))
        missing = [cover for cover in unique if not cached[cover]]
        if progress is not None and len(missing) < len(unique):
            progress(len(unique) - len(missing))
        for start in range(0, len(missing), batch_size):
            chunk = missing[start : start + batch_size]
            usable: list[tuple[str, Image.Image]] = []
            for cover, image in zip(chunk, pool.map(lambda cover: _read_cover(store, cover), chunk), strict=True):
                if isinstance(image, str):
                    log.warning("skipping cover %s: %s", cover, image)
                    failed[cover] = image
                else:
                    usable.append((cover, image))
            if usable:
                with torch.no_grad():
                    batch = torch.stack([backbone.transform(image) for _, image in usable]).to(device)
                    vectors = extractor(batch).float().cpu().numpy()
                for (cover, _), vector in zip(usable, vectors, strict=True):
                    buffer = io.BytesIO()
                    np.save(buffer, vector)
                    store.put_object(_name(key, cover), buffer.getvalue())
                    computed[cover] = vector
            if progress is not None:
                progress(len(chunk))
        readable = [cover for cover in unique if cached[cover]]
        loaded = dict(
            zip(
                readable,
                pool.map(lambda c: np.load(io.BytesIO(store.get_object(_name(key, c)))), readable),
                strict=True,
            )
        )
    wanted = [cover for cover in cover_keys if cover not in failed]
    found = {**loaded, **computed}
    vectors = (
        np.stack([found[cover] for cover in wanted]) if wanted else np.zeros((0, backbone.feature_dim), np.float32)
    )
    return FeatureSet(wanted, vectors, computed=len(computed), cached=len(loaded), failed=failed)

"""The frozen-feature cache: features computed once per (cover, backbone, weights, transform), kept in the store.

Heads then train on these vectors in seconds, so all four variants share one pass over the images.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from albumml.config import FeatureRuntime, load_settings
from albumml.errors import CorruptObjectError, ObjectNotFoundError
from albumml.models.backbones import Backbone
from albumml.models.runtime import FeatureRunner
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
    runtime: str = ""  # what computed the new vectors ("openvino", "torch"); empty when nothing was computed


def feature_key(backbone: Backbone) -> str:
    """Identifies the (backbone, weights, transform) a feature vector was computed with."""
    recipe = f"{backbone.name}|{backbone.weights_id}|{backbone.transform!r}"
    return hashlib.sha256(recipe.encode()).hexdigest()[:16]


def _name(key: str, cover_key: str) -> str:
    """A vector kept alone (how the cache kept them before shards; still read)."""
    return f"{PREFIX}{key}/{cover_key[:2]}/{cover_key}.npy"


SHARDS = "shards/"
SHARD_SIZE = 2048  # vectors a shard holds at most: an interrupted extraction loses at most one shard's work
SHARD_VECTORS, SHARD_KEYS = ".npz", ".keys"


def _shard_prefix(key: str) -> str:
    return f"{PREFIX}{key}/{SHARDS}"


@dataclass
class CacheIndex:
    """Where each cached cover's vector of one recipe lies: in a shard (many vectors, one object) or alone."""

    key: str
    shard_of: dict[str, str] = field(default_factory=dict)
    alone: set[str] = field(default_factory=set)

    def __contains__(self, cover: str) -> bool:
        return cover in self.shard_of or cover in self.alone

    @classmethod
    def read(cls, store: Store, key: str, pool: ThreadPoolExecutor) -> CacheIndex:
        """One listing of the recipe's objects, then each shard's small key list."""
        index = cls(key)
        shards = []
        for info in store.list_objects(f"{PREFIX}{key}/"):
            if info.name.endswith(SHARD_KEYS):
                shards.append(info.name.removesuffix(SHARD_KEYS))
            elif info.name.endswith(".npy"):
                index.alone.add(info.name.rsplit("/", 1)[-1].removesuffix(".npy"))
        for shard, names in zip(shards, pool.map(lambda s: store.get_object(s + SHARD_KEYS), shards), strict=True):
            for cover in names.decode().split():
                index.shard_of.setdefault(cover, shard)
        return index

    def load(self, store: Store, covers: Sequence[str], pool: ThreadPoolExecutor) -> Iterator[tuple[str, np.ndarray]]:
        """The vectors of `covers` (all in the index), one shard's at a time: each shard they need read once, whole,
        and let go once its rows are taken."""
        needed: dict[str, list[str]] = {}
        for cover in covers:
            if cover in self.shard_of:
                needed.setdefault(self.shard_of[cover], []).append(cover)
        for shard, (keys, vectors) in zip(needed, pool.map(lambda s: _read_shard(store, s), needed), strict=True):
            row = {cover: i for i, cover in enumerate(keys)}
            yield from ((cover, vectors[row[cover]]) for cover in needed[shard])
        alone = [cover for cover in covers if cover not in self.shard_of]
        yield from zip(
            alone, pool.map(lambda c: np.load(io.BytesIO(store.get_object(_name(self.key, c)))), alone), strict=True
        )


def _read_shard(store: Store, shard: str) -> tuple[list[str], np.ndarray]:
    with np.load(io.BytesIO(store.get_object(shard + SHARD_VECTORS)), allow_pickle=False) as arrays:
        return [str(k) for k in arrays["keys"]], arrays["vectors"]


def write_shard(store: Store, key: str, vectors: dict[str, np.ndarray]) -> str:
    """Keeps `vectors` (cover key -> vector) as one shard, named by its covers, so two writers of the same covers
    write the same shard; the vectors land before the key list that makes them visible."""
    covers = sorted(vectors)
    name = _shard_prefix(key) + hashlib.sha256("\n".join(covers).encode()).hexdigest()[:24]
    buffer = io.BytesIO()
    np.savez(buffer, keys=np.array(covers), vectors=np.stack([vectors[c] for c in covers]).astype(np.float32))
    store.put_object(name + SHARD_VECTORS, buffer.getvalue())
    store.put_object(name + SHARD_KEYS, "\n".join(covers).encode())
    return name


def decode_cover(data: bytes, side: int = DECODE_SIDE) -> Image.Image:
    """An RGB image from cover bytes, decoded at reduced size where the format allows (JPEG)."""
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (side, side))
    return image.convert("RGB")


def _fetched_cover(store: Store, cover_key: str) -> bytes | str:
    """The cover's bytes, or the reason they cannot be read."""
    try:
        return store.get_blob(cover_key)
    except ObjectNotFoundError:
        return "cover_missing_from_store"
    except CorruptObjectError:
        return "cover_corrupt_in_store"


def _prepared_cover(backbone: Backbone, data: bytes | str) -> torch.Tensor | str:
    """The cover as the backbone's input tensor, or the reason it cannot be used."""
    if isinstance(data, str):
        return data
    try:
        return backbone.transform(decode_cover(data))
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
    runtime: FeatureRuntime | None = None,
    progress: Callable[[int], None] | None = None,
) -> FeatureSet:
    """Features for `cover_keys`: read from the cache where present, else computed in batches and cached in shards
    of up to SHARD_SIZE vectors (one object each, not one per cover: a full catalogue's vectors read back in a few
    hundred reads, and a night that changed 1% of covers writes about 1% of them). `runtime` runs the backbone on a
    CPU (see `albumml.models.runtime`; None: the settings' `feature_runtime`)."""
    key = feature_key(backbone)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    unique = list(dict.fromkeys(cover_keys))
    # Every vector lands in its row of one table as it is computed or read: the catalogue's vectors are held once,
    # not gathered in a dict and stacked into a second copy at the end (2 x 650 MB at 127,467 covers).
    row_of = {cover: row for row, cover in enumerate(unique)}
    table = np.empty((len(unique), backbone.feature_dim), dtype=np.float32)
    computed = cached = 0
    failed: dict[str, str] = {}

    # Covers are read a few batches ahead in reader threads. On a GPU they are decoded there too; on a CPU they are
    # decoded between batches, since decoding beside the backbone's own threads slowed extraction by a third there
    # (the cores were oversubscribed; `python -m benchmarks models`).
    decode_ahead = device != "cpu"

    def fetched(chunk: list[str]) -> list[tuple[str, bytes | str | torch.Tensor]]:
        """The chunk's covers read (in a reader thread), decoded where `decode_ahead`, or why one cannot be."""
        read = [(cover, _fetched_cover(store, cover)) for cover in chunk]
        return [(cover, _prepared_cover(backbone, data)) for cover, data in read] if decode_ahead else list(read)

    def prepared(ready: list[tuple[str, bytes | str | torch.Tensor]]) -> list[tuple[str, torch.Tensor | str]]:
        return [(c, item if isinstance(item, torch.Tensor) else _prepared_cover(backbone, item)) for c, item in ready]

    with ThreadPoolExecutor(max_workers=readers) as pool:
        index = CacheIndex.read(store, key, pool)
        missing = [cover for cover in unique if cover not in index]
        extractor = FeatureRunner(backbone.extractor, device, runtime or load_settings().feature_runtime, len(missing))
        if progress is not None and len(missing) < len(unique):
            progress(len(unique) - len(missing))
        pending: dict[str, np.ndarray] = {}
        chunks = [missing[start : start + batch_size] for start in range(0, len(missing), batch_size)]
        # a chunk's future leaves the queue once read, so its covers' bytes are freed with the batch: kept in a
        # list, every cover read stayed in memory to the end (7 GB at 127,467 covers)
        ahead = deque(pool.submit(fetched, chunk) for chunk in chunks[:readers])
        for number, chunk in enumerate(chunks):
            ready = prepared(ahead.popleft().result())
            if number + readers < len(chunks):
                ahead.append(pool.submit(fetched, chunks[number + readers]))
            usable: list[tuple[str, torch.Tensor]] = []
            for cover, tensor in ready:
                if isinstance(tensor, str):
                    log.warning("skipping cover %s: %s", cover, tensor)
                    failed[cover] = tensor
                else:
                    usable.append((cover, tensor))
            if usable:
                vectors = extractor(torch.stack([tensor for _, tensor in usable]))
                for (cover, _), vector in zip(usable, vectors, strict=True):
                    pending[cover] = table[row_of[cover]] = vector
                computed += len(usable)
            if len(pending) >= SHARD_SIZE:
                write_shard(store, key, pending)
                pending = {}
            if progress is not None:
                progress(len(chunk))
        if pending:
            write_shard(store, key, pending)
        for cover, vector in index.load(store, [cover for cover in unique if cover in index], pool):
            table[row_of[cover]] = vector
            cached += 1
    wanted = [cover for cover in cover_keys if cover not in failed]
    runtime_used = extractor.name if computed else ""
    return FeatureSet(wanted, _rows(table, [row_of[cover] for cover in wanted]), computed, cached, failed, runtime_used)


def _rows(table: np.ndarray, rows: list[int]) -> np.ndarray:
    """`table`'s `rows` in order. Where they only skip rows (covers that failed), the kept rows move up in place, so
    the vectors are never copied whole; repeated covers need the copy."""
    if rows == list(range(len(table))):
        return table
    if any(later <= earlier for earlier, later in pairwise(rows)):
        return table[rows]
    for position, row in enumerate(rows):  # row >= position: each row moves up over rows already moved
        table[position] = table[row]
    return table[: len(rows)]

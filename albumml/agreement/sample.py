"""Drawing a reproducible sample of covers from a snapshot split, and the sample folder raters work in.

The folder holds `sample.json` (snapshot, vocabulary and covers, content-identified), the covers, a blank
`sheet.csv` and `rate.html`. Drawing is a seeded permutation of the split's album ids in sorted order.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image, UnidentifiedImageError

from albumml.dataset import Snapshot
from albumml.errors import AgreementError, StoreError
from albumml.storage import Store

log = logging.getLogger(__name__)

FORMAT = 1
SAMPLE_FILE = "sample.json"
SHEET_FILE = "sheet.csv"
PAGE_FILE = "rate.html"
COVERS_FOLDER = "covers"
SPLITS = ("test", "validation", "train", "all")
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def vocabulary_id(vocabulary: Iterable[str]) -> str:
    """A short fingerprint of a mood vocabulary (names and order)."""
    return hashlib.sha256("\n".join(vocabulary).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class SampleCover:
    """One sampled album: its cover's content key, the copied file (relative to the folder) and its metadata."""

    album_id: str
    cover_key: str
    cover: str
    genres: tuple[str, ...] = ()
    year: int | None = None


@dataclass(frozen=True)
class Sample:
    """Covers drawn from a snapshot split for raters, with the vocabulary they choose moods from."""

    snapshot_id: str
    split: str
    seed: int
    vocabulary: tuple[str, ...]
    covers: tuple[SampleCover, ...]

    @property
    def vocabulary_id(self) -> str:
        """The vocabulary's fingerprint, written on every sheet row."""
        return vocabulary_id(self.vocabulary)

    @property
    def id(self) -> str:
        """A content id: the same snapshot, vocabulary and covers give the same id."""
        canonical = json.dumps(
            {
                "snapshot": self.snapshot_id,
                "vocabulary": list(self.vocabulary),
                "covers": [[c.album_id, c.cover_key] for c in self.covers],
            },
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        """The sample as written to `sample.json`."""
        return {
            "format": FORMAT,
            "sample_id": self.id,
            "snapshot_id": self.snapshot_id,
            "split": self.split,
            "seed": self.seed,
            "vocabulary_id": self.vocabulary_id,
            "vocabulary": list(self.vocabulary),
            "covers": [
                {
                    "album_id": c.album_id,
                    "cover_key": c.cover_key,
                    "cover": c.cover,
                    "genres": list(c.genres),
                    "year": c.year,
                }
                for c in self.covers
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str) -> Sample:
        """The sample written by `to_json`; AgreementError when `source` is not one or was edited."""
        try:
            sample = cls(
                snapshot_id=str(data["snapshot_id"]),
                split=str(data["split"]),
                seed=int(data["seed"]),
                vocabulary=tuple(str(mood) for mood in data["vocabulary"]),
                covers=tuple(
                    SampleCover(
                        str(c["album_id"]),
                        str(c["cover_key"]),
                        str(c["cover"]),
                        tuple(str(g) for g in c.get("genres", ())),
                        c.get("year"),
                    )
                    for c in data["covers"]
                ),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise AgreementError(
                f"{source} is not an albumml sample ({type(error).__name__}: {error}); "
                "draw one with `albumml agreement sample`"
            ) from None
        if data.get("sample_id") != sample.id:
            raise AgreementError(
                f"{source} was edited (its content no longer matches sample id {data.get('sample_id')!r}); "
                "restore it or draw the sample again with the same --snapshot and --seed"
            )
        return sample


def draw_order(album_ids: Sequence[str], seed: int) -> list[str]:
    """Album ids in a seeded random order: the same ids and seed give the same order, whatever order they came in."""
    ordered = sorted(album_ids)
    return [ordered[i] for i in np.random.default_rng(seed).permutation(len(ordered))]


@dataclass
class Draw:
    """A drawn sample, its covers' bytes by album id, and the albums skipped because their cover was unusable."""

    sample: Sample
    images: dict[str, bytes]
    skipped: dict[str, str] = field(default_factory=dict)


def _extension(data: bytes) -> str:
    with Image.open(io.BytesIO(data)) as image:
        return EXTENSIONS.get(image.format or "", (image.format or "img").lower())


def draw_sample(store: Store, snapshot: Snapshot, n: int, seed: int = 0, split: str = "test") -> Draw:
    """`n` covers drawn at random (seeded) from a snapshot split ('all' for every album) whose bytes can be read."""
    if split not in SPLITS:
        raise AgreementError(f"unknown split {split!r}: choose one of {', '.join(SPLITS)}")
    if n < 1:
        raise AgreementError(f"a sample needs at least one cover (got --n {n})")
    manifest = snapshot.manifest if split == "all" else snapshot.manifest[snapshot.manifest["split"] == split]
    if len(manifest) < n:
        raise AgreementError(
            f"snapshot {snapshot.id} has {len(manifest)} albums in split {split!r}, fewer than --n {n}: "
            "ask for fewer covers, choose another --split, or snapshot a larger catalogue"
        )
    rows = {row.album_id: row for row in manifest.itertuples(index=False)}
    covers: list[SampleCover] = []
    images: dict[str, bytes] = {}
    skipped: dict[str, str] = {}
    for album_id in draw_order(list(rows), seed):
        if len(covers) == n:
            break
        row = rows[album_id]
        try:
            data = store.get_blob(row.cover_key)
            extension = _extension(data)
        except (StoreError, UnidentifiedImageError, OSError) as error:
            log.warning("album %s: cover %s skipped (%s)", album_id, row.cover_key, error)
            skipped[album_id] = str(error)
            continue
        year = None if pd.isna(row.year) else int(row.year)
        cover = f"{COVERS_FOLDER}/{album_id}.{extension}"
        covers.append(SampleCover(album_id, row.cover_key, cover, tuple(row.genres), year))
        images[album_id] = data
    if len(covers) < n:
        raise AgreementError(
            f"only {len(covers)} of the {len(manifest)} albums in split {split!r} have a readable cover, fewer than "
            f"--n {n}: run `albumml store verify` and re-crawl, or ask for fewer covers"
        )
    sample = Sample(snapshot.id, split, seed, tuple(snapshot.vocabulary), tuple(covers))
    return Draw(sample, images, skipped)


def read_sample(path: Path) -> Sample:
    """The sample in a folder written by `write_sample`, or in a `sample.json` file."""
    file = path / SAMPLE_FILE if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AgreementError(f"no {SAMPLE_FILE} at {path}: give the folder `albumml agreement sample` wrote") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AgreementError(f"{file} cannot be read as a sample ({error}); draw the sample again") from None
    if not isinstance(data, dict):
        raise AgreementError(f"{file} is not an albumml sample; draw one with `albumml agreement sample`")
    return Sample.from_json(data, str(file))


def find_sample(sheets: Sequence[Path], sample_id: str | None) -> tuple[Sample, Path]:
    """The sample next to the sheets (preferring the one they name) and its folder."""
    found: list[tuple[Sample, Path]] = []
    for folder in dict.fromkeys(sheet.resolve().parent for sheet in sheets):
        if (folder / SAMPLE_FILE).is_file():
            found.append((read_sample(folder), folder))
    for sample, folder in found:
        if sample.id == sample_id:
            return sample, folder
    if found:
        return found[0]
    names = ", ".join(str(sheet) for sheet in sheets)
    raise AgreementError(
        f"no {SAMPLE_FILE} next to the sheets ({names}): pass --sample with the folder `albumml agreement sample` wrote"
    )

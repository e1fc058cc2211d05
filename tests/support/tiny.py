"""A tiny model's world: made-up covers whose colour decides their moods, a snapshot of them, and the registered
champion the loading tests work on."""

from __future__ import annotations

import io
import random
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from PIL import Image

from albumml.config import Settings
from albumml.dataset import Snapshot, save_snapshot
from albumml.storage import Store

# Each made-up cover's colour decides its moods, so even two epochs learn something measurable.
COLOURS = {"Brash": (220, 40, 30), "Wistful": (40, 60, 210), "Rustic": (60, 170, 50)}


@dataclass(frozen=True)
class TinyChampion:
    """The settings that reach the server and the store, the snapshot, and the champion's run and model."""

    settings: Settings
    snapshot_id: str
    run_id: str
    model_uri: str

    @property
    def champion_uri(self) -> str:
        """`models:/<name>@champion`."""
        return f"models:/{self.settings.model_name}@champion"


def cover(mood: str, seed: int) -> bytes:
    """A 64-pixel PNG in the mood's colour with a little noise."""
    rng = random.Random(seed)
    base = COLOURS[mood]
    image = Image.new("RGB", (64, 64), tuple(min(255, max(0, c + rng.randint(-25, 25))) for c in base))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def tiny_snapshot(store: Store, albums: int = 48) -> Snapshot:
    """A saved snapshot of `albums` coloured covers over three moods, split train/validation/test 2:1:1."""
    moods = list(COLOURS)
    rows = []
    for i in range(albums):
        mood = moods[i % len(moods)]
        rows.append(
            {
                "album_id": f"mw{i:010d}",
                "cover_key": store.put_blob(cover(mood, i)).key,
                "moods": [mood],
                "genres": ["Jazz"],
                "year": 1990 + i % 20,
                "split": ("train", "train", "validation", "test")[i % 4],
            }
        )
    manifest = pd.DataFrame(rows)
    snapshot_id = f"tiny{uuid.uuid4().hex[:12]}"
    snapshot = Snapshot(snapshot_id, manifest, moods, {"id": snapshot_id})
    save_snapshot(store, snapshot)
    return snapshot


def example_cover(folder: Path) -> Path:
    """A cover file to predict or explain."""
    path = folder / "cover.png"
    path.write_bytes(cover("Brash", 999))
    return path

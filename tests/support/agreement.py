"""Small samples and stores for the rater-study tests, built without a crawl."""

from __future__ import annotations

import io

import pandas as pd
from PIL import Image

from albumml.agreement import Sample, SampleCover
from albumml.dataset import Snapshot
from albumml.storage import Store

VOCABULARY = ("Bittersweet", "Brash", "Cathartic", "Literate", "Rustic", "Wistful")


def small_sample(albums: int = 6, vocabulary: tuple[str, ...] = VOCABULARY, snapshot_id: str = "snap") -> Sample:
    """A sample of `albums` made-up covers over `vocabulary`."""
    covers = tuple(
        SampleCover(f"mw{i:010d}", f"{i:064x}", f"covers/mw{i:010d}.png", ("Pop/Rock",), 1970 + i)
        for i in range(1, albums + 1)
    )
    return Sample(snapshot_id, "test", 0, vocabulary, covers)


def png(shade: int) -> bytes:
    """A small solid-colour PNG cover."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (shade, 255 - shade, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def stored_snapshot(store: Store, albums: int = 30) -> Snapshot:
    """A snapshot of `albums` albums whose covers are in `store`, a third of them in the test split."""
    rows = []
    for i in range(albums):
        key = store.put_blob(png(i)).key
        split = ("test", "train", "validation")[i % 3]
        rows.append(
            {
                "album_id": f"mw{i:010d}",
                "cover_key": key,
                "moods": ["Brash"],
                "genres": ["Jazz"],
                "year": 1990 + i,
                "split": split,
            }
        )
    manifest = pd.DataFrame(rows, columns=["album_id", "cover_key", "moods", "genres", "year", "split"])
    return Snapshot("snap30", manifest, list(VOCABULARY), {"id": "snap30"})

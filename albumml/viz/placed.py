"""An album placed on the mood-space map: what the computing side hands the drawing side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlacedAlbum:
    """An album on the map: who it is, its true moods (of the vocabulary), its top predictions and its point."""

    album_id: str
    title: str
    artist: str | None
    moods: list[str]
    predicted: list[tuple[str, float]]
    xy: tuple[float, float]

    def as_dict(self) -> dict[str, Any]:
        """The album as JSON-ready data."""
        return {
            "album_id": self.album_id,
            "title": self.title,
            "artist": self.artist,
            "moods": self.moods,
            "predicted": [{"mood": m, "score": s} for m, s in self.predicted],
            "x": self.xy[0],
            "y": self.xy[1],
        }

"""Builders of realistic album records for catalogue tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from albumml.catalogue.records import AlbumRecord, MoodTag, ThemeTag
from albumml.catalogue.vocabulary import bundled_moods, bundled_themes

FETCHED = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)


def moods(*names: str) -> list[MoodTag]:
    """Mood tags from the real vocabulary, by name, in the given order."""
    by_name = {tag.name: tag for tag in bundled_moods()}
    return [by_name[name] for name in names]


def themes(*names: str) -> list[ThemeTag]:
    """Theme tags from the real vocabulary, by name."""
    by_name = {tag.name: tag for tag in bundled_themes()}
    return [by_name[name] for name in names]


def album(number: int, **overrides: Any) -> AlbumRecord:
    """An album record numbered `number`, reviewed, with a cover and three moods unless overridden."""
    values: dict[str, Any] = {
        "id": f"mw{number:010d}",
        "url": f"https://www.allmusic.com/album/album-{number}-mw{number:010d}",
        "title": f"Album {number}",
        "artist": f"Artist {number % 97}",
        "artist_id": f"mn{number % 97:010d}",
        "release_date": date(1960 + number % 60, 1 + number % 12, 1 + number % 28),
        "rating": 1 + number % 10,
        "review_text": f"A review of album {number}.",
        "review_author": "William Ruhlmann",
        "genres": ["Pop/Rock"],
        "styles": ["Country-Rock", "Americana"],
        "moods": moods("Literate", "Rustic", "Wistful"),
        "themes": themes("Reflection"),
        "cover_url": f"https://rovimusic.rovicorp.com/image.jpg?c={number}&f=5",
        "cover_key": f"{number:064x}",
        "page_design": "2022",
        "etag": f'"etag-{number}"',
        "last_modified": "Sun, 01 Nov 2026 03:00:00 GMT",
        "fetched_at": FETCHED,
    }
    values.update(overrides)
    return AlbumRecord(**values)

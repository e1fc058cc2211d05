"""Albums as the analyses see them: the catalogue's albums with a cover, and the details shown beside results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from albumml.catalogue import Catalogue
from albumml.catalogue.engine import database_errors
from albumml.catalogue.models import Album, AlbumMood, Mood
from albumml.errors import UnknownAlbumError
from albumml.recommend.index import AlbumInput

FIND_IDS = (
    "album ids look like mw0001234567 (the end of the album's page URL); `albumml similar` and `albumml mood-space` "
    "list the ids they show, and a snapshot's manifest.parquet lists every id it holds"
)


@dataclass(frozen=True)
class AlbumDetails:
    """An album's title, artist, cover, metadata and moods in the site's order."""

    album_id: str
    title: str
    artist: str | None
    cover_key: str | None
    genres: tuple[str, ...] = ()
    year: int | None = None
    moods: list[str] = field(default_factory=list)


def normalise_id(album_id: str) -> str:
    """An album id as the catalogue keeps it (trimmed, lower case)."""
    return album_id.strip().lower()


def no_cover_message(album: AlbumDetails) -> str:
    """Why an album without a cover has no vector, and what to do."""
    return (
        f"album {album.album_id} ({album.title}) has no cover in the catalogue, so it has no vector in mood space; "
        "re-crawl it (`albumml crawl run --url ...`) once its page shows a cover"
    )


def album_details(catalogue: Catalogue, album_ids: Sequence[str]) -> dict[str, AlbumDetails]:
    """The details of those of `album_ids` the catalogue holds, by id."""
    ids = list(dict.fromkeys(normalise_id(album_id) for album_id in album_ids))
    found: dict[str, AlbumDetails] = {}
    moods: dict[str, list[str]] = {}
    with database_errors(catalogue.engine), catalogue.engine.connect() as connection:
        for start in range(0, len(ids), 5_000):
            chunk = ids[start : start + 5_000]
            albums = select(Album.id, Album.title, Album.artist, Album.cover_key, Album.genres, Album.year).where(
                Album.id.in_(chunk)
            )
            for album_id, title, artist, cover_key, genres, year in connection.execute(albums):
                found[album_id] = AlbumDetails(album_id, title, artist, cover_key, tuple(genres or ()), year)
            links = (
                select(AlbumMood.album_id, Mood.name)
                .join(Mood, Mood.id == AlbumMood.mood_id)
                .where(AlbumMood.album_id.in_(chunk))
                .order_by(AlbumMood.album_id, AlbumMood.position)
            )
            for album_id, name in connection.execute(links):
                moods.setdefault(album_id, []).append(name)
    for album_id, details in found.items():
        details.moods.extend(moods.get(album_id, []))
    return found


def require_albums(catalogue: Catalogue, album_ids: Sequence[str]) -> list[AlbumDetails]:
    """The albums asked for, in order; UnknownAlbumError naming those the catalogue lacks."""
    ids = [normalise_id(album_id) for album_id in album_ids]
    found = album_details(catalogue, ids)
    missing = [album_id for album_id in dict.fromkeys(ids) if album_id not in found]
    if missing:
        names = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        subject = f"album {names} is" if len(missing) == 1 else f"albums {names} are"
        raise UnknownAlbumError(f"{subject} not in the catalogue ({catalogue.describe()}); {FIND_IDS}")
    return [found[album_id] for album_id in ids]


def albums_with_cover(catalogue: Catalogue, *, with_metadata: bool = False) -> list[AlbumInput]:
    """Every album of the catalogue that has a cover, in id order (genres and year only when asked for)."""
    columns = (Album.id, Album.cover_key, Album.genres, Album.year) if with_metadata else (Album.id, Album.cover_key)
    query = select(*columns).where(Album.cover_key.is_not(None)).order_by(Album.id)
    with database_errors(catalogue.engine), catalogue.engine.connect() as connection:
        rows = connection.execute(query).all()
    if with_metadata:
        return [AlbumInput(row[0], row[1], tuple(row[2] or ()), row[3]) for row in rows]
    return [AlbumInput(row[0], row[1]) for row in rows]

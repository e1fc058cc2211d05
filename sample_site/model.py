"""The sample site's album record: everything a page, a cover and the ground-truth manifest are made from.

URLs in files carry `BASE_PLACEHOLDER` as their scheme and host; the server puts its own base in its place.
Times are on the site's own clock (`SITE_CLOCK`, fixed, so the same seed gives the same bytes), not the wall
clock: compare a lastmod with the lastmod seen before, never with today.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sample_site.vocabulary import slugify

BASE_PLACEHOLDER = "http://sample-site.invalid"
SITE_CLOCK = datetime(2025, 1, 1, tzinfo=UTC)
DESIGNS = ("2016", "2022", "2023")


class Tag(NamedTuple):
    """A site entity as a link names it: id (the href's last 12 characters) and display name."""

    id: str
    name: str


@dataclass(frozen=True)
class Cover:
    """An album's cover: where it lives under `www/`, its format and pixel size, and its version."""

    file: str
    format: str
    width: int
    height: int
    variant: int = 0

    @property
    def path(self) -> str:
        """The URL path the cover is served at."""
        return "/" + self.file


@dataclass(frozen=True)
class UnknownMood:
    """A mood link outside the vocabulary that a faulty page carries, and where in the mood list it sits."""

    id: str
    name: str
    position: int


@dataclass(frozen=True)
class SiteAlbum:
    """One album of the sample site, with the faults its page, fragments or cover carry."""

    index: int
    id: str
    slug: str
    design: str
    title: str
    artist: str
    artist_id: str
    release_date: date | None
    year: int
    rating: int | None
    review_author: str | None
    review_paragraphs: tuple[str, ...]
    genres: tuple[Tag, ...]
    styles: tuple[Tag, ...]
    moods: tuple[Tag, ...]
    themes: tuple[Tag, ...]
    tracks: tuple[str, ...]
    duration_s: int
    cover: Cover
    lastmod: datetime
    faults: tuple[str, ...] = ()
    unknown_mood: UnknownMood | None = None
    corrupt_kind: str | None = None
    mood_counts: tuple[int, ...] = field(default=())
    tabs_rendered: bool = False
    canonical_id: str | None = None

    @property
    def path(self) -> str:
        """The album page's URL path, `/album/<slug>-mw…`."""
        return f"/album/{self.slug}-{self.id}"

    @property
    def url(self) -> str:
        """The canonical URL with the placeholder base."""
        return BASE_PLACEHOLDER + self.path

    @property
    def page_form(self) -> str:
        """How the page shows its moods and review: `inline` (pre-2023), `subrequests` or `tabs_rendered` (2023),
        `redesigned` (a 2023 page in markup the crawler does not know)."""
        if "redesigned" in self.faults:
            return "redesigned"
        if self.design != "2023":
            return "inline"
        return "tabs_rendered" if self.tabs_rendered else "subrequests"

    @property
    def canonical_url(self) -> str:
        """The URL the page's canonical link names: its own, or another album's under the canonical fault."""
        if self.canonical_id is None:
            return self.url
        return f"{BASE_PLACEHOLDER}/album/{self.slug}-{self.canonical_id}"

    @property
    def cover_url(self) -> str:
        """The cover's URL with the placeholder base."""
        return BASE_PLACEHOLDER + self.cover.path

    @property
    def artist_url(self) -> str:
        """The artist page's URL with the placeholder base."""
        return f"{BASE_PLACEHOLDER}/artist/{slugify(self.artist)}-{self.artist_id}"

    @property
    def review_text(self) -> str | None:
        """The review as the parser reads it: paragraphs joined by a blank line; None without a review."""
        return "\n\n".join(self.review_paragraphs) if self.review_paragraphs else None

    def to_json(self) -> dict[str, Any]:
        """The manifest's record of this album."""
        return {
            "index": self.index,
            "id": self.id,
            "url": self.url,
            "path": self.path,
            "slug": self.slug,
            "design": self.design,
            "title": self.title,
            "artist": self.artist,
            "artist_id": self.artist_id,
            "release_date": self.release_date.isoformat() if self.release_date else None,
            "year": self.year,
            "rating": self.rating,
            "review_author": self.review_author,
            "review_text": self.review_text,
            "genres": [tag._asdict() for tag in self.genres],
            "styles": [tag._asdict() for tag in self.styles],
            "moods": [tag._asdict() for tag in self.moods],
            "themes": [tag._asdict() for tag in self.themes],
            "tracks": list(self.tracks),
            "duration_s": self.duration_s,
            "cover": {
                "url": self.cover_url,
                "file": self.cover.file,
                "format": self.cover.format,
                "width": self.cover.width,
                "height": self.cover.height,
                "variant": self.cover.variant,
            },
            "lastmod": self.lastmod.isoformat(),
            "faults": list(self.faults),
            "unknown_mood": None if self.unknown_mood is None else vars(self.unknown_mood),
            "corrupt_kind": self.corrupt_kind,
            "mood_counts": list(self.mood_counts),
            "page_form": self.page_form,
            "tabs_rendered": self.tabs_rendered,
            "canonical_id": self.canonical_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SiteAlbum:
        """Read back a manifest record written by `to_json`."""
        cover = data["cover"]
        return cls(
            index=data["index"],
            id=data["id"],
            slug=data["slug"],
            design=data["design"],
            title=data["title"],
            artist=data["artist"],
            artist_id=data["artist_id"],
            release_date=date.fromisoformat(data["release_date"]) if data["release_date"] else None,
            year=data["year"],
            rating=data["rating"],
            review_author=data["review_author"],
            review_paragraphs=tuple(data["review_text"].split("\n\n")) if data["review_text"] else (),
            genres=tuple(Tag(**tag) for tag in data["genres"]),
            styles=tuple(Tag(**tag) for tag in data["styles"]),
            moods=tuple(Tag(**tag) for tag in data["moods"]),
            themes=tuple(Tag(**tag) for tag in data["themes"]),
            tracks=tuple(data["tracks"]),
            duration_s=data["duration_s"],
            cover=Cover(
                file=cover["file"],
                format=cover["format"],
                width=cover["width"],
                height=cover["height"],
                variant=cover["variant"],
            ),
            lastmod=datetime.fromisoformat(data["lastmod"]),
            faults=tuple(data["faults"]),
            unknown_mood=UnknownMood(**data["unknown_mood"]) if data["unknown_mood"] else None,
            corrupt_kind=data["corrupt_kind"],
            mood_counts=tuple(data["mood_counts"]),
            tabs_rendered=data.get("tabs_rendered", False),
            canonical_id=data.get("canonical_id"),
        )


def w3c_datetime(moment: datetime) -> str:
    """A sitemap `<lastmod>`: W3C datetime in UTC with seconds, e.g. 2024-03-05T12:34:56+00:00."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def www_file(path: str) -> str:
    """The file under `www/` that serves a URL path: `/` is index.html, a path without a suffix gets `.html`."""
    relative = path.lstrip("/")
    if not relative:
        return "index.html"
    last = relative.rsplit("/", 1)[-1]
    return relative if "." in last else relative + ".html"

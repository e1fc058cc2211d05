"""Validated records handed to the catalogue: what a crawler parsed, before it touches the database."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Annotated, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

ALBUM_ID_PATTERN = r"^mw\d{10}$"
# An album a labelled-cover import brought: "lc" and ten digits, never a site id (`albumml.catalogue.imports`).
IMPORTED_ALBUM_ID_PATTERN = r"^lc\d{10}$"
CATALOGUE_ALBUM_ID_PATTERN = r"^(mw|lc)\d{10}$"  # any album the catalogue holds
IMPORTED_DESIGN = "import"  # the page design an imported album carries, so snapshots and counts can tell
MOOD_ID_PATTERN = r"^(xa|ma)\d{10}$"  # most moods are xa...; the site lists "Bouncy" as ma0000005462
THEME_ID_PATTERN = r"^ma\d{10}$"
SHA256_HEX_PATTERN = r"^[0-9a-f]{64}$"

CONTENT_FIELDS = frozenset(
    {
        "url",
        "title",
        "artist",
        "artist_id",
        "release_date",
        "year",
        "rating",
        "review_text",
        "review_author",
        "genres",
        "styles",
        "moods",
        "themes",
        "cover_url",
        "cover_key",
        "page_design",
    }
)


def _lower(value: str) -> str:
    return value.lower()


SiteId = Annotated[str, AfterValidator(_lower)]


class Tag(BaseModel):
    """A vocabulary entry (mood or theme) as the site names it."""

    model_config = ConfigDict(frozen=True)

    id: SiteId
    name: str = Field(min_length=1, max_length=100)


class MoodTag(Tag):
    """A mood: the site's id is `xa` (rarely `ma`) and ten digits."""

    id: Annotated[SiteId, Field(pattern=MOOD_ID_PATTERN)]


class ThemeTag(Tag):
    """A theme: the site's id is `ma` and ten digits."""

    id: Annotated[SiteId, Field(pattern=THEME_ID_PATTERN)]


TagT = TypeVar("TagT", bound=Tag)


def _unique_ids(tags: list[TagT]) -> list[TagT]:
    seen: set[str] = set()
    for tag in tags:
        if tag.id in seen:
            raise ValueError(f"{tag.name!r} ({tag.id}) appears twice")
        seen.add(tag.id)
    return tags


class AlbumRecord(BaseModel):
    """One album as parsed from the site, with fetch metadata; moods and themes keep the site's order."""

    model_config = ConfigDict(frozen=True)

    id: Annotated[SiteId, Field(pattern=ALBUM_ID_PATTERN)]
    url: str = Field(min_length=1, max_length=1000)
    title: str = Field(min_length=1, max_length=500)
    artist: str | None = Field(None, max_length=500)
    artist_id: SiteId | None = None
    release_date: date | None = None
    year: int | None = Field(None, ge=1800, le=2200)
    rating: int | None = Field(None, ge=1, le=10)
    review_text: str | None = None
    review_author: str | None = Field(None, max_length=200)
    genres: list[str] = Field(default_factory=list)
    styles: list[str] = Field(default_factory=list)
    moods: Annotated[list[MoodTag], AfterValidator(_unique_ids)] = Field(default_factory=list)
    themes: Annotated[list[ThemeTag], AfterValidator(_unique_ids)] = Field(default_factory=list)
    cover_url: str | None = Field(None, max_length=2000)
    cover_key: str | None = Field(None, pattern=SHA256_HEX_PATTERN)
    page_design: str = Field(min_length=1, max_length=16)
    etag: str | None = Field(None, max_length=200)
    last_modified: str | None = Field(None, max_length=64)
    sitemap_lastmod: AwareDatetime | None = None
    fetched_at: AwareDatetime

    @model_validator(mode="after")
    def _year_from_release_date(self) -> AlbumRecord:
        if self.year is None and self.release_date is not None:
            object.__setattr__(self, "year", self.release_date.year)
        return self

    @property
    def reviewed(self) -> bool:
        """Whether the album carries a staff review."""
        return bool(self.review_text)

    def content_hash(self) -> str:
        """SHA-256 of what the site says about the album (not of fetch metadata), to detect real changes."""
        content = self.model_dump(mode="json", include=set(CONTENT_FIELDS))
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


class CrawlErrorRecord(BaseModel):
    """A URL the crawl could not use and why (a short reason code plus a human detail)."""

    model_config = ConfigDict(frozen=True)

    url: str
    reason: str = Field(min_length=1, max_length=64)
    detail: str | None = None
    occurred_at: datetime | None = None

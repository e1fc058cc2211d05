"""What the spider hands to the pipelines: a parsed album with its fetch metadata, a 304, or an error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crawler.parsed import ParsedAlbum


@dataclass
class AlbumItem:
    """A complete album: parsed page(s), fetch validators, and the cover (bytes fetched now or a stored key)."""

    album: ParsedAlbum
    fetched_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    sitemap_lastmod: datetime | None = None
    cover_bytes: bytes | None = None
    cover_key: str | None = None
    cover_error: CrawlErrorItem | None = None


@dataclass(frozen=True)
class NotModifiedItem:
    """The site answered 304 for an album: unchanged since the catalogue's copy."""

    album_id: str
    fetched_at: datetime
    sitemap_lastmod: datetime | None


@dataclass(frozen=True)
class CrawlErrorItem:
    """A URL that yielded nothing usable, with a short reason code and a human detail."""

    url: str
    reason: str
    detail: str | None = None

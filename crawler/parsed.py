"""What the parsers return: an album as one page (or one page and its sub-requests) describes it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from albumml.catalogue.records import MoodTag, ThemeTag


class PageDesign(StrEnum):
    """Which generation of the site's album page a response is."""

    V2016 = "2016"
    V2022 = "2022"
    V2023 = "2023"


class CrawlProblemError(ValueError):
    """Something the crawl cannot use: `reason` is the short code stored with the crawl error, `detail` says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class ParseError(CrawlProblemError):
    """A page that cannot yield an album; `missing` names the part it lacks where one part is to blame ("title")."""

    def __init__(self, reason: str, detail: str, *, missing: str | None = None) -> None:
        super().__init__(reason, detail)
        self.missing = missing


@dataclass(frozen=True)
class MoodsAndThemes:
    """The content of a 2023+ `moodsThemesAjax` response (moods in the site's order)."""

    moods: tuple[MoodTag, ...] = ()
    themes: tuple[ThemeTag, ...] = ()


@dataclass(frozen=True)
class Review:
    """The content of a staff review (a 2023+ `reviewAjax` response, or the section of an old page)."""

    text: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class ParsedAlbum:
    """An album parsed from the site. A 2023+ album page as the server sends it leaves moods, themes and the
    review empty and `complete` False until `with_parts` merges the two sub-requests in; a 2023+ page whose
    tabs are already rendered in it (a browser's saved page) is complete on its own."""

    album_id: str
    url: str
    title: str
    page_design: PageDesign
    artist: str | None = None
    artist_id: str | None = None
    release_date: date | None = None
    year: int | None = None
    rating: int | None = None
    review: Review = field(default_factory=Review)
    genres: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    moods: tuple[MoodTag, ...] = ()
    themes: tuple[ThemeTag, ...] = ()
    cover_url: str | None = None
    has_moods_section: bool = True
    complete: bool = True

    def with_parts(self, moods_and_themes: MoodsAndThemes, review: Review) -> ParsedAlbum:
        """The album with its 2023+ moods and review (sub-requests, or the tabs rendered in the page): complete."""
        return replace(
            self,
            moods=moods_and_themes.moods,
            themes=moods_and_themes.themes,
            review=review,
            has_moods_section=True,
            complete=True,
        )

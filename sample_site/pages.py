"""The HTML and XML the sample site serves: album pages of three designs, 2023 fragments, listings, sitemaps,
robots.txt. The structure follows docs/page-designs.md exactly, because the crawler's parsers are written to it.

The markup is in the Jinja2 templates of `templates/` (see `rendering`); this module gathers what they show.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sample_site.chrome import FOOTER, HEAD_COMMON, PRE2023_NAV, V2023_HEADER
from sample_site.faults import MALFORMED_PAGE, NO_MOODS_SECTION, REDESIGNED
from sample_site.model import BASE_PLACEHOLDER, SiteAlbum, Tag, w3c_datetime
from sample_site.rendering import render
from sample_site.vocabulary import slugify

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
PRE2023_TRUNCATE_AT = "<hgroup>"
V2023_TRUNCATE_AT = '<h1 id="albumTitle">'
REDESIGNED_TRUNCATE_AT = '<h1 class="headlineTitle">'
MOOD_COLUMNS = 3  # a rendered 2023 moods tab shows its moods in this many column <div>s, filled column by column
SMALL_COVER = "?size=400"  # the 400w srcset entry of a 2023 poster: the same cover at another URL
# The site chrome every page template places: rendered once, in `chrome`.
CHROME = {"head_common": HEAD_COMMON, "pre2023_nav": PRE2023_NAV, "v2023_header": V2023_HEADER, "footer": FOOTER}


def shown_moods(album: SiteAlbum) -> list[Tag]:
    """The mood links the album's page (or 2023 fragment) shows, in order: its moods plus any unknown one."""
    if NO_MOODS_SECTION in album.faults:
        return []
    moods = list(album.moods)
    if album.unknown_mood is not None:
        moods.insert(album.unknown_mood.position, Tag(album.unknown_mood.id, album.unknown_mood.name))
    return moods


def display_date(album: SiteAlbum) -> str:
    """The release date as pages show it: 'July 1, 1968', or the year alone."""
    day = album.release_date
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}" if day else str(album.year)


def iso_date(album: SiteAlbum) -> str:
    """The release date as data attributes and JSON-LD carry it: 1968-07-01, or the year alone."""
    return album.release_date.isoformat() if album.release_date else str(album.year)


def _duration(seconds: int, *, hours: bool) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _rating_class(album: SiteAlbum) -> int:
    return album.rating - 1 if album.rating else 0


def _page_context(album: SiteAlbum, *, hours: bool) -> dict[str, Any]:
    """What every album page's template shows besides the album itself."""
    return {
        **CHROME,
        "album": album,
        "display_date": display_date(album),
        "iso_date": iso_date(album),
        "duration": _duration(album.duration_s, hours=hours),
        "rating_class": _rating_class(album),
        "moods": shown_moods(album),
        "show_moods": NO_MOODS_SECTION not in album.faults,
    }


def _page_2022(album: SiteAlbum) -> str:
    ld: dict[str, object] = {
        "@context": "http://schema.org",
        "@type": "MusicAlbum",
        "url": album.url,
        "name": album.title,
        "numTracks": len(album.tracks),
        "datePublished": iso_date(album),
        "image": album.cover_url,
        "genre": [g.name for g in album.genres],
        "byArtist": [{"@type": "MusicGroup", "name": album.artist, "url": album.artist_url}],
    }
    if album.rating:
        ld["aggregateRating"] = {
            "@type": "AggregateRating",
            "bestRating": "10.0",
            "worstRating": "1.0",
            "ratingValue": f"{album.rating}.0",
        }
    ld["tracks"] = [{"@type": "MusicRecording", "name": name} for name in album.tracks]
    if album.review_paragraphs:
        ld["review"] = {
            "itemReviewed": {"@type": "CreativeWork", "url": album.url},
            "author": {"@type": "Person", "name": album.review_author},
            "inLanguage": "English",
            "name": f"AllMusic Review by {album.review_author}",
            "reviewBody": " ".join(album.review_paragraphs),
        }
    image = {"height": album.cover.height, "width": album.cover.width, "formatid": 16, "url": album.cover_url}
    gallery = [{**image, "album": True}]
    return render("album_2022.html.j2", **_page_context(album, hours=True), ld=ld, gallery=gallery)


def _page_2016(album: SiteAlbum) -> str:
    return render("album_2016.html.j2", **_page_context(album, hours=False))


def _columns(tags: list[Tag], columns: int = MOOD_COLUMNS) -> list[list[Tag]]:
    """Tags split into column lists, the first filled top to bottom before the next (page order = column order)."""
    height = -(-len(tags) // columns) if tags else 0
    return [tags[start : start + height] for start in range(0, len(tags), height)] if height else []


def _mood_counts(album: SiteAlbum) -> list[int]:
    """The count suffixes the 2023 moods show (with the unknown mood's), or [] when the album shows none."""
    counts = [*album.mood_counts]
    if counts and album.unknown_mood is not None:
        counts.insert(album.unknown_mood.position, 1)
    return counts


def _page_2023(album: SiteAlbum) -> str:
    ld = {
        "@context": "http://schema.org",
        "@type": "MusicAlbum",
        "url": album.url,
        "name": album.title,
        "datePublished": iso_date(album),
        "image": album.cover_url,
        "genre": [g.name for g in album.genres],
        "byArtist": [{"@type": "MusicGroup", "name": album.artist, "url": album.artist_url}],
    }
    context = _page_context(album, hours=False)
    moods = context["moods"]
    counts = (_mood_counts(album) if moods else []) or [None] * len(moods)
    counted = list(zip(moods, counts, strict=True))
    return render(
        "album_2023.html.j2",
        **context,
        ld=ld,
        small_cover=album.cover_url + SMALL_COVER,
        mood_columns=_columns(counted),
        redesigned=REDESIGNED in album.faults,
        critic=album.review_author or "",
    )


def album_page(album: SiteAlbum) -> str:
    """The album's page in its design; a malformed page is cut off before the title."""
    render_page = {"2016": _page_2016, "2022": _page_2022, "2023": _page_2023}[album.design]
    page = render_page(album)
    if MALFORMED_PAGE in album.faults:
        marker = V2023_TRUNCATE_AT if album.design == "2023" else PRE2023_TRUNCATE_AT
        marker = REDESIGNED_TRUNCATE_AT if REDESIGNED in album.faults else marker
        page = page[: page.index(marker)]
    return page


def moods_themes_fragment(album: SiteAlbum) -> str:
    """The 2023 `moodsThemesAjax` answer: relative links in the site's order, some with a count suffix (a
    redesigned page's answer is in its new markup)."""
    return render(
        "moods_themes.html.j2",
        moods=shown_moods(album),
        counts=_mood_counts(album),
        themes=album.themes,
        redesigned=REDESIGNED in album.faults,
    )


def review_fragment(album: SiteAlbum) -> str:
    """The 2023 `reviewAjax` answer: the `#review` div, empty without a staff review."""
    name = album.review_author or ""
    number = 9_000_000_000 + int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % 100_000_000
    critic_url = f"{BASE_PLACEHOLDER}/artist/{slugify(name)}-mn{number:010d}"
    return render("review.html.j2", album=album, critic_url=critic_url)


def robots_txt() -> str:
    """robots.txt: a few disallowed paths and the sitemap index."""
    return render("robots.txt.j2")


def sitemap_index(entries: Iterable[tuple[str, str]]) -> str:
    """A `<sitemapindex>` of (sitemap URL path, lastmod) entries."""
    return render("sitemap_index.xml.j2", namespace=SITEMAP_NS, entries=entries)


def urlset(entries: Iterable[tuple[str, str]]) -> str:
    """A `<urlset>` of (URL path, lastmod) entries."""
    return render("urlset.xml.j2", namespace=SITEMAP_NS, entries=entries)


def album_sitemap_entry(album: SiteAlbum) -> tuple[str, str]:
    """(path, lastmod) of an album for its urlset."""
    return album.path, w3c_datetime(album.lastmod)


def listing_page(heading: str, links: Iterable[tuple[str, str]], note: str = "") -> str:
    """A simple listing page (moods, themes, genres, albums with a mood) carrying the site chrome."""
    return render("listing.html.j2", **CHROME, heading=heading, links=links, note=note)

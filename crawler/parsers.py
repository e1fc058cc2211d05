"""Parsers of the review site's album pages and 2023+ sub-requests: pure functions of a Scrapy response.

`docs/page-designs.md` is the structure they implement. Nothing here touches the network or spider state.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlsplit

from parsel import Selector, SelectorList
from pydantic import ValidationError
from scrapy.http import TextResponse

from albumml.catalogue.records import MoodTag, Tag, ThemeTag
from crawler.parsed import MoodsAndThemes, PageDesign, ParsedAlbum, ParseError, Review

logger = logging.getLogger(__name__)

TagT = TypeVar("TagT", bound=Tag)
Scope = TextResponse | SelectorList[Selector]

MALFORMED_PAGE = "malformed_page"
MALFORMED_SUBREQUEST = "malformed_subrequest"
NOT_AN_ALBUM_PAGE = "not_an_album_page"
CANONICAL_MISMATCH = "canonical_mismatch"

_ALBUM_ID_AT_END = re.compile(r"(?:^|[/-])(mw\d{10})/?$", re.IGNORECASE)
_ARTIST_ID_AT_END = re.compile(r"(?:^|[/-])(mn\d{10})/?$", re.IGNORECASE)
_ALBUM_ID = re.compile(r"^mw\d{10}$", re.IGNORECASE)
_NEW_RATING_CLASS = re.compile(r"\bratingAllmusic(\d+)\b")
_COUNT_SUFFIX = re.compile(r"\s*\(\d+\)$")
_AUTHOR_PREFIX = re.compile(r"^(?:.*?\breview\s+)?by\s+", re.IGNORECASE)
_REVIEW_BY = re.compile(r"\breview\s+by\s+(.+)$", re.IGNORECASE)
_IMAGE_GALLERY = re.compile(r"\bimageGallery\s*=\s*")
_PLACEHOLDER_COVER = re.compile(r"/no_image/|/no-image|facebook_share", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_WRITTEN_DATE = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_ABBREVIATIONS, 1)}
_EPOCH_PLACEHOLDER = "1969-12-31"  # the site's JSON-LD shows an unknown date as the Unix epoch in US time
_YEARS = range(1800, 2201)
# Characters no field may carry: C0 controls (tab, newline and carriage return are whitespace instead), DEL, C1
# controls (with ESC they make terminal escape sequences), bidi overrides and isolates, zero-width characters.
_INVISIBLE = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]
_INVISIBLE += [*range(0x200B, 0x200E), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF]
_STRIP_INVISIBLE = dict.fromkeys(_INVISIBLE)
_SRCSET_WIDTH = re.compile(r"^(\d+(?:\.\d+)?)([wx])$", re.IGNORECASE)


def album_id_from_url(url: str) -> str | None:
    """The album id (`mw` + 10 digits, lower-cased) that ends a URL's path, or None: how the site names albums."""
    match = _ALBUM_ID_AT_END.search(urlsplit(url.strip()).path)
    return match.group(1).lower() if match else None


def detect_design(response: TextResponse) -> PageDesign:
    """Which generation of album page a response is, so the right parser reads it; anything else is refused."""
    if response.css("div#albumHeadline"):
        return PageDesign.V2023
    if _json_ld_album(response) is not None:
        return PageDesign.V2022
    if _has_old_album_markup(response):
        return PageDesign.V2016
    raise ParseError(NOT_AN_ALBUM_PAGE, f"{response.url} has no album headline, MusicAlbum JSON-LD or album markup")


def parse_album_page(response: TextResponse, requested_id: str | None = None) -> ParsedAlbum:
    """The album an album page describes: complete for the old designs and for 2023+ pages whose tabs are
    rendered, else awaiting two sub-requests. With `requested_id`, a page naming another album is refused."""
    design = detect_design(response)
    album = _parse_2023_page(response) if design is PageDesign.V2023 else _parse_old_page(response, design)
    if requested_id is not None:
        check_identity(album, requested_id, response.url)
    return album


def check_identity(album: ParsedAlbum, requested_id: str, page_url: str) -> None:
    """A page is stored under the album it was requested as: a canonical URL on another host or naming another
    album id is refused (a page never writes another album's record); another slug of the same id is fine."""
    requested_host = urlsplit(page_url).netloc.lower()
    canonical_host = urlsplit(album.url).netloc.lower()
    if album.album_id != requested_id.lower() or canonical_host != requested_host:
        raise ParseError(
            CANONICAL_MISMATCH,
            f"{page_url} was requested as album {requested_id.lower()} but its canonical URL {album.url} "
            f"names album {album.album_id} on host {canonical_host or '?'}",
        )


def parse_moods_themes(response: TextResponse) -> MoodsAndThemes:
    """The moods and themes of a 2023+ `moodsThemesAjax` response, in the site's order."""
    box = response.css("#moodsThemes") or response.css("div.tabContent.moodsThemes")
    if not box:
        raise ParseError(MALFORMED_SUBREQUEST, f"no #moodsThemes in the moods response {response.url}")
    return _moods_and_themes(box, MALFORMED_SUBREQUEST)


def parse_review(response: TextResponse) -> Review:
    """The staff review of a 2023+ `reviewAjax` response; an empty `#review` is an album without one."""
    box = response.css("#review")
    if not box:
        raise ParseError(MALFORMED_SUBREQUEST, f"no #review in the review response {response.url}")
    return _review_tab(box[:1])


def _moods_and_themes(box: Scope, reason: str) -> MoodsAndThemes:
    """Moods and themes of a moods tab (a fragment or the tab rendered in the page), in page order: link order,
    which in a rendered tab's column `<div>`s is the first column top to bottom, then the next."""
    return MoodsAndThemes(
        moods=_parse_tags(box.css("#moodsGrid a"), MoodTag, reason),
        themes=_parse_tags(box.css("#themesGrid a"), ThemeTag, reason),
    )


def _review_tab(box: SelectorList[Selector]) -> Review:
    """The review of a `#review` tab: its paragraphs; the author linked in the `<h3>`, or plain text after
    "Review by" (as a rendered tab shows it)."""
    heading = box.css("h3")
    author = _author_name(_text(heading.css("a"))) or _author_from_heading(_text(heading))
    return Review(text=_paragraphs(box), author=author)


def _parse_old_page(response: TextResponse, design: PageDesign) -> ParsedAlbum:
    """An album from a pre-2023 (2016 or 2022) page, which carries everything in one response."""
    title = _parse_title(response, "h1.album-title")
    url, album_id = _parse_identity(response)
    json_ld = _json_ld_album(response)
    artist, artist_id = _parse_artist(response.css("h2.album-artist"), json_ld)
    release_date, year = _parse_release(response, response, json_ld)
    genres, styles = _parse_genres_styles(response)
    return ParsedAlbum(
        album_id=album_id,
        url=url,
        title=title,
        page_design=design,
        artist=artist,
        artist_id=artist_id,
        release_date=release_date,
        year=year,
        rating=_parse_old_rating(response),
        review=_parse_old_review(response),
        genres=genres,
        styles=styles,
        moods=_parse_tags(response.css("section.moods span.mood a"), MoodTag, MALFORMED_PAGE),
        themes=_parse_tags(response.css("section.themes span.theme a"), ThemeTag, MALFORMED_PAGE),
        cover_url=_parse_cover(response, json_ld),
        has_moods_section=bool(response.css("section.moods")),
        complete=True,
    )


def _parse_2023_page(response: TextResponse) -> ParsedAlbum:
    """An album from a 2023+ page: complete when its moods and review tabs are rendered in it (a saved page),
    else moods, themes and review come later from its sub-requests."""
    title = _parse_title(response, "h1#albumTitle")
    url, album_id = _parse_identity(response)
    json_ld = _json_ld_album(response)
    info = response.css("#basicInfoMeta")
    artist, artist_id = _parse_artist(response.css("h2#albumArtists"), json_ld)
    release_date, year = _parse_release(response, info, json_ld)
    genres, styles = _parse_genres_styles(info)
    album = ParsedAlbum(
        album_id=album_id,
        url=url,
        title=title,
        page_design=PageDesign.V2023,
        artist=artist,
        artist_id=artist_id,
        release_date=release_date,
        year=year,
        rating=_parse_2023_rating(response),
        genres=genres,
        styles=styles,
        cover_url=_first_cover(response, _cover_candidates_2023(response, json_ld)),
        complete=False,
    )
    moods_tab, review_tab = response.css("#moodsGrid"), response.css("#review")
    if not (moods_tab and review_tab):
        return album
    return album.with_parts(_moods_and_themes(response, MALFORMED_PAGE), _review_tab(review_tab[:1]))


def _has_old_album_markup(response: TextResponse) -> bool:
    """Whether a page without JSON-LD is a pre-2023 album page (its title, microdata or canonical album URL)."""
    if response.css(
        'h1.album-title, [itemtype$="schema.org/MusicAlbum"], meta[property="og:type"][content="music.album"]'
    ):
        return True
    return album_id_from_url(_canonical_url(response)) is not None


def _parse_title(response: TextResponse, css: str) -> str:
    """The album title; a page without one (e.g. truncated) cannot be stored."""
    title = _text(response.css(css))
    if title is None:
        raise ParseError(MALFORMED_PAGE, f"no album title ({css}) on {response.url}", missing="title")
    return title


def _parse_identity(response: TextResponse) -> tuple[str, str]:
    """The album's canonical URL and id (from the URL, else from a `data-id` attribute)."""
    url = _canonical_url(response)
    album_id = album_id_from_url(url) or _album_id_from_attributes(response)
    if album_id is None:
        raise ParseError(MALFORMED_PAGE, f"no album id: neither the URL {url} nor a data-id attribute names an mw id")
    return url, album_id


def _canonical_url(response: TextResponse) -> str:
    """The page's canonical URL, made absolute; the response URL when the page names none."""
    href = clean_text(response.css('link[rel~="canonical"]::attr(href)').get())
    return response.urljoin(href) if href else response.url


def _album_id_from_attributes(response: TextResponse) -> str | None:
    """The album id carried by `data-id` attributes (upper-case on the site), the headline's first."""
    values = response.css("#albumHeadline::attr(data-id)").getall() + response.xpath("//@data-id").getall()
    return next((value.strip().lower() for value in values if _ALBUM_ID.match(value.strip())), None)


def _parse_artist(heading: SelectorList[Selector], json_ld: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """The artist's name and id from the page heading, else from the JSON-LD `byArtist`."""
    name = _text(heading)
    href = heading[:1].css("a[href]::attr(href)").get()
    if name is None and json_ld is not None:
        first = next(iter(_json_ld_list(json_ld.get("byArtist"))), {})
        name, href = _json_ld_text(first.get("name")), _json_url(first.get("url"))
    return name, _artist_id(href)


def _artist_id(href: str | None) -> str | None:
    """The artist id (`mn` + 10 digits, lower-cased) that ends an artist link, or None."""
    match = _ARTIST_ID_AT_END.search(urlsplit(href.strip()).path) if href else None
    return match.group(1).lower() if match else None


def _parse_release(
    response: TextResponse, scope: Scope, json_ld: dict[str, Any] | None
) -> tuple[date | None, int | None]:
    """The release date and year: the ISO attribute, then the displayed date, then JSON-LD as a last resort."""
    page_values = [response.xpath("//@data-release-date").get(), _text(scope.css("div.release-date span"))]
    found = [_parse_date_text(value) for value in page_values if value]
    if not any(day or year for day, year in found) and json_ld is not None:
        published = _json_ld_text(json_ld.get("datePublished"))
        if published and not published.startswith(_EPOCH_PLACEHOLDER):
            found = [_parse_date_text(published)]
    full_date = next((day for day, _ in found if day is not None), None)
    year = full_date.year if full_date else next((year for _, year in found if year is not None), None)
    return full_date, year


def _parse_date_text(value: str) -> tuple[date | None, int | None]:
    """A full date and/or a year from "1968-07-01", "1992-??-??", "July 1, 1968" or "1968"."""
    value = " ".join(value.split())
    full = _date_from_iso(value) or _date_from_words(value)
    if full is not None:
        return full, full.year
    year = _YEAR.search(value)
    return None, (int(year.group(1)) if year and int(year.group(1)) in _YEARS else None)


def _date_from_iso(value: str) -> date | None:
    """A date from an ISO `YYYY-MM-DD` prefix, or None when it is partial (`1992-??-??`) or impossible."""
    match = _ISO_DATE.match(value)
    return _plausible_date(*(int(part) for part in match.groups())) if match else None


def _date_from_words(value: str) -> date | None:
    """A date from the site's English "July 1, 1968" (locale-independent), or None."""
    match = _WRITTEN_DATE.match(value)
    month = _MONTHS.get(match.group(1)[:3].lower()) if match else None
    if match is None or month is None:
        return None
    return _plausible_date(int(match.group(3)), month, int(match.group(2)))


def _plausible_date(year: int, month: int, day: int) -> date | None:
    """The date if it exists and its year is plausible for a record, else None."""
    try:
        result = date(year, month, day)
    except ValueError:
        return None
    return result if result.year in _YEARS else None


def _parse_genres_styles(scope: Scope) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The genre and style names, in page order (old pages and the 2023 `#basicInfoMeta` share the markup)."""
    return _link_texts(scope.css("div.genre a")), _link_texts(scope.css("div.styles a"))


def _link_texts(links: SelectorList[Selector]) -> tuple[str, ...]:
    """The non-empty, whitespace-normalised texts of links, in order."""
    return tuple(text for link in links if (text := _text(link)) is not None)


def _parse_old_rating(response: TextResponse) -> int | None:
    """The AllMusic rating (1-10) of a pre-2023 page: the displayed text; empty means unrated."""
    shown = _text(response.css("li#microdata-rating div.allmusic-rating"))
    if shown is None:
        return None
    if not shown.isdigit() or int(shown) not in range(1, 11):
        raise ParseError(MALFORMED_PAGE, f"AllMusic rating {shown!r} on {response.url} is not 1..10")
    return int(shown)


def _parse_2023_rating(response: TextResponse) -> int | None:
    """The AllMusic rating (1-10) of a 2023+ page: N + 1 from class `ratingAllmusicN`; N = 0 means unrated."""
    box = response.css("#albumHeadline div.allmusicRating") or response.css("div.allmusicRating")
    match = _NEW_RATING_CLASS.search(box.attrib.get("class", "")) if box else None
    if match is None or int(match.group(1)) == 0:
        return None
    if int(match.group(1)) > 9:
        raise ParseError(MALFORMED_PAGE, f"rating class ratingAllmusic{match.group(1)} on {response.url} is not 0..9")
    return int(match.group(1)) + 1


def _parse_old_review(response: TextResponse) -> Review:
    """The staff review of a pre-2023 page (none when the page has no review section)."""
    section = response.css("section.review")[:1]
    if not section:
        return Review()
    body = section.css(".text")[:1]
    text = _paragraphs(body) or _text(body)
    author_spans = section.css(
        "[itemprop=author], .review-author span, .review-headline-container p span, .review-author + p span"
    )
    author = _author_name(_text(author_spans)) or _author_from_heading(_text(section.css(".review-author")))
    return Review(text=text, author=author)


def _paragraphs(box: SelectorList[Selector]) -> str | None:
    """The paragraphs of a review body, each whitespace-normalised, joined by a blank line."""
    texts = [text for paragraph in box.css("p") if (text := _text(paragraph)) is not None]
    return "\n\n".join(texts) or None


def _author_name(text: str | None) -> str | None:
    """A reviewer's name without a leading "by" or "Review by"."""
    return clean_text(_AUTHOR_PREFIX.sub("", text)) if text else None


def _author_from_heading(text: str | None) -> str | None:
    """The name after "Review by" in a heading such as "AllMusic Review by William Ruhlmann", or None."""
    match = _REVIEW_BY.search(text) if text else None
    return clean_text(match.group(1)) if match else None


def _parse_tags(links: SelectorList[Selector], model: type[TagT], reason: str) -> tuple[TagT, ...]:
    """Moods or themes from their links, in page order: id = last 12 characters of the href, name = link text."""
    tags: dict[str, TagT] = {}
    for link in links:
        href = (link.attrib.get("href") or "").strip()
        name = _tag_name(link)
        try:
            tag = model(id=urlsplit(href).path.rstrip("/")[-12:], name=name or "")
        except ValidationError as exc:
            raise ParseError(reason, f"{model.__name__} link {href!r} named {name!r} has no valid id or name") from exc
        if tag.id in tags:
            logger.debug("%s %s listed twice; keeping the first", model.__name__, tag.id)
            continue
        tags[tag.id] = tag
    return tuple(tags.values())


def _tag_name(link: Selector) -> str | None:
    """A mood or theme name: the link text (else its title) without a count suffix such as " (3)"."""
    name = _text(link) or clean_text(link.attrib.get("title"))
    return clean_text(_COUNT_SUFFIX.sub("", name)) if name else None


def _parse_cover(response: TextResponse, json_ld: dict[str, Any] | None) -> str | None:
    """The largest cover image a pre-2023 page offers, absolute; None when it only has placeholders."""
    return _first_cover(response, _cover_candidates(response, json_ld))


def _first_cover(response: TextResponse, candidates: Iterator[str | None]) -> str | None:
    """The first usable candidate, absolute: not a placeholder, not a saved page's local file."""
    for candidate in candidates:
        url = clean_text(candidate)
        if url and not _PLACEHOLDER_COVER.search(url) and not _is_local_file(url):
            return response.urljoin(url)
    return None


def _is_local_file(url: str) -> bool:
    """Whether a URL is a file a browser's "save page as" wrote beside the page (`./Album_files/x.jpg`,
    `file:///…`): it names nothing on the site."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "file":
        return True
    return not scheme and not url.startswith("/") and (url.startswith(".") or "_files/" in url)


def _cover_candidates_2023(response: TextResponse, json_ld: dict[str, Any] | None) -> Iterator[str | None]:
    """Cover URLs of a 2023+ page from the best source: the gallery, the poster's largest `srcset` entry, its
    lazy-load `data-src` and `src` (a saved page's rewritten `src` is skipped), `og:image`, JSON-LD `image`."""
    for entry in _image_gallery(response)[:1]:
        yield _json_url(entry.get("zoomURL"))
        yield _json_url(entry.get("url"))
    poster = response.css("img#posterImage")[:1]
    yield from _srcset_by_size(poster.attrib.get("srcset") or poster.attrib.get("data-srcset"))
    yield poster.attrib.get("data-src")
    yield poster.attrib.get("src")
    yield from response.css('meta[property="og:image"]::attr(content)').getall()
    if json_ld is not None:
        yield from (_json_ld_image_url(image) for image in _json_ld_list(json_ld.get("image")))


def _srcset_by_size(srcset: str | None) -> list[str]:
    """The URLs of a `srcset`, largest first: by width (`1080w`) or density (`2x`); no descriptor is 1x."""
    sized: list[tuple[int, float, str]] = []
    for candidate in (srcset or "").split(","):
        parts = candidate.split()
        if not parts:
            continue
        match = _SRCSET_WIDTH.match(parts[1]) if len(parts) > 1 else None
        kind, size = (match.group(2).lower(), float(match.group(1))) if match else ("x", 1.0)
        sized.append((1 if kind == "w" else 0, size, parts[0]))
    return [url for _, _, url in sorted(sized, key=lambda entry: entry[:2], reverse=True)]


def _cover_candidates(response: TextResponse, json_ld: dict[str, Any] | None) -> Iterator[str | None]:
    """Cover URLs from the largest to the smallest source the designs carry."""
    gallery_image = response.css("img.media-gallery-image")[:1]
    yield gallery_image.attrib.get("data-largeurl")
    for entry in _image_gallery(response)[:1]:
        yield _json_url(entry.get("zoomURL"))
        yield _json_url(entry.get("url"))
    poster = response.css("img#posterImage")[:1]
    yield poster.attrib.get("data-src")
    yield poster.attrib.get("src")
    yield gallery_image.attrib.get("src")
    if json_ld is not None:
        yield from (_json_ld_image_url(image) for image in _json_ld_list(json_ld.get("image")))
    yield from response.css('meta[property="og:image"]::attr(content)').getall()


def _image_gallery(response: TextResponse) -> list[dict[str, Any]]:
    """The entries of the page's `var imageGallery = [...]` script (the front cover first); [] when absent."""
    decoder = json.JSONDecoder(strict=False)
    for script in response.xpath("//script[contains(., 'imageGallery')]/text()").getall():
        match = _IMAGE_GALLERY.search(script)
        if match is None:
            continue
        try:
            gallery, _ = decoder.raw_decode(script, match.end())
        except ValueError:
            logger.debug("unreadable imageGallery on %s", response.url)
            continue
        return [entry for entry in gallery if isinstance(entry, dict)] if isinstance(gallery, list) else []
    return []


def _json_ld_album(response: TextResponse) -> dict[str, Any] | None:
    """The page's JSON-LD node of `@type` MusicAlbum, or None."""
    for raw in response.css('script[type="application/ld+json"]::text').getall():
        for node in _json_ld_nodes(raw):
            if "MusicAlbum" in _json_ld_list(node.get("@type")):
                return node
    return None


def _json_ld_nodes(raw: str) -> list[dict[str, Any]]:
    """The objects of one JSON-LD script (a single object, a list, or an `@graph`); [] when unreadable."""
    try:
        data = json.loads(raw, strict=False)
    except ValueError:
        logger.debug("unreadable JSON-LD script skipped")
        return []
    nodes = [node for node in _json_ld_list(data) if isinstance(node, dict)]
    graph = [node for top in nodes for node in _json_ld_list(top.get("@graph")) if isinstance(node, dict)]
    return nodes + graph


def _json_ld_list(value: Any) -> list[Any]:
    """A JSON-LD value as a list (JSON-LD allows one value or several)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _json_ld_image_url(image: Any) -> str | None:
    """The URL of a JSON-LD image (a string or an ImageObject)."""
    return _json_url(image.get("url") if isinstance(image, dict) else image)


def _json_ld_text(value: Any) -> str | None:
    """A string read from JSON, HTML entities decoded and whitespace normalised; None if not a usable string."""
    return clean_text(html.unescape(value)) if isinstance(value, str) else None


def _json_url(value: Any) -> str | None:
    """A URL read from JSON: only `&amp;` decoded, since other entity-like runs (`&not=`) are query text."""
    return clean_text(value.replace("&amp;", "&")) if isinstance(value, str) else None


def _text(selection: Selector | SelectorList[Selector]) -> str | None:
    """The whitespace-normalised text of an element (the first selected) and its descendants, or None if empty."""
    if isinstance(selection, SelectorList):
        if not selection:
            return None
        selection = selection[0]
    return clean_text("".join(selection.xpath(".//text()").getall()))


def clean_text(value: str | None) -> str | None:
    """Untrusted page text made safe to show and store: control, bidi-override and zero-width characters
    removed, whitespace collapsed and stripped; None instead of an empty string. Every parsed field passes here."""
    if not value:
        return None
    return " ".join(value.translate(_STRIP_INVISIBLE).split()) or None

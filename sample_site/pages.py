"""The HTML and XML the sample site serves: album pages of three designs, 2023 fragments, listings, sitemaps,
robots.txt. The structure follows docs/page-designs.md exactly, because the crawler's parsers are written to it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from html import escape

from sample_site.chrome import FOOTER, HEAD_COMMON, PRE2023_NAV, V2023_HEADER
from sample_site.faults import MALFORMED_PAGE, NO_MOODS_SECTION
from sample_site.model import BASE_PLACEHOLDER, SiteAlbum, Tag, w3c_datetime
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


def _link(kind: str, tag: Tag) -> str:
    return f"{BASE_PLACEHOLDER}/{kind}/{slugify(tag.name)}-{tag.id}"


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


def _json_ld(data: dict[str, object]) -> str:
    return json.dumps(data, indent=4, ensure_ascii=False).replace("</", "<\\/")


def _rating_class(album: SiteAlbum) -> int:
    return album.rating - 1 if album.rating else 0


def _title(album: SiteAlbum) -> str:
    return f"{escape(album.artist)} - {escape(album.title)} Album Reviews, Songs &amp; More | AllMusic"


def _sections(kind: str, title: str, tags: Iterable[Tag], site_kind: str) -> str:
    spans = "".join(
        f'\n                            <span class="{kind}">\n'
        f'                    <a href="{_link(site_kind, tag)}">{escape(tag.name)}</a>                </span>'
        for tag in tags
    )
    return (
        f'\n    <section{"  " if kind == "mood" else " "}class="{kind}s">\n        <h4>{title}</h4>\n        <div>'
        f"{spans}\n                    </div>\n    </section>\n"
    )


def _moods_and_themes(album: SiteAlbum) -> str:
    parts = []
    if NO_MOODS_SECTION not in album.faults:
        parts.append(_sections("mood", "Album Moods", shown_moods(album), "mood"))
    if album.themes:
        parts.append(_sections("theme", "Album Themes", album.themes, "theme"))
    return "".join(parts)


def _basic_info(album: SiteAlbum, *, hours: bool, heading: bool) -> str:
    genres = "".join(
        f'\n                                    <a href="{_link("genre", g)}">{escape(g.name)}</a>'
        for g in album.genres
    )
    styles = "".join(
        f'\n                                    <a href="{_link("style", s)}">{escape(s.name)}</a>'
        for s in album.styles
    )
    title = f"\n    <h2>{escape(album.title)} Album Information</h2>\n" if heading else ""
    return f"""        <section class="basic-info">
{title}
            <div class="release-date">
            <h4>Release Date</h4>
            <span>{display_date(album)}</span>
        </div>

            <div class="duration">
            <h4>Duration</h4>
            <span>{_duration(album.duration_s, hours=hours)}</span>
        </div>

            <div class="genre">
            <h4>Genre</h4>
            <div>{genres}
                            </div>
        </div>

            <div class="styles">
            <h4>Styles</h4>
            <div>{styles}
                            </div>
        </div>

    <a href="{album.url}/corrections" class="submit-corrections">Submit Corrections</a>
</section>
"""


def _track_listing(album: SiteAlbum) -> str:
    rows = "".join(
        f'\n                    <tr class="track"><td class="tracknum">{number}</td>'
        f'<td class="title-composer"><div class="title">{escape(name)}</div></td></tr>'
        for number, name in enumerate(album.tracks, start=1)
    )
    return f"""    <section class="track-listing">
            <div class="disc">
                <table>
                    <tbody>{rows}
                    </tbody>
                </table>
            </div>
    </section>
"""


def _tabs(album: SiteAlbum) -> str:
    path = album.path
    return f"""        <ul class="tabs overview">
            <li class="tab overview"><a href="{path}" title="Overview">Overview</a></li>
            <li class="tab user_reviews"><a href="{path}/user-reviews" title="User Reviews">User Reviews</a></li>
            <li class="tab credits"><a href="{path}/credits" title="Credits">Credits</a></li>
            <li class="tab similar"><a href="{path}/similar" title="Similar Albums">Similar Albums</a></li>
        </ul>
"""


def _paragraphs(album: SiteAlbum) -> str:
    return "\n".join(
        f"                            <p>\n                    {escape(text, quote=False)}                 </p>\n"
        for text in album.review_paragraphs
    )


def _page_2022(album: SiteAlbum) -> str:
    rating = str(album.rating) if album.rating else ""
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
    review = (
        f"""            <section class="review read-more" id="review-read-more">
        <div class="review-headline-container">
            <h2 class="review-author">{escape(album.title)} Review</h2>
                            <p>by <span>{escape(album.review_author or "")}</span></p>
                        <span class="headline"></span>
        </div>

        <div class="text">
{_paragraphs(album)}
                                    </div>
    </section>
"""
        if album.review_paragraphs
        else ""
    )
    image = {"height": album.cover.height, "width": album.cover.width, "formatid": 16, "url": album.cover_url}
    gallery = json.dumps([{**image, "album": True}]).replace("/", "\\/")
    upper = album.id.upper()
    description = escape(
        f"Discover {album.title} by {album.artist} released in {album.year}. "
        "Find album reviews, track lists, credits, awards and more at AllMusic."
    )
    return f"""<!DOCTYPE html>
<html lang="en" class="no-js">
<head>
    <title>{_title(album)}</title>
{HEAD_COMMON}    <meta name="description" content="{description}">
    <meta property="og:title" content="{_title(album)}">
    <meta property="og:image" content="{album.cover_url}">
    <meta property="og:type" content="music.album">
    <meta property="og:url" content="{album.url}">
    <link rel="canonical" href="{album.url}">
        <script type="application/ld+json">
            {_json_ld(ld)}        </script>
</head>
<body>
<div class="overflow-container album">
{PRE2023_NAV}
<div id="cmn_wrap">
<div class="content-container">

    <div class="content">

        <header>
            <a href="#no-js" class="audio-player large" aria-label="Play audio samples from this album"
           data-sample-url="/album/{upper}/samples.json">
            <canvas width="55" height="55"></canvas>
        </a>

    <hgroup>
        <h1 class="album-title">
            {escape(album.title)}        </h1>

        <h2 class="album-artist">
            <span>
                <a href="{album.artist_url}">{escape(album.artist)}</a>            </span>
        </h2>
            </hgroup>
    <div class="button-container">
        <button class="add-to-list-link customBtn" data-id="{upper}" data-addtolist="addtolist"
                aria-label="Add this album to a custom list"><p>Add to Custom List</p></button>
        <button class="add-to-collection-link customBtn" data-id="{upper}"
                data-artist="{escape(album.artist)}"
                data-album="{escape(album.title)}"
                data-release-date="{iso_date(album)}"
                data-state="false"
                aria-label="Add this album to my collection">
            <p>Add to My Collection</p>
        </button>
    </div>

        <ul class="ratings">
        <li id="microdata-rating">
            <span>AllMusic Rating</span>

            <div class="allmusic-rating rating-allmusic-{_rating_class(album)}">
                                    {rating}                            </div>
        </li>

        <li class="average">
            <span>
                User Ratings (<span class="average-user-rating-count" data-id="{upper}">0</span>)
            </span>
            <div class="average-user-rating" data-id="{upper}"></div>
        </li>
    </ul>
</header>

{_tabs(album)}
{review}<div class="user_review">
    <div class="loading-bg"><div class="loading"></div></div>
</div>
{_track_listing(album)}    </div>

    <div class="sidebar">

        <div class="album-cover">
    <div class="album-contain gallery-launch" aria-label="View larger album cover">
                    <script>
                var imageGallery = {gallery};
            </script>
                            <img src="{album.cover_url}" alt="{escape(album.title)}"
                class="cropped-image media-gallery-image" width="300" height="300" loading="lazy">
            </div>
</div>

{_basic_info(album, hours=True, heading=True)}{_moods_and_themes(album)}
    </div>
</div>
{FOOTER}
</div><!-- end cmn_wrap -->
</div><!-- end .overflow-container -->
</body>
</html>
"""


def _page_2016(album: SiteAlbum) -> str:
    rating = str(album.rating) if album.rating else ""
    review = (
        f"""        <section class="review read-more" id="review-read-more"
            itemprop="review" itemscope itemtype="http://schema.org/Review">
            <h3 class="review-author headline">AllMusic Review by
                <span itemprop="author">{escape(album.review_author or "")}</span></h3>
            <div class="text" itemprop="reviewBody">
{_paragraphs(album)}
            </div>
        </section>
"""
        if album.review_paragraphs
        else ""
    )
    upper = album.id.upper()
    return f"""<!DOCTYPE html>
<html class="no-js">
    <head>
{HEAD_COMMON}        <meta http-equiv="content-language" content="en-us">
	<meta name="title" content="{escape(album.title)} - {escape(album.artist)} | Songs, Reviews, Credits | AllMusic">
	<meta property="og:image" content="{album.cover_url}">
	<meta itemprop="image" content="{album.cover_url}">
        <meta property="og:url" content="{album.url}">
        <link rel="canonical" href="{album.url}">
        <title>{escape(album.title)} - {escape(album.artist)} | Songs, Reviews, Credits | AllMusic</title>
    </head>
    <body>
<div class="overflow-container album">
{PRE2023_NAV}
<div id="cmn_wrap">
<div class="content-container" itemscope itemtype="http://schema.org/MusicAlbum">

    <meta itemprop="url" content="{album.url}">
    <div class="sidebar">

        <div class="album-cover">
    <span class="gallery-lightbox-bind"></span>
    <div class="album-contain">
                    <img src="{album.cover_url}"
                 class="media-gallery-image"
                 width="303"
                 title="click to embiggen"
                 alt="{escape(album.title)}"
                 data-largeurl="{album.cover_url}">
    </div>
</div>
{_basic_info(album, hours=False, heading=False)}{_moods_and_themes(album)}
    </div>

    <div class="content">

        <header>
            <a href="#no-js" class="audio-player large" data-sample-url="/album/{upper}/samples.json">
            <canvas width="55" height="55"></canvas>
        </a>

    <hgroup>
        <h2 class="album-artist"
            itemprop="byArtist"
            itemscope
            itemtype="http://schema.org/MusicGroup">
            <span itemprop="name">
                <a href="{album.artist_url}">{escape(album.artist)}</a>            </span>
        </h2>

        <h1 class="album-title" itemprop="name">
            {escape(album.title)}        </h1>
                <a href="javascript:void(0)" class="add-to-list-link" data-id="{upper}" data-addtolist="addtolist"></a>
        <a href="javascript:void(0)" class="add-to-collection-link" data-id="{upper}"
           data-artist="{escape(album.artist)}"
           data-album="{escape(album.title)}"
           data-release-date="{iso_date(album)}"></a>
        <div class="tabletdummy"></div>
    </hgroup>

    <ul class="ratings" itemscope itemtype="http://schema.org/Rating">
        <li id="microdata-rating">
            <span>AllMusic Rating</span>

            <div class="allmusic-rating rating-allmusic-{_rating_class(album)}" itemprop="ratingValue">
                             {rating}</div>

            <meta itemprop="name" content="AllMusic Rating">
            <meta itemprop="bestRating" content="10">
            <meta itemprop="worstRating" content="1">
        </li>
    </ul>
</header>
{_tabs(album)}{review}        <section class="user_review"></section>
{_track_listing(album)}    </div>
</div>
{FOOTER}
</div>
</div>
    </body>
</html>
"""


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
    genres = ", ".join(f'<a href="{_link("genre", g)}">{escape(g.name)}</a>' for g in album.genres)
    styles = ", ".join(f'<a href="{_link("style", s)}">{escape(s.name)}</a>' for s in album.styles)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
    <title>{_title(album)}</title>
{HEAD_COMMON}    <meta property="og:image" content="{album.cover_url}">
    <meta property="og:url" content="{album.url}">
    <link rel="canonical" href="{album.url}">
    <script type="application/ld+json">{_json_ld(ld)}</script>
</head>
<body>
{V2023_HEADER}
<div id="pageContainer" class="album">
  <div id="pageInnerContain">
  <div id="albumHeadline" data-id="{album.id.upper()}">
    <div id="albumPoster"><img id="posterImage" src="{album.cover_url}" data-src="{album.cover_url}"
        alt="{escape(album.title)}"></div>
    <h1 id="albumTitle">{escape(album.title)}</h1>
    <h2 id="albumArtists"><a href="{album.artist_url}">{escape(album.artist)}</a></h2>
    <div class="allmusicRating ratingAllmusic{_rating_class(album)}" title="AllMusic Rating"></div>
  </div>
  <div id="basicInfoMeta">
    <div class="release-date"><h4>Release Date</h4><span>{display_date(album)}</span></div>
    <div class="duration"><h4>Duration</h4><span>{_duration(album.duration_s, hours=False)}</span></div>
    <div class="genre"><h4>Genre</h4><div>{genres}</div></div>
    <div class="styles"><h4>Styles</h4><div>{styles}</div></div>
  </div>
  <nav id="albumNav">
    <a href="{album.path}" class="active">Overview</a>
    <a href="{album.path}/releases">Releases</a>
    <a href="{album.path}/credits">Credits</a>
  </nav>
  <div id="moodsThemesContainer" class="tabContent"><div class="loading"></div></div>
  <div id="reviewContainer"><div class="loading"></div></div>
  </div>
</div>
{FOOTER}
</body>
</html>
"""


def album_page(album: SiteAlbum) -> str:
    """The album's page in its design; a malformed page is cut off before the title."""
    render = {"2016": _page_2016, "2022": _page_2022, "2023": _page_2023}[album.design]
    page = render(album)
    if MALFORMED_PAGE in album.faults:
        marker = V2023_TRUNCATE_AT if album.design == "2023" else PRE2023_TRUNCATE_AT
        page = page[: page.index(marker)]
    return page


def moods_themes_fragment(album: SiteAlbum) -> str:
    """The 2023 `moodsThemesAjax` answer: relative links in the site's order, some with a count suffix."""
    counts = [*album.mood_counts]
    if counts and album.unknown_mood is not None:
        counts.insert(album.unknown_mood.position, 1)
    moods = " ".join(
        f'<a href="/mood/{slugify(tag.name)}-{tag.id}" title="{escape(tag.name)}">{escape(tag.name)}'
        f"{f' ({counts[i]})' if counts else ''}</a>"
        for i, tag in enumerate(shown_moods(album))
    )
    themes = " ".join(
        f'<a href="/theme/{slugify(tag.name)}-{tag.id}" title="{escape(tag.name)}">{escape(tag.name)}</a>'
        for tag in album.themes
    )
    return (
        '<div id="moodsThemes" class="tabContent moodsThemes">\n'
        f'  <div id="moodsGrid"><h4>Album Moods</h4>{moods}</div>\n'
        f'  <div id="themesGrid"><h4>Album Themes</h4>{themes}</div>\n'
        "</div>\n"
    )


def review_fragment(album: SiteAlbum) -> str:
    """The 2023 `reviewAjax` answer: the `#review` div, empty without a staff review."""
    if not album.review_paragraphs:
        return '<div id="review" class="albumContentSubModule"></div>\n'
    author = escape(album.review_author or "")
    name = album.review_author or ""
    number = 9_000_000_000 + int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % 100_000_000
    critic = f"{BASE_PLACEHOLDER}/artist/{slugify(name)}-mn{number:010d}"
    paragraphs = "".join(f"<p>{escape(text, quote=False)}</p>" for text in album.review_paragraphs)
    return (
        f'<div id="review" class="albumContentSubModule"><h3>AllMusic Review by <a href="{critic}">{author}</a></h3>'
        f"{paragraphs}</div>\n"
    )


def robots_txt() -> str:
    """robots.txt: a few disallowed paths and the sitemap index."""
    return (
        "User-agent: *\nDisallow: /search\nDisallow: /user/\nDisallow: /blocker_check\n\n"
        f"Sitemap: {BASE_PLACEHOLDER}/sitemap.xml\n"
    )


def sitemap_index(entries: Iterable[tuple[str, str]]) -> str:
    """A `<sitemapindex>` of (sitemap URL path, lastmod) entries."""
    items = "".join(
        f"  <sitemap>\n    <loc>{BASE_PLACEHOLDER}{escape(path)}</loc>\n"
        f"    <lastmod>{lastmod}</lastmod>\n  </sitemap>\n"
        for path, lastmod in entries
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n{items}</sitemapindex>\n'


def urlset(entries: Iterable[tuple[str, str]]) -> str:
    """A `<urlset>` of (URL path, lastmod) entries."""
    items = "".join(
        f"  <url>\n    <loc>{BASE_PLACEHOLDER}{escape(path)}</loc>\n    <lastmod>{lastmod}</lastmod>\n  </url>\n"
        for path, lastmod in entries
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n{items}</urlset>\n'


def album_sitemap_entry(album: SiteAlbum) -> tuple[str, str]:
    """(path, lastmod) of an album for its urlset."""
    return album.path, w3c_datetime(album.lastmod)


def listing_page(heading: str, links: Iterable[tuple[str, str]], note: str = "") -> str:
    """A simple listing page (moods, themes, genres, albums with a mood) carrying the site chrome."""
    items = "".join(f'\n            <li><a href="{escape(href)}">{escape(text)}</a></li>' for href, text in links)
    paragraph = f'\n        <p class="note">{escape(note)}</p>' if note else ""
    return f"""<!DOCTYPE html>
<html lang="en" class="no-js">
<head>
    <title>{escape(heading)} | AllMusic</title>
{HEAD_COMMON}</head>
<body>
<div class="overflow-container">
{PRE2023_NAV}
<div id="cmn_wrap">
<div class="content-container">
    <div class="content listing">
        <h1>{escape(heading)}</h1>{paragraph}
        <ul class="listing">{items}
        </ul>
    </div>
</div>
{FOOTER}
</div>
</div>
</body>
</html>
"""

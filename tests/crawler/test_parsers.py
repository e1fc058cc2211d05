"""The album-page parsers against the real saved pages and against 2023+ markup written from docs/page-designs.md."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path
from string import Template

import pytest
from scrapy.http import HtmlResponse

from crawler.parsed import MoodsAndThemes, PageDesign, ParsedAlbum, ParseError, Review
from crawler.parsers import (
    album_id_from_url,
    clean_text,
    detect_design,
    parse_album_page,
    parse_moods_themes,
    parse_review,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "allmusic"
BASE = "https://www.allmusic.com"
BIG_PINK_URL = f"{BASE}/album/music-from-big-pink-mw0000189052"

BIG_PINK = "album_2022_rating_review_moods.html"
INTERVIEW = "album_2022_rating_no_review.html"
SINGLES_BOX = "album_2022_review_no_rating.html"
RIO = "album_2016_no_rating_no_review_no_moods.html"
ARTIST = "artist_2024_redesign.html"
ALBUM_FIXTURES = (BIG_PINK, INTERVIEW, SINGLES_BOX, RIO)

# The site-wide "discover" menu every saved page carries (the same 14 moods on all of them).
DISCOVER_MENU_MOODS = {
    "xa0000000694": "Aggressive",
    "xa0000000946": "Bittersweet",
    "xa0000000979": "Druggy",
    "xa0000000990": "Energetic",
    "xa0000001016": "Happy",
    "xa0000000719": "Hypnotic",
    "xa0000001032": "Laid Back/Mellow",
    "xa0000000734": "Melancholy",
    "xa0000001062": "Passionate",
    "xa0000000758": "Romantic",
    "xa0000000761": "Sad",
    "xa0000000765": "Sentimental",
    "xa0000000770": "Sexy",
    "xa0000000749": "Trippy",
}

# Read off the saved pages' HTML by hand.
EXPECTED_FIELDS = {
    BIG_PINK: {
        "album_id": "mw0000189052",
        "url": BIG_PINK_URL,
        "title": "Music from Big Pink",
        "page_design": PageDesign.V2022,
        "artist": "The Band",
        "artist_id": "mn0000038490",
        "release_date": date(1968, 7, 1),
        "year": 1968,
        "rating": 10,
        "genres": ("Pop/Rock",),
        "styles": ("Country-Rock", "Rock & Roll", "Album Rock", "Blues-Rock", "Singer/Songwriter"),
        "cover_url": "https://rovimusic.rovicorp.com/image.jpg?c=1BbToZlgvPk8-9SPRYEqRB_TZlp6n_cq-Emr2zx15tU=&f=5",
        "has_moods_section": True,
        "complete": True,
    },
    INTERVIEW: {
        "album_id": "mw0000421717",
        "url": f"{BASE}/album/interview-collection-vol-1-freddie-mercury-mw0000421717",
        "title": "Interview Collection, Vol. 1: Freddie Mercury",
        "page_design": PageDesign.V2022,
        "artist": "Queen",
        "artist_id": "mn0000858827",
        "release_date": None,
        "year": 1992,
        "rating": 6,
        "genres": ("Pop/Rock",),
        "styles": ("Art Rock", "Contemporary Pop/Rock", "Glam Rock", "Hard Rock", "Album Rock", "Arena Rock"),
        "cover_url": "https://rovimusic.rovicorp.com/image.jpg?c=Smh-xOCIIbw55kcGKWbUfN_M69_UI9rrJSVvWL2-yAg=&f=6",
        "has_moods_section": True,
        "complete": True,
    },
    SINGLES_BOX: {
        "album_id": "mw0000878765",
        "url": f"{BASE}/album/singles-box-12-cd--mw0000878765",
        "title": "Singles Box [12-CD]",
        "page_design": PageDesign.V2022,
        "artist": "Queen",
        "artist_id": "mn0000858827",
        "release_date": None,
        "year": 1994,
        "rating": None,
        "genres": ("Pop/Rock",),
        "styles": (
            "Album Rock",
            "Hard Rock",
            "Glam Rock",
            "Arena Rock",
            "Contemporary Pop/Rock",
            "British Metal",
            "Heavy Metal",
            "Art Rock",
        ),
        "cover_url": None,
        "has_moods_section": True,
        "complete": True,
    },
    RIO: {
        "album_id": "mw0000826588",
        "url": "http://www.allmusic.com/album/rock-you-from-rio-live-mw0000826588",
        "title": "Rock You from Rio: Live",
        "page_design": PageDesign.V2016,
        "artist": "Queen",
        "artist_id": "mn0000858827",
        "release_date": date(2009, 7, 7),
        "year": 2009,
        "rating": None,
        "genres": ("Pop/Rock",),
        "styles": ("Album Rock", "Art Rock", "Contemporary Pop/Rock", "Hard Rock", "Arena Rock"),
        "cover_url": "http://cps-static.rovicorp.com/3/JPG_1080/MI0000/904/MI0000904041.jpg?partner=allrovi.com",
        "has_moods_section": False,
        "complete": True,
    },
}

EXPECTED_MOODS = {
    BIG_PINK: [
        ("xa0000001036", "Literate"),
        ("xa0000001082", "Rustic"),
        ("xa0000001142", "Wistful"),
        ("xa0000000980", "Earnest"),
        ("xa0000000722", "Intimate"),
        ("xa0000000753", "Reflective"),
        ("xa0000000943", "Autumnal"),
        ("xa0000000946", "Bittersweet"),
        ("xa0000000981", "Earthy"),
        ("xa0000000985", "Eerie"),
        ("xa0000001005", "Freewheeling"),
        ("xa0000001006", "Fun"),
        ("xa0000001008", "Gentle"),
        ("xa0000000726", "Lively"),
        ("xa0000000734", "Melancholy"),
        ("xa0000001057", "Organic"),
        ("xa0000001062", "Passionate"),
        ("xa0000001066", "Plaintive"),
        ("xa0000001067", "Playful"),
        ("xa0000001068", "Poignant"),
        ("xa0000001072", "Ramshackle"),
        ("xa0000001073", "Raucous"),
        ("xa0000001080", "Rollicking"),
        ("xa0000000759", "Rousing"),
        ("xa0000001088", "Searching"),
        ("xa0000000765", "Sentimental"),
        ("xa0000001099", "Soothing"),
        ("xa0000001118", "Swaggering"),
        ("xa0000000733", "Yearning"),
    ],
    INTERVIEW: [
        ("xa0000000694", "Aggressive"),
        ("xa0000000951", "Bravado"),
        ("xa0000000955", "Campy"),
        ("xa0000000748", "Confident"),
        ("xa0000000708", "Dramatic"),
        ("xa0000000987", "Elaborate"),
        ("xa0000000990", "Energetic"),
        ("xa0000000994", "Exciting"),
        ("xa0000001006", "Fun"),
        ("xa0000001067", "Playful"),
        ("xa0000001073", "Raucous"),
        ("xa0000000759", "Rousing"),
        ("xa0000001081", "Rowdy"),
        ("xa0000001118", "Swaggering"),
    ],
    SINGLES_BOX: [
        ("xa0000001005", "Freewheeling"),
        ("xa0000000759", "Rousing"),
        ("xa0000001120", "Theatrical"),
        ("xa0000000992", "Epic"),
        ("xa0000001143", "Witty"),
        ("xa0000000955", "Campy"),
        ("xa0000000703", "Celebratory"),
        ("xa0000000964", "Complex"),
        ("xa0000001093", "Silly"),
        ("xa0000000694", "Aggressive"),
    ],
    RIO: [],
}

EXPECTED_THEMES = {
    BIG_PINK: [
        ("ma0000004245", "Autumn"),
        ("ma0000005079", "Reminiscing"),
        ("ma0000006333", "Small Gathering"),
        ("ma0000006296", "The Great Outdoors"),
        ("ma0000006316", "Reflection"),
        ("ma0000006310", "Sunday Afternoon"),
    ],
    INTERVIEW: [
        ("ma0000006292", "Girls Night Out"),
        ("ma0000006291", "Guys Night Out"),
        ("ma0000006322", "Mischief"),
        ("ma0000006315", "Playful"),
    ],
    SINGLES_BOX: [],
    RIO: [],
}

# author, start of the text, end of the text, paragraph count
EXPECTED_REVIEWS = {
    BIG_PINK: (
        "William Ruhlmann",
        "None of the Band's previous work gave much of a clue about how they would sound",
        "one that introduced new tones and approaches to the constantly evolving genre.",
        1,
    ),
    SINGLES_BOX: (
        "Greg Prato",
        "Featuring 12 mini-CDs that feature three tracks each for the most part (one has four),",
        "Since it doesn't contain every Japanese single, it's not a complete collection.",
        1,
    ),
}


@cache
def fixture_bytes(name: str) -> bytes:
    """A saved page's bytes, read once per test session."""
    return (FIXTURES / name).read_bytes()


def response(body: str | bytes, url: str = BIG_PINK_URL) -> HtmlResponse:
    """A response as the spider would receive it."""
    return HtmlResponse(url=url, body=body.encode() if isinstance(body, str) else body, encoding="utf-8")


def fixture_response(name: str) -> HtmlResponse:
    """A saved page served at an address of the site that is not its canonical URL."""
    return response(fixture_bytes(name), url=f"{BASE}/album/served-here")


@cache
def parsed_fixture(name: str) -> ParsedAlbum:
    """A saved album page, parsed once per test session."""
    return parse_album_page(fixture_response(name))


def pairs(tags: tuple) -> list[tuple[str, str]]:
    """Tags as (id, name) pairs, to compare with the expected lists."""
    return [(tag.id, tag.name) for tag in tags]


@pytest.mark.parametrize("name", ALBUM_FIXTURES)
def test_fixture_fields_are_the_pages_values(name: str) -> None:
    album = parsed_fixture(name)
    assert {field: getattr(album, field) for field in EXPECTED_FIELDS[name]} == EXPECTED_FIELDS[name]


@pytest.mark.parametrize("name", ALBUM_FIXTURES)
def test_fixture_moods_are_the_albums_own_in_page_order(name: str) -> None:
    assert pairs(parsed_fixture(name).moods) == EXPECTED_MOODS[name]


def test_big_pink_has_29_moods_from_literate_to_yearning() -> None:
    moods = parsed_fixture(BIG_PINK).moods
    assert len(moods) == 29
    assert [mood.name for mood in moods[:3]] == ["Literate", "Rustic", "Wistful"]
    assert [mood.name for mood in moods[-3:]] == ["Soothing", "Swaggering", "Yearning"]


@pytest.mark.parametrize("name", ALBUM_FIXTURES)
def test_discover_menu_moods_never_leak_in(name: str) -> None:
    page_ids = [mood.id for mood in parsed_fixture(name).moods]
    menu_only = set(DISCOVER_MENU_MOODS) - {mood_id for mood_id, _ in EXPECTED_MOODS[name]}
    assert not menu_only & set(page_ids)
    assert len(page_ids) == len(set(page_ids))


@pytest.mark.parametrize("name", ALBUM_FIXTURES)
def test_fixture_themes(name: str) -> None:
    assert pairs(parsed_fixture(name).themes) == EXPECTED_THEMES[name]


@pytest.mark.parametrize("name", [BIG_PINK, SINGLES_BOX])
def test_fixture_review_author_and_text(name: str) -> None:
    author, start, end, paragraphs = EXPECTED_REVIEWS[name]
    review = parsed_fixture(name).review
    assert review.author == author
    assert review.text is not None
    assert review.text.startswith(start)
    assert review.text.endswith(end)
    assert len(review.text.split("\n\n")) == paragraphs
    assert "  " not in review.text


def test_review_keeps_inline_link_text_without_extra_spaces() -> None:
    text = parsed_fixture(BIG_PINK).review.text or ""
    assert "Tenor Richard Manuel's haunting, lonely voice" in text
    assert "the ornate productions of Sgt. Pepper, and initially" in text


@pytest.mark.parametrize("name", [INTERVIEW, RIO])
def test_fixture_without_review_has_an_empty_review(name: str) -> None:
    assert parsed_fixture(name).review == Review()


@pytest.mark.parametrize(
    ("name", "design"),
    [
        (BIG_PINK, PageDesign.V2022),
        (INTERVIEW, PageDesign.V2022),
        (SINGLES_BOX, PageDesign.V2022),
        (RIO, PageDesign.V2016),
    ],
)
def test_detect_design_of_saved_pages(name: str, design: PageDesign) -> None:
    assert detect_design(fixture_response(name)) == design


@pytest.mark.parametrize("url", [f"{BASE}/artist/alicia-keys-mn0000005307", BIG_PINK_URL])
def test_artist_page_is_not_an_album_page_wherever_it_is_served(url: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_album_page(response(fixture_bytes(ARTIST), url=url))
    assert caught.value.reason == "not_an_album_page"


@pytest.mark.parametrize("name", ALBUM_FIXTURES)
def test_page_truncated_before_its_title_is_malformed(name: str) -> None:
    truncated = fixture_bytes(name).split(b"<hgroup>")[0]
    with pytest.raises(ParseError) as caught:
        parse_album_page(response(truncated, url=f"{BASE}/album/served-here"))
    assert caught.value.reason == "malformed_page"
    assert "title" in caught.value.detail


def test_old_rating_outside_one_to_ten_is_malformed() -> None:
    body = re.sub(rb'(rating-allmusic-9">)\s*10\s*', rb"\g<1>11", fixture_bytes(BIG_PINK), count=1)
    with pytest.raises(ParseError) as caught:
        parse_album_page(response(body))
    assert caught.value.reason == "malformed_page"
    assert "'11'" in caught.value.detail


def test_2016_review_author_from_microdata() -> None:
    page = """<html><head><link rel="canonical" href="http://www.allmusic.com/album/x-mw0000000001"></head><body>
    <hgroup><h1 class="album-title" itemprop="name"> X </h1></hgroup>
    <section class="review">
      <h3 class="review-author headline">AllMusic Review by <span itemprop="author">Stephen Thomas Erlewine</span></h3>
      <div class="text" itemprop="reviewBody"><p>First &amp; best.</p>
      <p>Second
         paragraph.</p></div>
    </section></body></html>"""
    album = parse_album_page(response(page, url="http://www.allmusic.com/album/x-mw0000000001"))
    assert album.page_design == PageDesign.V2016
    assert album.review == Review(text="First & best.\n\nSecond paragraph.", author="Stephen Thomas Erlewine")


# The 2023+ design, written exactly as docs/page-designs.md describes it.

COVER = "https://rovimusic.rovicorp.com/image.jpg?c=big-pink&f=4"
POSTER = f'<div id="albumPoster"><img id="posterImage" src="{COVER}" data-src="{COVER}" alt="cover"></div>'

PAGE_2023 = Template("""<!DOCTYPE html>
<html lang="en"><head>
$canonical
<meta property="og:image" content="https://rovimusic.rovicorp.com/image.jpg?c=big-pink&amp;f=3">
<script type="application/ld+json">{"@context": "http://schema.org", "@type": "MusicAlbum", "url": "$url",
  "name": "Music from Big Pink", $published "image": "$cover", "genre": ["Pop/Rock"],
  "byArtist": [{"@type": "MusicGroup", "name": "The Band", "url": "$base/artist/the-band-mn0000038490"}]}</script>
</head><body>
<header id="siteHeader">
  <div class="discoverMoodSecondary" style="display:none;">
    <div class="moodColumn" id="moodCol1">
      <a href="/mood/aggressive-xa0000000694" title="Aggressive">Aggressive</a>
      <a href="/mood/sad-xa0000000761" title="Sad">Sad</a>
    </div>
  </div>
  <div class="discoverThemeSecondary" style="display:none;">
    <div class="themeColumn" id="themeCol1">
      <a href="/theme/drinking-ma0000004252" title="Drinking">Drinking</a>
    </div>
  </div>
</header>
<div id="pageContainer" class="album">
  <div id="albumHeadline" data-id="MW0000189052">
    $poster
    $title
    <h2 id="albumArtists"><a href="$base/artist/the-band-mn0000038490">The Band</a></h2>
    $rating
  </div>
  <div id="basicInfoMeta">
    $release
    <div class="duration"><h4>Duration</h4><span>42:21</span></div>
    <div class="genre"><h4>Genre</h4><div><a href="$base/genre/pop-rock-ma0000002613">Pop/Rock</a></div></div>
    <div class="styles"><h4>Styles</h4><div><a href="$base/style/country-rock-ma0000002536">Country-Rock</a>,
      <a href="$base/style/americana-ma0000011877">Americana</a></div></div>
  </div>
</div>
</body></html>""")


def page_2023(**parts: str) -> str:
    """A 2023+ album page per the spec; keyword arguments replace its parts (canonical, rating, release, ...)."""
    defaults = {
        "base": BASE,
        "url": BIG_PINK_URL,
        "cover": COVER,
        "canonical": f'<link rel="canonical" href="{BIG_PINK_URL}">',
        "published": '"datePublished": "1968-07-01",',
        "poster": POSTER,
        "title": '<h1 id="albumTitle">Music from Big Pink</h1>',
        "rating": '<div class="allmusicRating ratingAllmusic9" title="AllMusic Rating"></div>',
        "release": '<div class="release-date"><h4>Release Date</h4><span>July 1, 1968</span></div>',
    }
    return PAGE_2023.substitute(defaults | parts)


MOODS_AJAX = """<div id="moodsThemes" class="tabContent moodsThemes">
  <div id="moodsGrid"><h4>Album Moods</h4>
    <a href="/mood/literate-xa0000001036" title="Literate">Literate (3)</a>
    <a href="/mood/rustic-xa0000001082" title="Rustic">Rustic (2)</a>
    <a href="/mood/amiable-good-natured-xa0000000694" title="Amiable/Good-Natured">
        Amiable/Good-Natured
    </a>
    <a href="/mood/bouncy-ma0000005462" title="Bouncy">Bouncy</a>
    <a href="/mood/wistful-xa0000001142" title="Wistful">Wistful (1)</a>
  </div>
  <div id="themesGrid"><h4>Album Themes</h4>
    <a href="/theme/reflection-ma0000006316" title="Reflection">Reflection (2)</a>
    <a href="/theme/cool-cocky-ma0000006328" title="Cool &amp; Cocky">Cool &amp; Cocky</a>
  </div>
</div>"""

REVIEW_AJAX = """<div id="review" class="albumContentSubModule">
  <h3>AllMusic Review by <a href="/artist/william-ruhlmann-mn0000000001">William Ruhlmann</a></h3>
  <p>None of the Band&#39;s previous work
     gave much of a clue.</p>
  <p>Tenor <a href="/artist/richard-manuel-mn0000346074">Richard Manuel</a>'s voice &amp; organ.</p>
</div>"""


def ajax(body: str, tab: str) -> HtmlResponse:
    """A sub-request's response for the Big Pink album."""
    return response(body, url=f"{BIG_PINK_URL}/{tab}")


def test_2023_page_alone_is_an_incomplete_album() -> None:
    album = parse_album_page(response(page_2023()))
    assert album == ParsedAlbum(
        album_id="mw0000189052",
        url=BIG_PINK_URL,
        title="Music from Big Pink",
        page_design=PageDesign.V2023,
        artist="The Band",
        artist_id="mn0000038490",
        release_date=date(1968, 7, 1),
        year=1968,
        rating=10,
        genres=("Pop/Rock",),
        styles=("Country-Rock", "Americana"),
        cover_url=COVER,
        complete=False,
    )


def test_2023_discover_menu_is_not_the_albums_moods() -> None:
    page = response(page_2023())
    assert parse_album_page(page).moods == ()
    assert parse_album_page(page).themes == ()
    with pytest.raises(ParseError) as caught:
        parse_moods_themes(page)
    assert caught.value.reason == "malformed_subrequest"


@pytest.mark.parametrize(
    ("rating_class", "rating"),
    [("ratingAllmusic0", None), ("ratingAllmusic1", 2), ("ratingAllmusic5", 6), ("ratingAllmusic9", 10)],
)
def test_2023_rating_is_class_number_plus_one(rating_class: str, rating: int | None) -> None:
    page = page_2023(rating=f'<div class="allmusicRating {rating_class}" title="AllMusic Rating"></div>')
    assert parse_album_page(response(page)).rating == rating


def test_2023_page_without_rating_is_unrated() -> None:
    assert parse_album_page(response(page_2023(rating=""))).rating is None


def test_2023_rating_class_beyond_nine_is_malformed() -> None:
    page = page_2023(rating='<div class="allmusicRating ratingAllmusic10" title="AllMusic Rating"></div>')
    with pytest.raises(ParseError) as caught:
        parse_album_page(response(page))
    assert caught.value.reason == "malformed_page"


def test_year_only_release_gives_year_without_date() -> None:
    page = page_2023(release='<div class="release-date"><h4>Release Date</h4><span> 1968 </span></div>')
    album = parse_album_page(response(page))
    assert (album.release_date, album.year) == (None, 1968)


def test_iso_release_attribute_is_preferred_to_a_year_only_display() -> None:
    release = (
        '<button class="add-to-collection-link" data-release-date="1968-07-01"></button>'
        '<div class="release-date"><h4>Release Date</h4><span>1968</span></div>'
    )
    album = parse_album_page(response(page_2023(release=release)))
    assert (album.release_date, album.year) == (date(1968, 7, 1), 1968)


def test_partial_iso_release_attribute_gives_its_year() -> None:
    release = '<button class="add-to-collection-link" data-release-date="1992-??-??"></button>'
    album = parse_album_page(response(page_2023(release=release, published="")))
    assert (album.release_date, album.year) == (None, 1992)


def test_json_ld_date_is_the_fallback_without_a_displayed_date() -> None:
    album = parse_album_page(response(page_2023(release="")))
    assert (album.release_date, album.year) == (date(1968, 7, 1), 1968)


def test_json_ld_epoch_placeholder_is_no_date() -> None:
    album = parse_album_page(response(page_2023(release="", published='"datePublished": "1969-12-31",')))
    assert (album.release_date, album.year) == (None, None)


def test_album_id_falls_back_to_headline_data_id() -> None:
    album = parse_album_page(response(page_2023(canonical=""), url=f"{BASE}/some/other/page"))
    assert (album.album_id, album.url) == ("mw0000189052", f"{BASE}/some/other/page")


def test_page_without_album_id_is_malformed() -> None:
    page = page_2023(canonical="").replace('data-id="MW0000189052"', "")
    with pytest.raises(ParseError) as caught:
        parse_album_page(response(page, url=f"{BASE}/some/other/page"))
    assert caught.value.reason == "malformed_page"
    assert "album id" in caught.value.detail


def test_2023_page_without_title_is_malformed() -> None:
    with pytest.raises(ParseError) as caught:
        parse_album_page(response(page_2023(title='<h1 id="albumTitle">  </h1>')))
    assert caught.value.reason == "malformed_page"
    assert "title" in caught.value.detail


def test_relative_cover_is_made_absolute() -> None:
    poster = '<img id="posterImage" src="/images/small.jpg" data-src="/images/cover.jpg">'
    assert parse_album_page(response(page_2023(poster=poster))).cover_url == f"{BASE}/images/cover.jpg"


def test_gallery_zoom_url_is_preferred_to_the_poster() -> None:
    gallery = (
        '<script>var imageGallery = [{"url":"https:\\/\\/img.test\\/c.jpg?f=5&not=1",'
        '"zoomURL":"https:\\/\\/img.test\\/c.jpg?f=6&not=1"}];</script>'
    )
    album = parse_album_page(response(page_2023(poster=gallery + POSTER)))
    assert album.cover_url == "https://img.test/c.jpg?f=6&not=1"


def test_2023_cover_falls_back_to_og_image_then_json_ld_and_skips_placeholders() -> None:
    placeholder = '<img id="posterImage" src="https://cdn-gce.allmusic.com/images/no_image/album_300x300.png">'
    og_image = "https://rovimusic.rovicorp.com/image.jpg?c=big-pink&f=3"
    assert parse_album_page(response(page_2023(poster=placeholder))).cover_url == og_image
    without_og_image = page_2023(poster=placeholder).replace("og:image", "og:other")
    assert parse_album_page(response(without_og_image)).cover_url == COVER


@pytest.mark.parametrize(
    ("srcset", "largest"),
    [
        ("https://img.test/c.jpg?f=2 400w, https://img.test/c.jpg?f=5 1080w", "https://img.test/c.jpg?f=5"),
        ("https://img.test/c.jpg?f=5 1080w, https://img.test/c.jpg?f=2 400w", "https://img.test/c.jpg?f=5"),
        ("https://img.test/big.jpg 2x, https://img.test/small.jpg", "https://img.test/big.jpg"),
        (
            "https://img.test/one.jpg 1x,https://img.test/three.jpg 3x,https://img.test/two.jpg 2x",
            "https://img.test/three.jpg",
        ),
    ],
)
def test_2023_cover_is_the_largest_srcset_entry(srcset: str, largest: str) -> None:
    poster = f'<img id="posterImage" src="https://img.test/tiny.jpg" srcset="{srcset}">'
    assert parse_album_page(response(page_2023(poster=poster))).cover_url == largest


@pytest.mark.parametrize(
    "src", ["./Album_files/image.jpg", "Album_files/image.jpg", "file:///home/me/Album_files/x.jpg"]
)
def test_2023_cover_never_comes_from_a_saved_pages_local_file(src: str) -> None:
    poster = f'<img id="posterImage" src="{src}" data-src="{src}">'
    album = parse_album_page(response(page_2023(poster=poster)))
    assert album.cover_url == "https://rovimusic.rovicorp.com/image.jpg?c=big-pink&f=3"


def test_moods_ajax_in_site_order_without_counts() -> None:
    parsed = parse_moods_themes(ajax(MOODS_AJAX, "moodsThemesAjax"))
    assert pairs(parsed.moods) == [
        ("xa0000001036", "Literate"),
        ("xa0000001082", "Rustic"),
        ("xa0000000694", "Amiable/Good-Natured"),
        ("ma0000005462", "Bouncy"),
        ("xa0000001142", "Wistful"),
    ]
    assert pairs(parsed.themes) == [("ma0000006316", "Reflection"), ("ma0000006328", "Cool & Cocky")]


def test_moods_ajax_ids_are_lower_cased() -> None:
    body = '<div id="moodsThemes"><div id="moodsGrid"><a href="/mood/literate-XA0000001036">Literate</a></div></div>'
    assert pairs(parse_moods_themes(ajax(body, "moodsThemesAjax")).moods) == [("xa0000001036", "Literate")]


def test_empty_moods_grid_is_an_album_without_moods() -> None:
    body = '<div id="moodsThemes" class="tabContent moodsThemes"><div id="moodsGrid"><h4>Album Moods</h4></div></div>'
    assert parse_moods_themes(ajax(body, "moodsThemesAjax")) == MoodsAndThemes()


def test_moods_response_without_moods_themes_is_malformed() -> None:
    with pytest.raises(ParseError) as caught:
        parse_moods_themes(ajax("<html><body><p>Please try again later</p></body></html>", "moodsThemesAjax"))
    assert caught.value.reason == "malformed_subrequest"


def test_mood_link_without_an_id_is_malformed() -> None:
    body = '<div id="moodsThemes"><div id="moodsGrid"><a href="/moods">All Moods</a></div></div>'
    with pytest.raises(ParseError) as caught:
        parse_moods_themes(ajax(body, "moodsThemesAjax"))
    assert caught.value.reason == "malformed_subrequest"
    assert "/moods" in caught.value.detail


def test_review_ajax_paragraphs_and_author() -> None:
    assert parse_review(ajax(REVIEW_AJAX, "reviewAjax")) == Review(
        text="None of the Band's previous work gave much of a clue.\n\nTenor Richard Manuel's voice & organ.",
        author="William Ruhlmann",
    )


def test_empty_review_div_is_no_review() -> None:
    assert parse_review(ajax('<div id="review" class="albumContentSubModule"></div>', "reviewAjax")) == Review()


def test_review_response_without_review_div_is_malformed() -> None:
    with pytest.raises(ParseError) as caught:
        parse_review(ajax("<html><body></body></html>", "reviewAjax"))
    assert caught.value.reason == "malformed_subrequest"


def test_with_parts_completes_a_2023_album() -> None:
    page = parse_album_page(response(page_2023()))
    moods = parse_moods_themes(ajax(MOODS_AJAX, "moodsThemesAjax"))
    review = parse_review(ajax(REVIEW_AJAX, "reviewAjax"))
    album = page.with_parts(moods, review)
    assert album.complete
    assert album.has_moods_section
    assert [mood.name for mood in album.moods] == ["Literate", "Rustic", "Amiable/Good-Natured", "Bouncy", "Wistful"]
    assert album.review.author == "William Ruhlmann"
    assert (album.album_id, album.rating, album.title) == ("mw0000189052", 10, "Music from Big Pink")


@pytest.mark.parametrize(
    ("url", "album_id"),
    [
        (BIG_PINK_URL, "mw0000189052"),
        (f"{BASE}/album/MW0000189052", "mw0000189052"),
        (f"{BASE}/album/singles-box-12-cd--mw0000878765/", "mw0000878765"),
        (f"{BASE}/album/music-from-big-pink-mw0000189052?tab=review", "mw0000189052"),
        (f"{BIG_PINK_URL}/moodsThemesAjax", None),
        (f"{BASE}/artist/the-band-mn0000038490", None),
        (f"{BASE}/album/short-mw000018905", None),
        (f"{BASE}/album/long-mw00001890521", None),
        ("", None),
    ],
)
def test_album_id_from_url(url: str, album_id: str | None) -> None:
    assert album_id_from_url(url) == album_id


@pytest.mark.parametrize(
    "heading",
    [
        "<h3>AllMusic Review by William Ruhlmann</h3>",
        '<h3>AllMusic Review by <a href="/artist/william-ruhlmann-mn0000000001">William Ruhlmann</a></h3>',
        '<h3>Review <a href="/artist/william-ruhlmann-mn0000000001">by William Ruhlmann</a></h3>',
    ],
)
def test_review_author_is_the_name_alone(heading: str) -> None:
    body = f'<div id="review" class="albumContentSubModule">{heading}<p>Text.</p></div>'
    assert parse_review(ajax(body, "reviewAjax")) == Review(text="Text.", author="William Ruhlmann")


# A browser-saved 2023+ album page with its review and moods tabs rendered: reconstructed (see its header comment
# and tests/fixtures/allmusic/README.md) from the real saved artist page of the redesign, not from the sample site.

SAVED_2023 = "album_2023_saved_tabs_rendered.html"
PRELUDES_URL = f"{BASE}/album/preludes-mw0003912345"
PRELUDES_MOODS = [  # read off the fixture: the first column top to bottom, then the second, then the third
    ("xa0000000753", "Reflective"),
    ("xa0000000722", "Intimate"),
    ("xa0000001142", "Wistful"),
    ("xa0000000946", "Bittersweet"),
    ("xa0000000943", "Autumnal"),
    ("xa0000001008", "Gentle"),
    ("xa0000000988", "Elegant"),
    ("xa0000000733", "Yearning"),
    ("xa0000000734", "Melancholy"),
    ("xa0000001027", "Introspective"),
]


def saved_2023(url: str = "file:///home/someone/Downloads/Preludes.html") -> ParsedAlbum:
    """The saved 2023 page parsed as `parse-page` reads a file, at the address it was opened from."""
    return parse_album_page(response(fixture_bytes(SAVED_2023), url=url))


def test_saved_2023_page_with_rendered_tabs_is_complete() -> None:
    album = saved_2023()
    assert album.complete and album.has_moods_section
    assert (album.album_id, album.url, album.title, album.page_design) == (
        "mw0003912345",
        PRELUDES_URL,
        "Preludes",
        PageDesign.V2023,
    )
    assert (album.artist, album.artist_id, album.rating) == ("Aurora Lane", "mn0003456789", 8)
    assert (album.release_date, album.year) == (date(2023, 3, 10), 2023)
    assert (album.genres, album.styles) == (("Pop/Rock",), ("Chamber Pop", "Indie Folk"))


def test_saved_2023_moods_in_column_order_and_themes() -> None:
    album = saved_2023()
    assert pairs(album.moods) == PRELUDES_MOODS
    assert pairs(album.themes) == [
        ("ma0000006316", "Reflection"),
        ("ma0000005096", "Rainy Day"),
        ("ma0000006313", "Solitude"),
    ]


def test_saved_2023_review_author_is_the_plain_text_of_the_heading() -> None:
    review = saved_2023().review
    assert review.author == "Mark Deming"
    assert review.text is not None and review.text.startswith("Aurora Lane made her name with spare, late-night songs")
    assert review.text.endswith("the album's best moments are its quietest & most patient ones.")
    assert review.text.count("\n\n") == 1


def test_saved_2023_cover_is_the_largest_srcset_entry_not_the_local_file() -> None:
    cover = saved_2023().cover_url
    assert cover == "https://rovimusic.rovicorp.com/image.jpg?c=Qm9ZXhbtNlDm2UrTa0XCcW9jNlDk6cDQzJkr2MGtvUE=&f=5"


def test_saved_2023_page_without_its_tabs_awaits_the_sub_requests() -> None:
    page = fixture_bytes(SAVED_2023).decode()
    served = page.replace('id="moodsGrid"', 'id="moodsGridPending"').replace('id="review"', 'id="reviewPending"')
    album = parse_album_page(response(served, url=PRELUDES_URL))
    assert not album.complete
    assert (album.moods, album.themes, album.review) == ((), (), Review())


def test_a_page_requested_as_its_own_album_passes_the_identity_check() -> None:
    other_slug = f"{BASE}/album/preludes-deluxe-mw0003912345"
    album = parse_album_page(response(fixture_bytes(SAVED_2023), url=other_slug), requested_id="MW0003912345")
    assert album.url == PRELUDES_URL


@pytest.mark.parametrize(
    "canonical",
    [f"{BASE}/album/music-from-big-pink-mw0000189052", "https://evil.example/album/preludes-mw0003912345"],
)
def test_a_canonical_naming_another_album_or_host_is_a_canonical_mismatch(canonical: str) -> None:
    page = (
        fixture_bytes(SAVED_2023)
        .decode()
        .replace(f'rel="canonical" href="{PRELUDES_URL}"', f'rel="canonical" href="{canonical}"')
    )
    with pytest.raises(ParseError) as caught:
        parse_album_page(response(page, url=PRELUDES_URL), requested_id="mw0003912345")
    assert caught.value.reason == "canonical_mismatch"
    assert "mw0003912345" in caught.value.detail and canonical in caught.value.detail


HOSTILE = "\x1b]0;pwned\x07Music\u202e from\u200b Big\x00 Pink\x1b[2J\x9b\ufeff"


def test_control_and_invisible_characters_are_stripped_from_every_text_field() -> None:
    page = page_2023(title=f'<h1 id="albumTitle">{HOSTILE}</h1>').replace("The Band<", f"The{HOSTILE}Band<")
    page = page.replace(">Country-Rock<", ">Country\u2066-Rock\x1b[0m<")
    album = parse_album_page(response(page))
    assert album.title == "]0;pwnedMusic from Big Pink[2J"
    assert album.artist == "The]0;pwnedMusic from Big Pink[2JBand"
    assert album.styles[0] == "Country-Rock[0m"
    moods = MOODS_AJAX.replace(">Rustic (2)<", ">Rus\x1btic\u200d (2)<").replace(
        ">Reflection (2)<", ">Reflec\u2069tion<"
    )
    parsed = parse_moods_themes(ajax(moods, "moodsThemesAjax"))
    assert (parsed.moods[1].name, parsed.themes[0].name) == ("Rustic", "Reflection")
    review = REVIEW_AJAX.replace("William Ruhlmann", "William\x1b[31m Ruhlmann\u202a").replace(
        "previous", "pre\x85vious"
    )
    assert parse_review(ajax(review, "reviewAjax")) == Review(
        text="None of the Band's previous work gave much of a clue.\n\nTenor Richard Manuel's voice & organ.",
        author="William[31m Ruhlmann",
    )


def test_clean_text_keeps_tabs_and_newlines_as_whitespace() -> None:
    assert clean_text("a\tb\nc\r\nd\x0b\x1fe") == "a b c de"
    assert clean_text("\x1b\u200b\ufeff") is None

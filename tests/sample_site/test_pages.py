"""The pages' bytes and escaping, rendered from the Jinja2 templates without writing a site."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace

import pytest

from sample_site import Faults, SiteAlbum, pages, plan_albums

FAULTS = Faults.typical().with_overrides(malformed_pages=0.05, no_moods_sections=0.05, unknown_moods=0.08)
# sha256 of everything `_rendered()` renders, taken from the pages as the site wrote them before its templates
# moved to Jinja2 (Python f-strings). A change here is a change to what the crawler parses: if it is meant, check
# the parser tests and docs/page-designs.md, then record the new digest. Last recorded when 2023 pages gained a
# srcset and a share of them their tabs rendered inline (pre-2023 pages and the fragments kept their bytes).
GOLDEN_DIGEST = "f9ddbb94330e4c8ea00e804790bf79101acd8e156291aa9cffb46b3ef5c6c0d5"
TITLE = 'Rock & "Roll" <Live>'
ARTIST = "O'Brien & the <Band>"
PARAGRAPH = 'He said "no" & walked <out>.'


def _albums() -> list[SiteAlbum]:
    """120 planned albums (every design, most faults) and one album per design with markup in its words."""
    albums = plan_albums(120, 5, FAULTS)
    hostile = [
        replace(next(a for a in albums if a.design == design and not a.faults), title=TITLE, artist=ARTIST)
        for design in ("2016", "2022", "2023")
    ]
    return albums + [replace(a, review_paragraphs=(PARAGRAPH, PARAGRAPH)) for a in hostile]


def _rendered(albums: list[SiteAlbum]) -> list[str]:
    texts = []
    for album in albums:
        texts += [pages.album_page(album), pages.moods_themes_fragment(album), pages.review_fragment(album)]
    texts.append(pages.listing_page("Moods & <Themes>", [('/a?b=1&c="2"', "O'Brien & <Co>")], note="\"q\" & 's'"))
    texts.append(pages.listing_page("Plain", []))
    texts.append(pages.robots_txt())
    texts.append(pages.sitemap_index([("/sitemaps/albums-1.xml", "2024-01-01")]))
    texts.append(pages.urlset([pages.album_sitemap_entry(a) for a in albums]))
    return texts


@pytest.fixture(scope="module")
def hostile() -> dict[str, SiteAlbum]:
    return {album.design: album for album in _albums()[-3:]}


def test_pages_keep_their_bytes() -> None:
    digest = hashlib.sha256("".join(_rendered(_albums())).encode()).hexdigest()
    assert digest == GOLDEN_DIGEST


def test_words_are_escaped_with_the_standard_library_entities(hostile: dict[str, SiteAlbum]) -> None:
    title = "Rock &amp; &quot;Roll&quot; &lt;Live&gt;"
    artist = "O&#x27;Brien &amp; the &lt;Band&gt;"
    for design, album in hostile.items():
        page = re.sub(r"<script[^>]*>.*?</script>", "", pages.album_page(album), flags=re.S)  # JSON: see below
        assert TITLE not in page and "<Live>" not in page and "<Band>" not in page, design
        assert title in page and artist in page, design
        assert "&#34;" not in page and "&#39;" not in page, design
    # review text leaves quotes alone (as the real site does), in the page and in the 2023 fragment
    assert 'He said "no" &amp; walked &lt;out&gt;.' in pages.album_page(hostile["2022"])
    assert '<p>He said "no" &amp; walked &lt;out&gt;.</p>' in pages.review_fragment(hostile["2023"])


def test_json_in_scripts_is_written_raw(hostile: dict[str, SiteAlbum]) -> None:
    page = pages.album_page(hostile["2022"])
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert block is not None
    data = json.loads(block.group(1))
    assert data["name"] == TITLE and data["byArtist"][0]["name"] == ARTIST
    assert data["review"]["reviewBody"] == f"{PARAGRAPH} {PARAGRAPH}"
    assert "<out>" in block.group(1) and "&quot;" not in block.group(1)
    gallery = re.search(r"var imageGallery = (.*?);\n", page)
    assert gallery is not None and json.loads(gallery.group(1))[0]["url"] == hostile["2022"].cover_url
    assert "http:\\/\\/sample-site.invalid" in gallery.group(1)

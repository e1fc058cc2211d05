"""A reader that follows docs/page-designs.md to the letter, so tests check the sample site against the spec."""

from __future__ import annotations

import json
import re

from parsel import Selector


def _id(href: str) -> str:
    return href[-12:].lower()


def _texts(nodes: list[Selector]) -> list[str]:
    return [" ".join(node.css("::text").getall()).strip() for node in nodes]


def design(html: str) -> str:
    """'2023' (div#albumHeadline), '2022' (JSON-LD MusicAlbum) or '2016' (microdata)."""
    page = Selector(text=html)
    if page.css("div#albumHeadline"):
        return "2023"
    for script in page.css('script[type="application/ld+json"]::text').getall():
        if json.loads(script).get("@type") == "MusicAlbum":
            return "2022"
    return "2016"


def read_album_page(html: str) -> dict[str, object]:
    """The fields the spec names, from an album page of either generation."""
    page = Selector(text=html)
    kind = design(html)
    canonical = page.css('link[rel="canonical"]::attr(href)').get()
    if kind == "2023":
        rating_class = re.search(r"ratingAllmusic(\d)", page.css("div.allmusicRating::attr(class)").get() or "")
        n = int(rating_class.group(1)) if rating_class else 0
        return {
            "design": kind,
            "canonical": canonical,
            "id": canonical[-12:].lower(),
            "title": (page.css("h1#albumTitle::text").get() or "").strip() or None,
            "artist": page.css("h2#albumArtists a::text").get(),
            "artist_id": _id(page.css("h2#albumArtists a::attr(href)").get() or ""),
            "release": page.css("div#basicInfoMeta div.release-date span::text").get(),
            "genres": page.css("div#basicInfoMeta div.genre a::text").getall(),
            "styles": page.css("div#basicInfoMeta div.styles a::text").getall(),
            "rating": n + 1 if n else None,
            "cover": page.css("img#posterImage::attr(data-src)").get() or page.css("img#posterImage::attr(src)").get(),
            "discover_moods": len(page.css(".moodColumn a")),
        }
    rating_node = page.css("li#microdata-rating div.allmusic-rating")
    rating_text = " ".join(rating_node.css("::text").getall()).strip()
    review = page.css("section.review")
    author = (
        review.css("h2.review-author span::text, h3.review-author span::text").get()
        or review.css("[itemprop=author]::text").get()
        or review.css(".review-headline-container p span::text").get()
    )
    gallery = re.search(r"var imageGallery = (\[.*?\]);", html)
    cover = (
        page.css("img.media-gallery-image::attr(data-largeurl)").get()
        or (json.loads(gallery.group(1))[0]["url"] if gallery else None)
        or page.css("img.media-gallery-image::attr(src)").get()
        or page.css('meta[property="og:image"]::attr(content)').get()
    )
    moods = page.css("section.moods span.mood a")
    return {
        "design": kind,
        "canonical": canonical,
        "id": canonical[-12:].lower(),
        "title": (page.css("hgroup h1.album-title::text").get() or "").strip() or None,
        "artist": page.css("h2.album-artist a::text").get(),
        "artist_id": _id(page.css("h2.album-artist a::attr(href)").get() or ""),
        "release": page.css("div.release-date span::text").get(),
        "data_release_date": page.css("[data-release-date]::attr(data-release-date)").get(),
        "genres": page.css("div.genre a::text").getall(),
        "styles": page.css("div.styles a::text").getall(),
        "rating": int(rating_text) if rating_text else None,
        "rating_class": re.search(r"rating-allmusic-(\d)", rating_node.attrib.get("class", "")).group(1),
        "review_text": "\n\n".join(_texts(review.css(".text p"))) or None,
        "review_author": author,
        "has_moods_section": bool(page.css("section.moods")),
        "moods": [(_id(a.attrib["href"]), a.css("::text").get()) for a in moods],
        "themes": [(_id(a.attrib["href"]), a.css("::text").get()) for a in page.css("section.themes span.theme a")],
        "cover": cover,
        "discover_moods": len(page.css("#discover-moods")) + len(page.css(".mood-column a")),
    }


def read_moods_fragment(html: str) -> dict[str, object] | None:
    """The moods and themes of a 2023 `moodsThemesAjax` answer; None when `#moodsThemes` is missing."""
    root = Selector(text=html).css("div#moodsThemes")
    if not root:
        return None

    def tags(grid: str) -> list[tuple[str, str]]:
        return [
            (_id(a.attrib["href"]), re.sub(r"\s*\(\d+\)$", "", a.css("::text").get()))
            for a in root.css(f"div#{grid} a")
        ]

    return {"moods": tags("moodsGrid"), "themes": tags("themesGrid")}


def read_review_fragment(html: str) -> dict[str, str | None]:
    """The review of a 2023 `reviewAjax` answer."""
    review = Selector(text=html).css("div#review")
    paragraphs = [p.strip() for p in review.css("p::text").getall()]
    return {"author": review.css("h3 a::text").get(), "text": "\n\n".join(paragraphs) or None}

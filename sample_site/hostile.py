"""Hostile text: what a third-party site can put in any field it shows, to prove that albumml keeps data as data.

A hostile album carries, in its title, artist, critic, review, tracks, genre and style names and one mood name,
text that is markup in some output albumml writes (HTML and script tags, `$` math, rich markup, spreadsheet
formulas), quotes of every kind, control and escape characters, bidi marks, emoji and very long strings. The
strings are fixed and the albums that get them are drawn from the seed, so a hostile site is as reproducible as
any other.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sample_site.model import SiteAlbum, Tag

HOSTILE_TEXT = "hostile_text"
HOSTILE_STREAM = 5
LONG_REVIEW_CHARACTERS = 20_000  # far beyond any real review paragraph
LONG_TITLE_CHARACTERS = 300  # long, but inside the catalogue's 500-character title

# Each string is markup, a formula, an escape or an oddity in at least one output albumml writes.
SNIPPETS = (
    "<script>document.title='pwned'</script>",
    '<img src=x onerror="window.pwned=1">',
    "<a href='https://evil.example/'>click</a>",
    "<b>bold</b> &amp; &quot;entity&quot;",
    "$x^2$ and $$",
    "costs $5 \\$ a \\(",
    "[bold]loud[/bold] [/]",
    "[/]",
    "[link=https://evil.example]x[/link]",
    '=HYPERLINK("https://evil.example","x")',
    "+1+2",
    "-2+3",
    "@SUM(A1)",
    "'single' \"double\" `back` “curly” ‘quotes’ «guillemets»",
    "\x1b]0;pwned\x07Retitled",
    "\x1b[2JCleared",
    "\x1b[31mRed\x1b[0m",
    "Bell\x07 and NUL\x00 and DEL\x7f",
    "Right\u202eto left\u202c",
    "Zero\u200bwidth",
    "emoji 🎸🔥👩‍🎤",
    "{{ 7*7 }} {% raw %} ${7*7}",
    "%s %d %(name)s {0}",
    "../../etc/passwd",
)


def hostile_indices(albums: int, seed: int, share: float) -> frozenset[int]:
    """The indices of the albums that carry hostile text: `share` of them, at least one when the share is above 0."""
    if share <= 0:
        return frozenset()
    count = min(albums, max(1, round(share * albums)))
    order = np.random.default_rng((seed, HOSTILE_STREAM)).permutation(albums)
    return frozenset(int(index) for index in order[:count])


def _snippet(rng: np.random.Generator) -> str:
    return SNIPPETS[int(rng.integers(len(SNIPPETS)))]


def _field(rng: np.random.Generator, plain: str, limit: int) -> str:
    """`plain` with a hostile snippet before it, cut to `limit` characters."""
    return f"{_snippet(rng)} {plain}"[:limit]


def make_hostile(album: SiteAlbum, seed: int) -> SiteAlbum:
    """The album with hostile text in every field its page shows (its URL, ids, year and cover stay as they were)."""
    rng = np.random.default_rng((seed, HOSTILE_STREAM, album.index))
    title = f"{_snippet(rng)} {album.title}"
    if rng.random() < 0.25:
        title = (title + " " + "Long" * LONG_TITLE_CHARACTERS)[:LONG_TITLE_CHARACTERS]
    paragraphs = album.review_paragraphs
    if paragraphs:
        long_paragraph = (" ".join(SNIPPETS) + " ") * (LONG_REVIEW_CHARACTERS // len(" ".join(SNIPPETS)) + 1)
        paragraphs = (
            *(f"{_snippet(rng)} {p} {_snippet(rng)}" for p in paragraphs),
            long_paragraph[:LONG_REVIEW_CHARACTERS],
        )
    moods = list(album.moods)
    if moods:
        position = int(rng.integers(len(moods)))
        moods[position] = Tag(moods[position].id, _field(rng, moods[position].name, 200))
    return replace(
        album,
        title=title,
        artist=_field(rng, album.artist, 200),
        review_author=_field(rng, album.review_author, 150) if album.review_author else None,
        review_paragraphs=paragraphs,
        tracks=tuple(_field(rng, track, 200) for track in album.tracks),
        genres=tuple(Tag(tag.id, _field(rng, tag.name, 100)) for tag in album.genres),
        styles=tuple(Tag(tag.id, _field(rng, tag.name, 100)) for tag in album.styles),
        moods=tuple(moods),
        faults=(*album.faults, HOSTILE_TEXT),
    )

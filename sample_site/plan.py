"""Plan a site's albums from (size, seed, faults): pure computation, no files.

Each album draws from its own generator seeded by (seed, index), so an album's words, moods and cover do not
depend on the order of work; ids and fault assignment are drawn once per site.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from sample_site import names, vocabulary
from sample_site.faults import (
    AJAX_FAILURE,
    BOMB_SIDE,
    CANONICAL_MISMATCH,
    CORRUPT_IMAGE,
    CORRUPT_KINDS,
    IMAGE_BOMB,
    REDESIGNED,
    SERVER_ERROR,
    SLOW,
    UNKNOWN_MOOD,
    UNKNOWN_MOOD_ID_START,
    UNKNOWN_MOOD_NAMES,
    Faults,
    assign_content_faults,
    picked,
)
from sample_site.hostile import hostile_indices, make_hostile
from sample_site.model import SITE_CLOCK, Cover, SiteAlbum, Tag, UnknownMood

MIN_MOODS, MAX_MOODS = 3, 20
MAX_THEMES = 8
DESIGN_SHARES = (("2016", 0.05), ("2022", 0.62), ("2023", 0.33))
PNG_SHARE = 0.15
UNRATED_SHARE = 0.15
REVIEWED_SHARE = 0.72
SECOND_GENRE_SHARE = 0.2
COUNT_SUFFIX_SHARE = 0.3
TABS_RENDERED_SHARE = 0.3  # 2023 pages served with their moods and review tabs already in the page
TABS_RENDERED = "tabs_rendered"
PROFILE_SIZE_CUMULATIVE = np.cumsum([0.45, 0.4, 0.15])  # one, two or three dominant mood groups
PROFILE_BOOST = 15.0  # how much likelier a dominant group's moods are
PROFILE_LEAD = 2.0  # added to their order score (Gumbel noise has scale 1), so they mostly come first
PROFILE_POPULARITY_POWER = 0.5
RATING_WEIGHTS = np.array([1, 2, 4, 8, 15, 25, 25, 15, 5], dtype=float)  # ratings 2..10 (1 reads as unrated in 2023)
RATING_CUMULATIVE = np.cumsum(RATING_WEIGHTS / RATING_WEIGHTS.sum())
ID_SPACE = 3_900_000
ID_OFFSET = 100_000
LASTMOD_SPREAD_S = 3 * 365 * 86_400
ALBUM_STREAM, ARTIST_STREAM, FAULT_STREAM, SITE_STREAM = 2, 4, 3, 1


@dataclass(frozen=True)
class _Artist:
    name: str
    id: str
    genre: str
    start_year: int


def _weighted(rng: np.random.Generator, cumulative: np.ndarray) -> int:
    """An index drawn with the weights whose running sum (ending at 1) is `cumulative`."""
    return min(int(np.searchsorted(cumulative, rng.random(), side="right")), len(cumulative) - 1)


def _top_k(rng: np.random.Generator, log_weights: np.ndarray, k: int) -> np.ndarray:
    """k indices drawn without replacement in proportion to exp(log_weights), in draw order (Gumbel top-k)."""
    keys = log_weights + rng.gumbel(size=len(log_weights))
    return np.argsort(-keys, kind="stable")[:k]


def _artist(seed: int, index: int, number: int) -> _Artist:
    rng = np.random.default_rng((seed, ARTIST_STREAM, index))
    genres = vocabulary.genre_names()
    genre = genres[_weighted(rng, np.cumsum(vocabulary.genre_shares()))]
    earliest = vocabulary.GENRE_EARLIEST_YEAR.get(genre, 1950)
    start = int(np.clip(round(rng.triangular(1950, 1985, 2024)), earliest, 2024))
    return _Artist(name=names.artist_name(rng, genre), id=f"mn{number:010d}", genre=genre, start_year=start)


def mood_profile(rng: np.random.Generator, group_lean: np.ndarray) -> np.ndarray:
    """The album's dominant mood groups (one to three), drawn in proportion to genre/era lean and group size."""
    size = 1 + _weighted(rng, PROFILE_SIZE_CUMULATIVE)
    return _top_k(rng, np.log(group_lean * vocabulary.group_popularity() ** PROFILE_POPULARITY_POWER), size)


def sample_moods(rng: np.random.Generator, genres: tuple[str, ...], year: int) -> list[int]:
    """Indices into `moods_in_use()` in the site's order: the album's dominant groups' moods mostly first, then the
    rest by genre and era typicality, with noise. Moods of the dominant groups are PROFILE_BOOST times likelier."""
    groups = vocabulary.mood_group_index()
    group_lean = vocabulary.group_lean(genres, year)
    boost = np.ones(len(group_lean))
    boost[mood_profile(rng, group_lean)] = PROFILE_BOOST
    lean = group_lean[groups]
    dominant = boost[groups] > 1
    probabilities = np.minimum(vocabulary.base_probabilities() * lean * boost[groups], 0.9)
    included = rng.random(len(probabilities)) < probabilities
    score = np.log(lean) + PROFILE_LEAD * dominant + rng.gumbel(size=len(probabilities))
    chosen = np.flatnonzero(included)
    if len(chosen) < MIN_MOODS:
        rest = np.flatnonzero(~included)
        extra = rest[_top_k(rng, np.log(probabilities[rest]), MIN_MOODS - len(chosen))]
        chosen = np.concatenate([chosen, extra])
    ordered = chosen[np.argsort(-score[chosen], kind="stable")]
    return [int(i) for i in ordered[:MAX_MOODS]]


def _themes(rng: np.random.Generator) -> tuple[Tag, ...]:
    if rng.random() < 0.1:
        return ()
    themes = vocabulary.themes_in_use()
    picks = _top_k(rng, np.log(vocabulary.theme_weights()), 1 + names.below(rng, MAX_THEMES))
    return tuple(Tag(*themes[int(i)]) for i in picks)


def _genres(rng: np.random.Generator, artist: _Artist) -> tuple[str, ...]:
    all_genres = vocabulary.genre_names()
    shares = vocabulary.genre_shares()
    primary = artist.genre if rng.random() < 0.8 else all_genres[_weighted(rng, np.cumsum(shares))]
    if rng.random() >= SECOND_GENRE_SHARE:
        return (primary,)
    others = [i for i, name in enumerate(all_genres) if name != primary]
    weights = shares[others] / shares[others].sum()
    return (primary, all_genres[others[_weighted(rng, np.cumsum(weights))]])


def _styles(rng: np.random.Generator, genres: tuple[str, ...]) -> tuple[Tag, ...]:
    ids = vocabulary.style_ids()
    pool = vocabulary.STYLES[genres[0]]
    picks = [pool[int(i)] for i in rng.permutation(len(pool))[: 1 + names.below(rng, min(4, len(pool)))]]
    if len(genres) > 1 and rng.random() < 0.5:
        second = vocabulary.STYLES[genres[1]]
        picks.append(second[names.below(rng, len(second))])
    return tuple(Tag(ids[name], name) for name in picks)


def _design(rng: np.random.Generator) -> str:
    u = rng.random()
    for design, share in DESIGN_SHARES:
        if u < share:
            return design
        u -= share
    return DESIGN_SHARES[-1][0]


def _cover(rng: np.random.Generator, album_id: str) -> Cover:
    fmt = "PNG" if rng.random() < PNG_SHARE else "JPEG"
    if rng.random() < 0.6:
        width = height = 256
    else:
        width, height = 232 + names.below(rng, 49), 232 + names.below(rng, 49)
    return Cover(
        file=f"images/cover/{album_id}.{'png' if fmt == 'PNG' else 'jpg'}", format=fmt, width=width, height=height
    )


def _lastmod(rng: np.random.Generator, release: date) -> datetime:
    moment = SITE_CLOCK - timedelta(seconds=names.below(rng, LASTMOD_SPREAD_S))
    earliest = datetime.combine(release, time(), UTC) + timedelta(days=7)
    return min(max(moment, earliest), SITE_CLOCK - timedelta(hours=1))


def _album(seed: int, index: int, album_id: str, artists: list[_Artist]) -> SiteAlbum:
    rng = np.random.default_rng((seed, ALBUM_STREAM, index))
    artist = artists[names.below(rng, len(artists))]
    genres = _genres(rng, artist)
    earliest = max(vocabulary.GENRE_EARLIEST_YEAR.get(genre, 1950) for genre in genres)
    year = min(max(artist.start_year + names.below(rng, 16), earliest), 2024)
    release_date = date(year, 1 + names.below(rng, 12), 1 + names.below(rng, 28)) if rng.random() < 0.85 else None
    in_use = vocabulary.moods_in_use()
    moods = tuple(Tag(in_use[i].id, in_use[i].name) for i in sample_moods(rng, genres, year))
    themes = _themes(rng)
    styles = _styles(rng, genres)
    design = _design(rng)
    title = names.album_title(rng)
    rating = None if rng.random() < UNRATED_SHARE else 2 + _weighted(rng, RATING_CUMULATIVE)
    reviewed = rng.random() < REVIEWED_SHARE
    author = names.critic(rng) if reviewed else None
    paragraphs = (
        names.review_paragraphs(
            rng,
            title=title,
            artist=artist.name,
            year=year,
            genre=genres[0],
            style=styles[0].name,
            moods=tuple(m.name for m in moods),
        )
        if reviewed
        else ()
    )
    tracks = names.track_titles(rng, 6 + names.below(rng, 9))
    duration_s = 1_800 + names.below(rng, 3_000)
    cover = _cover(rng, album_id)
    lastmod = _lastmod(rng, release_date or date(year, 1, 1))
    counts = (
        tuple(sorted((int(c) for c in rng.integers(1, 13, size=len(moods))), reverse=True))
        if design == "2023" and rng.random() < COUNT_SUFFIX_SHARE
        else ()
    )
    return SiteAlbum(
        index=index,
        id=album_id,
        slug=vocabulary.slugify(title),
        design=design,
        title=title,
        artist=artist.name,
        artist_id=artist.id,
        release_date=release_date,
        year=year,
        rating=rating,
        review_author=author,
        review_paragraphs=paragraphs,
        genres=tuple(Tag(vocabulary.genre_id(g), g) for g in genres),
        styles=styles,
        moods=moods,
        themes=themes,
        tracks=tracks,
        duration_s=duration_s,
        cover=cover,
        lastmod=lastmod,
        mood_counts=counts,
        tabs_rendered=design == "2023" and picked(seed, TABS_RENDERED, album_id, TABS_RENDERED_SHARE),
    )


def album_paths(album: SiteAlbum) -> tuple[str, ...]:
    """Every URL path a crawl of the album asks for: its page, its 2023 fragments (unless the page has its tabs
    rendered), its cover."""
    subrequests = album.design == "2023" and not album.tabs_rendered
    fragments = (f"{album.path}/moodsThemesAjax", f"{album.path}/reviewAjax") if subrequests else ()
    return (album.path, *fragments, album.cover.path)


def _with_faults(
    album: SiteAlbum, seed: int, content_fault: str | None, faults: Faults, other_id: str = ""
) -> SiteAlbum:
    rng = np.random.default_rng((seed, FAULT_STREAM, album.index))
    applied: list[str] = [content_fault] if content_fault else []
    changes: dict[str, object] = {}
    if content_fault == UNKNOWN_MOOD:
        number = UNKNOWN_MOOD_ID_START + album.index
        name = UNKNOWN_MOOD_NAMES[names.below(rng, len(UNKNOWN_MOOD_NAMES))]
        position = names.below(rng, len(album.moods) + 1)
        changes["unknown_mood"] = UnknownMood(id=f"xa{number:010d}", name=name, position=position)
    elif content_fault == CORRUPT_IMAGE:
        kind = CORRUPT_KINDS[names.below(rng, len(CORRUPT_KINDS))]
        changes["corrupt_kind"] = kind
        changes["cover"] = replace(album.cover, format="JPEG", file=f"images/cover/{album.id}.jpg")
    elif content_fault == IMAGE_BOMB:
        changes["cover"] = Cover(file=f"images/cover/{album.id}.png", format="PNG", width=BOMB_SIDE, height=BOMB_SIDE)
    elif content_fault == CANONICAL_MISMATCH:
        changes["canonical_id"] = other_id
    elif content_fault == REDESIGNED:
        changes.update(design="2023", tabs_rendered=False)
    album = replace(album, **changes)
    return replace(album, faults=(*applied, *transient_faults(album, seed, faults)))


def transient_faults(album: SiteAlbum, seed: int, faults: Faults) -> tuple[str, ...]:
    """The transient faults the server gives this album's URLs (decided by hashing the URL paths)."""
    applied = []
    if any(picked(seed, SERVER_ERROR, path, faults.server_errors) for path in album_paths(album)):
        applied.append(SERVER_ERROR)
    if picked(seed, SLOW, album.path, faults.slow_pages):
        applied.append(SLOW)
    subrequests = album.design == "2023" and not album.tabs_rendered
    if subrequests and picked(seed, AJAX_FAILURE, album.path, faults.ajax_failures):
        applied.append(AJAX_FAILURE)
    return tuple(applied)


class SitePlanner:
    """Plans any album of one site on demand: ids, artists and content faults are drawn once, up front."""

    def __init__(self, albums: int, seed: int, faults: Faults | None = None) -> None:
        self.albums, self.seed, self.faults = albums, seed, (faults or Faults()).check()
        site = np.random.default_rng((seed, SITE_STREAM))
        artist_count = max(1, albums // 4)
        self._album_numbers = site.choice(ID_SPACE, size=albums, replace=False) + ID_OFFSET
        artist_numbers = site.choice(ID_SPACE, size=artist_count, replace=False) + ID_OFFSET
        self._artists = [_artist(seed, j, int(artist_numbers[j])) for j in range(artist_count)]
        self._content = assign_content_faults(albums, seed, self.faults)
        self._hostile = hostile_indices(albums, seed, self.faults.hostile_text)

    def album(self, index: int) -> SiteAlbum:
        """Album number `index` (0-based) of the site."""
        album_id = f"mw{int(self._album_numbers[index]):010d}"
        planned = _album(self.seed, index, album_id, self._artists)
        other_id = f"mw{int(self._album_numbers[(index + 1) % self.albums]):010d}"
        album = _with_faults(planned, self.seed, self._content.get(index), self.faults, other_id)
        return make_hostile(album, self.seed) if index in self._hostile else album


def plan_albums(albums: int, seed: int, faults: Faults | None = None) -> list[SiteAlbum]:
    """The albums of a site of `albums` albums for `seed`, with `faults` applied (none by default)."""
    planner = SitePlanner(albums, seed, faults)
    return [planner.album(i) for i in range(albums)]

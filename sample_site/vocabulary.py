"""Which moods, themes, genres and styles the sample site uses, how often, and how they lean on genre and era.

The moods are the site's real ones (`bundled_moods()`): the 188 of the 2020 ISMIR study, the study's five
rarest (Arid, Sacred, Funereal, Plain, Monastic), and a few more (Bouncy, whose id is `ma…`, Anthemic,
Triumphant, Mysterious). Each belongs to one group of near-synonyms; a group shares one cover signature
(`covers.py`) and one genre and era preference.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache

import numpy as np

from albumml.catalogue.vocabulary import bundled_moods, bundled_themes
from sample_site.errors import SampleSiteError

MOOD_GROUPS: dict[str, tuple[str, ...]] = {
    "energetic": ("Energetic", "Rousing", "Exuberant", "Exciting", "Lively", "Animated", "Driving", "Urgent"),
    "rowdy": (
        "Boisterous",
        "Rollicking",
        "Rambunctious",
        "Raucous",
        "Rowdy",
        "Reckless",
        "Freewheeling",
        "Ramshackle",
        "Messy",
        "Trashy",
        "Greasy",
        "Manic",
    ),
    "aggressive": (
        "Aggressive",
        "Angry",
        "Hostile",
        "Belligerent",
        "Confrontational",
        "Fierce",
        "Fiery",
        "Visceral",
        "Volatile",
        "Intense",
        "Harsh",
        "Uncompromising",
        "Crunchy",
    ),
    "dark": (
        "Menacing",
        "Ominous",
        "Malevolent",
        "Spooky",
        "Eerie",
        "Paranoid",
        "Unsettling",
        "Suffocating",
        "Nihilistic",
        "Tense/Anxious",
    ),
    "melancholy": (
        "Melancholy",
        "Bittersweet",
        "Wistful",
        "Yearning",
        "Plaintive",
        "Poignant",
        "Nostalgic",
        "Sentimental",
        "Autumnal",
        "Sad",
        "Weary",
    ),
    "bleak": (
        "Bleak",
        "Gloomy",
        "Somber",
        "Brooding",
        "Angst-Ridden",
        "Anguished/Distraught",
        "Bitter",
        "Cathartic",
        "Austere",
        "Funereal",
    ),
    "happy": (
        "Happy",
        "Cheerful",
        "Joyous",
        "Optimistic",
        "Positive",
        "Uplifting",
        "Celebratory",
        "Summery",
        "Springlike",
        "Bright",
        "Effervescent",
        "Sparkling",
    ),
    "playful": (
        "Playful",
        "Fun",
        "Silly",
        "Giddy",
        "Gleeful",
        "Whimsical",
        "Quirky",
        "Eccentric",
        "Humorous",
        "Campy",
        "Outrageous",
        "Bouncy",
    ),
    "amiable": (
        "Amiable/Good-Natured",
        "Agreeable",
        "Carefree",
        "Light",
        "Sweet",
        "Sugary",
        "Innocent",
        "Naive",
        "Warm",
        "Melodic",
    ),
    "earnest": ("Earnest", "Thoughtful", "Reflective", "Introspective", "Searching", "Literate", "Intimate"),
    "calm": (
        "Calm/Peaceful",
        "Soothing",
        "Relaxed",
        "Laid-Back/Mellow",
        "Gentle",
        "Soft/Quiet",
        "Delicate",
        "Flowing",
    ),
    "dreamy": ("Dreamy", "Ethereal", "Atmospheric", "Spacey", "Hypnotic", "Trippy", "Druggy", "Meandering"),
    "romantic": ("Romantic", "Passionate", "Sensual", "Sexy", "Sexual", "Smooth", "Spicy", "Tender"),
    "sophisticated": ("Sophisticated", "Elegant", "Refined", "Stylish", "Slick", "Lush", "Precious"),
    "epic": (
        "Epic",
        "Dramatic",
        "Ambitious",
        "Elaborate",
        "Theatrical",
        "Sprawling",
        "Complex",
        "Indulgent",
    ),
    "cerebral": ("Cerebral", "Clinical", "Detached", "Knotty", "Difficult", "Fractured", "Circular", "Insular"),
    "wry": (
        "Wry",
        "Witty",
        "Ironic",
        "Cynical/Sarcastic",
        "Snide",
        "Acerbic",
        "Irreverent",
        "Provocative",
        "Self-Conscious",
    ),
    "rebellious": (
        "Rebellious",
        "Brash",
        "Swaggering",
        "Bravado",
        "Gutsy",
        "Street-Smart",
        "Gritty",
        "Brassy",
        "Hedonistic",
        "Sleazy",
    ),
    "reverent": ("Spiritual", "Reverent", "Sacred", "Monastic", "Stately", "Reserved", "Restrained"),
    "earthy": ("Earthy", "Rustic", "Pastoral", "Organic", "Plain", "Arid", "Sparse"),
    "nocturnal": ("Nocturnal", "Enigmatic", "Wintry", "Cold", "Brittle", "Mysterious"),
    "strong": ("Strong", "Confident", "Powerful", "Tough", "Anthemic", "Triumphant"),
}

HEAD_MOODS = ("Amiable/Good-Natured", "Playful", "Earnest", "Rousing", "Energetic")
TAIL_MOODS = ("Arid", "Sacred", "Funereal", "Plain", "Monastic")

# Marginal inclusion probability by popularity rank (as a fraction of the list): a flat head of five moods in
# about a third of albums, then a long tail down to a handful of albums in 2,000.
POPULARITY_ANCHORS = ((0.0, 0.26), (0.025, 0.23), (0.1, 0.125), (0.3, 0.045), (0.6, 0.016), (0.9, 0.005), (1.0, 0.0018))

GENRES: dict[str, tuple[str, float]] = {
    "Pop/Rock": ("ma0000002613", 0.42),
    "Electronic": ("ma0000002572", 0.08),
    "Jazz": ("ma0000002674", 0.08),
    "R&B": ("ma0000002809", 0.08),
    "Rap": ("ma0000002816", 0.06),
    "Country": ("ma0000002532", 0.05),
    "Folk": ("ma0000002592", 0.05),
    "Blues": ("ma0000002467", 0.04),
    "Classical": ("ma0000002521", 0.04),
    "International": ("ma0000002660", 0.03),
    "Latin": ("ma0000002692", 0.03),
    "Reggae": ("ma0000002820", 0.02),
    "New Age": ("ma0000002745", 0.01),
    "Stage & Screen": ("ma0000004432", 0.01),
}

GENRE_EARLIEST_YEAR = {"Rap": 1979, "Electronic": 1970, "New Age": 1972, "Reggae": 1966}

STYLES: dict[str, tuple[str, ...]] = {
    "Pop/Rock": (
        "Album Rock",
        "Hard Rock",
        "Art Rock",
        "Country-Rock",
        "Rock & Roll",
        "Blues-Rock",
        "Singer/Songwriter",
        "Contemporary Pop/Rock",
        "Arena Rock",
        "Alternative/Indie Rock",
        "Punk",
        "Heavy Metal",
        "Indie Pop",
        "Psychedelic",
        "Soft Rock",
        "Synth Pop",
        "Post-Punk",
        "Britpop",
        "Prog-Rock",
    ),
    "Electronic": ("House", "Techno", "Ambient", "IDM", "Electro", "Drum'n'Bass", "Trip-Hop", "Downtempo"),
    "Jazz": ("Bebop", "Hard Bop", "Cool", "Modal Music", "Free Jazz", "Fusion", "Soul Jazz", "Vocal Jazz"),
    "R&B": ("Soul", "Contemporary R&B", "Funk", "Motown", "Neo-Soul", "Quiet Storm", "Disco"),
    "Rap": ("Hardcore Rap", "Alternative Rap", "Gangsta Rap", "East Coast Rap", "West Coast Rap", "Southern Rap"),
    "Country": ("Honky Tonk", "Outlaw Country", "Bluegrass", "Country-Pop", "Americana", "Nashville Sound"),
    "Folk": ("Contemporary Folk", "Traditional Folk", "Folk-Rock", "British Folk", "Anti-Folk"),
    "Blues": ("Chicago Blues", "Delta Blues", "Electric Blues", "Acoustic Blues", "Jump Blues"),
    "Classical": ("Symphony", "Chamber Music", "Opera", "Concerto", "Choral", "Keyboard"),
    "International": ("Afro-Pop", "Celtic", "French Pop", "Highlife", "Fado"),
    "Latin": ("Salsa", "Bossa Nova", "Tango", "Latin Pop", "Mambo"),
    "Reggae": ("Roots Reggae", "Dub", "Dancehall", "Ska", "Rocksteady"),
    "New Age": ("Meditation/Relaxation", "New Age Ambient", "Healing"),
    "Stage & Screen": ("Soundtracks", "Musicals", "Film Score", "Video Game Music"),
}

KNOWN_STYLE_IDS = {  # the real ids seen in the saved pages; the others are numbered from STYLE_ID_START
    "Country-Rock": "ma0000002536",
    "Rock & Roll": "ma0000002829",
    "Album Rock": "ma0000004459",
    "Blues-Rock": "ma0000002468",
    "Singer/Songwriter": "ma0000002855",
    "Art Rock": "ma0000002431",
    "Contemporary Pop/Rock": "ma0000004443",
    "Hard Rock": "ma0000002636",
    "Arena Rock": "ma0000012329",
    "Contemporary R&B": "ma0000002969",
}
STYLE_ID_START = 90_000

GENRE_MOOD_LEAN: dict[str, dict[str, float]] = {
    "Pop/Rock": {"energetic": 1.3, "rowdy": 1.2, "rebellious": 1.2, "melancholy": 1.1, "reverent": 0.4},
    "Electronic": {"dreamy": 2.5, "cerebral": 2.0, "nocturnal": 2.0, "energetic": 1.4, "earthy": 0.3, "earnest": 0.5},
    "Jazz": {"sophisticated": 2.5, "cerebral": 1.6, "nocturnal": 1.6, "calm": 1.4, "aggressive": 0.3, "rowdy": 0.6},
    "R&B": {"romantic": 3.0, "sophisticated": 1.5, "happy": 1.3, "cerebral": 0.4, "bleak": 0.5},
    "Rap": {"rebellious": 3.0, "aggressive": 2.0, "wry": 2.0, "dark": 1.4, "reverent": 0.2, "calm": 0.3},
    "Country": {"earthy": 3.0, "earnest": 1.8, "melancholy": 1.5, "amiable": 1.4, "cerebral": 0.3, "dreamy": 0.4},
    "Folk": {"earthy": 2.2, "earnest": 2.2, "melancholy": 1.8, "calm": 1.5, "aggressive": 0.2, "rowdy": 0.5},
    "Blues": {"rowdy": 2.0, "melancholy": 1.6, "earthy": 1.5, "rebellious": 1.3, "cerebral": 0.4, "dreamy": 0.4},
    "Classical": {"epic": 3.0, "reverent": 3.0, "sophisticated": 2.0, "calm": 1.8, "rowdy": 0.15, "rebellious": 0.15},
    "International": {"playful": 1.5, "happy": 1.6, "earthy": 1.5, "amiable": 1.4},
    "Latin": {"romantic": 2.0, "happy": 2.0, "energetic": 1.5, "playful": 1.3, "bleak": 0.4},
    "Reggae": {"calm": 2.0, "amiable": 1.8, "rebellious": 1.5, "happy": 1.4, "aggressive": 0.4},
    "New Age": {"calm": 3.5, "reverent": 2.5, "dreamy": 2.5, "aggressive": 0.1, "rowdy": 0.2, "rebellious": 0.2},
    "Stage & Screen": {"epic": 3.0, "playful": 1.5, "dark": 1.5, "happy": 1.3},
}

ERA_MOOD_LEAN: tuple[tuple[int, dict[str, float]], ...] = (  # (first year of the era, group multipliers)
    (1950, {"amiable": 1.6, "romantic": 1.4, "earthy": 1.3, "aggressive": 0.3, "dark": 0.4, "dreamy": 0.5}),
    (1965, {"dreamy": 1.4, "earthy": 1.3, "rebellious": 1.2, "epic": 1.2}),
    (1980, {"energetic": 1.3, "sophisticated": 1.2, "strong": 1.3, "aggressive": 1.2}),
    (1995, {"dark": 1.4, "bleak": 1.4, "wry": 1.3, "aggressive": 1.3, "amiable": 0.8}),
    (2010, {"dreamy": 1.5, "nocturnal": 1.4, "bleak": 1.2, "melancholy": 1.2, "earthy": 0.8}),
)


@dataclass(frozen=True)
class MoodInUse:
    """One mood the sample site uses: the site's id and name, its group and its base frequency."""

    id: str
    name: str
    group: str
    base_probability: float


def slugify(name: str) -> str:
    """The site's URL slug of a name: lower case, runs of other characters turned into one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "untitled"


def _stable_key(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def popularity(rank_fraction: np.ndarray) -> np.ndarray:
    """Base inclusion probability at each rank fraction (0 = most popular), log-linear between anchors."""
    xs = np.array([a for a, _ in POPULARITY_ANCHORS])
    ys = np.log(np.array([b for _, b in POPULARITY_ANCHORS]))
    return np.exp(np.interp(rank_fraction, xs, ys))


@cache
def moods_in_use() -> tuple[MoodInUse, ...]:
    """The moods in use, most popular first: the study's top five, a fixed hash order, the study's rarest five."""
    ids = {tag.name: tag.id for tag in bundled_moods()}
    group_of = {name: group for group, names in MOOD_GROUPS.items() for name in names}
    missing = sorted(set(group_of) - set(ids))
    if missing:
        raise SampleSiteError(f"moods {missing} are not in the bundled vocabulary; fix MOOD_GROUPS in {__name__}")
    middle = sorted(set(group_of) - set(HEAD_MOODS) - set(TAIL_MOODS), key=_stable_key)
    ordered = [*HEAD_MOODS, *middle, *TAIL_MOODS]
    probabilities = popularity(np.linspace(0.0, 1.0, len(ordered)))
    return tuple(
        MoodInUse(id=ids[name], name=name, group=group_of[name], base_probability=float(p))
        for name, p in zip(ordered, probabilities, strict=True)
    )


@cache
def group_names() -> tuple[str, ...]:
    """The mood groups in a fixed order (the order of MOOD_GROUPS)."""
    return tuple(MOOD_GROUPS)


@cache
def mood_group_index() -> np.ndarray:
    """For each mood in use, the index of its group in `group_names()`."""
    position = {group: i for i, group in enumerate(group_names())}
    return np.array([position[mood.group] for mood in moods_in_use()], dtype=np.int64)


@cache
def base_probabilities() -> np.ndarray:
    """Each mood in use's base inclusion probability, in `moods_in_use()` order."""
    return np.array([mood.base_probability for mood in moods_in_use()])


@cache
def group_popularity() -> np.ndarray:
    """Each group's summed base probability, in `group_names()` order: how common the group is overall."""
    return np.bincount(mood_group_index(), weights=base_probabilities(), minlength=len(group_names()))


@cache
def _genre_lean_table() -> dict[str, np.ndarray]:
    groups = group_names()
    return {genre: np.array([GENRE_MOOD_LEAN.get(genre, {}).get(group, 1.0) for group in groups]) for genre in GENRES}


@cache
def _era_lean_table() -> tuple[tuple[int, np.ndarray], ...]:
    groups = group_names()
    return tuple((start, np.array([lean.get(g, 1.0) for g in groups])) for start, lean in ERA_MOOD_LEAN)


def group_lean(genres: tuple[str, ...], year: int) -> np.ndarray:
    """Multiplier per mood group for an album of these genres and year (genres averaged, times the era's)."""
    table = _genre_lean_table()
    genre_part = table[genres[0]] if len(genres) == 1 else np.mean([table[genre] for genre in genres], axis=0)
    era_part = _era_lean_table()[0][1]
    for start, lean in _era_lean_table():
        if year >= start:
            era_part = lean
    return genre_part * era_part


def genre_names() -> tuple[str, ...]:
    """The genres in use, most common first."""
    return tuple(GENRES)


def genre_shares() -> np.ndarray:
    """Each genre's share of primary genres, in `genre_names()` order."""
    shares = np.array([share for _, share in GENRES.values()])
    return shares / shares.sum()


def genre_id(name: str) -> str:
    """The site's id of a genre."""
    return GENRES[name][0]


@cache
def style_ids() -> dict[str, str]:
    """Every style's id: the real one where known, else a number in a reserved range, in name order."""
    names = sorted({style for styles in STYLES.values() for style in styles} - set(KNOWN_STYLE_IDS))
    made = {name: f"ma{STYLE_ID_START + i:010d}" for i, name in enumerate(names)}
    return {**made, **KNOWN_STYLE_IDS}


@cache
def themes_in_use() -> tuple[tuple[str, str], ...]:
    """The themes in use as (id, name), most popular first in a fixed hash order (all of the site's themes)."""
    return tuple(sorted(((t.id, t.name) for t in bundled_themes()), key=lambda pair: _stable_key(pair[1])))


@cache
def theme_weights() -> np.ndarray:
    """Relative theme popularity (Zipf-like), in `themes_in_use()` order."""
    ranks = np.arange(1, len(themes_in_use()) + 1)
    weights = 1.0 / ranks**0.9
    return weights / weights.sum()

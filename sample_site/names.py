"""Made-up names and words for the sample site: artists, titles, tracks, critics and review text.

Everything is drawn from a numpy Generator the caller owns, so an album's words are a function of its seed.
Some names carry `&`, `'` and `:` on purpose, so pages exercise HTML escaping.
"""

from __future__ import annotations

import numpy as np

FIRST_NAMES = (
    "Ada",
    "Ben",
    "Cleo",
    "Dale",
    "Edie",
    "Floyd",
    "Greta",
    "Hal",
    "Iris",
    "Jules",
    "Kit",
    "Lena",
    "Milo",
    "Nina",
    "Otis",
    "Pearl",
    "Quinn",
    "Ray",
    "Sade",
    "Tom",
    "Ula",
    "Vern",
    "Wanda",
    "Xavier",
    "Yoko",
    "Zeke",
    "Mavis",
    "Curtis",
    "Loretta",
    "Dexter",
    "Odetta",
    "Gil",
    "Nico",
    "Etta",
    "Townes",
    "Ornette",
    "Joni",
    "Sly",
    "Bix",
)
LAST_NAMES = (
    "Abernathy",
    "Baxter",
    "Calloway",
    "Dunmore",
    "Ellery",
    "Fairweather",
    "Garland",
    "Holloway",
    "Ingram",
    "Jessup",
    "Kimbrough",
    "Lockhart",
    "Marlowe",
    "Northcott",
    "O'Hara",
    "Pettibone",
    "Quarles",
    "Rutherford",
    "Sandoval",
    "Thistlewood",
    "Underhill",
    "Vance",
    "Whitlock",
    "Yardley",
    "Zellweger",
    "McAllister",
    "Ravel",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Castellanos",
    "Nakamura",
    "Brennan",
    "Delacroix",
)
BAND_ADJECTIVES = (
    "Velvet",
    "Electric",
    "Silver",
    "Crimson",
    "Hollow",
    "Paper",
    "Midnight",
    "Golden",
    "Broken",
    "Wild",
    "Neon",
    "Quiet",
    "Burning",
    "Little",
    "Northern",
    "Lucky",
    "Static",
    "Wandering",
    "Iron",
    "Blue",
    "Sunday",
    "Feral",
)
BAND_NOUNS = (
    "Owls",
    "Engines",
    "Rivers",
    "Saints",
    "Lanterns",
    "Ghosts",
    "Horses",
    "Pilots",
    "Sparrows",
    "Machines",
    "Orchids",
    "Wolves",
    "Tigers",
    "Shadows",
    "Strangers",
    "Comets",
    "Harbors",
    "Mirrors",
    "Giants",
    "Kings",
)
TITLE_ADJECTIVES = (
    "Long",
    "Bright",
    "Secret",
    "Broken",
    "Endless",
    "Silent",
    "Golden",
    "Distant",
    "Lonely",
    "Sweet",
    "Restless",
    "Hidden",
    "Crooked",
    "Tender",
    "Burning",
    "Hollow",
    "Perfect",
    "Strange",
    "Last",
    "First",
    "Open",
    "Wild",
)
TITLE_NOUNS = (
    "Road",
    "River",
    "Summer",
    "Night",
    "Heart",
    "City",
    "Garden",
    "Window",
    "Highway",
    "Harbor",
    "Mountain",
    "Kingdom",
    "Station",
    "Letter",
    "Season",
    "Mirror",
    "Island",
    "Fire",
    "Rain",
    "Parade",
    "Machine",
    "Country",
    "Ballroom",
    "Horizon",
    "Daydream",
    "Lullaby",
    "Carnival",
    "Frontier",
    "Signal",
    "Orchard",
)
PLACES = ("the Fillmore", "Budokan", "Montreux", "the Apollo", "Carnegie Hall", "the Roxy", "Rio", "the Troubadour")
CRITICS = (
    "William Ruhlmann",
    "Stephen Thomas Erlewine",
    "Greg Prato",
    "Heather Phares",
    "Thom Jurek",
    "Mark Deming",
    "Andy Kellman",
    "Jason Ankeny",
    "Tim Sendra",
    "Marisa Brown",
    "Fred Thomas",
    "Matt Collar",
    "Paul Simpson",
    "Jon O'Brien",
    "Neil Z. Yeung",
    "Rob Theakston",
    "Ned Raggett",
    "Scott Yanow",
    "David Jeffries",
    "Alex Henderson",
)
ORDINALS = ("debut", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
SENTENCES = (
    "{artist}'s {ordinal} album arrived in {year}, and it sounds like nothing else in the {genre} racks of its day.",
    "On {title}, the songs lean {mood1} and {mood2}, held together by arrangements that never waste a bar.",
    "The opening track sets the tone: {mood1}, unhurried, and sure of where it is going.",
    "There are moments of {style} here, but the record is too restless to settle into one idiom.",
    "Few {genre} records of the era manage to be this {mood2} without tipping into sentimentality.",
    "The production is clean but never sterile, and the rhythm section gives even the quieter songs a pulse.",
    "If the second half sags a little, the closing stretch more than makes up for it.",
    "Listeners who came for the singles will find the deep cuts just as rewarding.",
    "{title} was not a commercial breakthrough, but its reputation has only grown since {year}.",
    "The lyrics are sharper than they first appear, full of small, {mood3} observations.",
    "It is the sound of a band that has learned to trust its instincts.",
    "By the final notes, {title} feels less like a collection of songs than a single, {mood1} statement.",
    "The reissue adds a handful of outtakes that show how carefully the album was assembled.",
    "Not everything works, but the ambition is never in doubt.",
    "Fans of {style} will want to hear it, and so will anyone curious about where {genre} was heading.",
)


def below(rng: np.random.Generator, n: int) -> int:
    """A uniform integer in [0, n): a faster scalar draw than `rng.integers`."""
    return int(rng.random() * n)


def _pick(rng: np.random.Generator, words: tuple[str, ...]) -> str:
    return words[below(rng, len(words))]


def artist_name(rng: np.random.Generator, genre: str) -> str:
    """A made-up artist name, shaped a little by the genre (trios in jazz, orchestras in classical)."""
    form = below(rng, 6)
    first, last = _pick(rng, FIRST_NAMES), _pick(rng, LAST_NAMES)
    adjective, noun = _pick(rng, BAND_ADJECTIVES), _pick(rng, BAND_NOUNS)
    if genre == "Jazz" and form < 3:
        return f"{first} {last} {_pick(rng, ('Trio', 'Quartet', 'Quintet', 'Sextet'))}"
    if genre == "Classical" and form < 4:
        return f"{_pick(rng, ('The', 'Royal', 'New'))} {noun[:-1]} {_pick(rng, ('Orchestra', 'Ensemble', 'Consort'))}"
    if genre in ("Rap", "Electronic") and form < 3:
        return f"{_pick(rng, ('DJ', 'MC', 'Lil', 'Kid'))} {adjective}"
    return (
        f"{first} {last}",
        f"The {adjective} {noun}",
        f"{adjective} {noun}",
        f"{first} {last} & the {noun}",
        f"{last}",
        f"{first} {last}",
    )[form]


def album_title(rng: np.random.Generator) -> str:
    """A made-up album title."""
    adjective, noun, other = _pick(rng, TITLE_ADJECTIVES), _pick(rng, TITLE_NOUNS), _pick(rng, TITLE_NOUNS)
    form = below(rng, 9)
    return (
        f"{adjective} {noun}",
        f"The {adjective} {noun}",
        f"{noun} of the {other}",
        f"Songs from the {noun}",
        f"{noun}s & {other}s",
        f"Live at {_pick(rng, PLACES)}",
        f"{noun}: {adjective} {other}",
        f"{adjective} {noun}, Vol. {1 + below(rng, 3)}",
        f"Don't Wake the {noun}",
    )[form]


def track_titles(rng: np.random.Generator, count: int) -> tuple[str, ...]:
    """Made-up track titles."""
    titles = []
    for _ in range(count):
        adjective, noun = _pick(rng, TITLE_ADJECTIVES), _pick(rng, TITLE_NOUNS)
        titles.append((f"{adjective} {noun}", f"{noun} Song", f"Ballad of the {noun}", f"{noun} Blues")[below(rng, 4)])
    return tuple(titles)


def critic(rng: np.random.Generator) -> str:
    """A staff critic's name."""
    return _pick(rng, CRITICS)


def review_paragraphs(
    rng: np.random.Generator, *, title: str, artist: str, year: int, genre: str, style: str, moods: tuple[str, ...]
) -> tuple[str, ...]:
    """Two to four paragraphs of plausible review prose that mention the album's leading moods."""
    words = [mood.split("/")[0].lower() for mood in moods[:3]] or ["earnest"]
    while len(words) < 3:
        words.append(words[-1])
    fields = {
        "artist": artist,
        "title": title,
        "year": year,
        "genre": genre,
        "style": style,
        "ordinal": _pick(rng, ORDINALS),
        "mood1": words[0],
        "mood2": words[1],
        "mood3": words[2],
    }
    paragraphs = []
    for _ in range(2 + below(rng, 3)):
        chosen = rng.permutation(len(SENTENCES))[: 3 + below(rng, 3)]
        paragraphs.append(" ".join(SENTENCES[i].format(**fields) for i in chosen))
    return tuple(paragraphs)

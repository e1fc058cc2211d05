"""Fault knobs: which albums get a broken page, cover or response, all decided by the seed.

Content faults are permanent and exclusive (an album has at most one): a malformed page, a missing, corrupt
or bomb cover, no moods section, an unknown mood, a redirect loop, a canonical URL naming another album, or a
page redesigned under markup the crawler does not know (the `redesign` knob). Transient faults recover on retry or only
cost time: 503 on the first attempt(s) per URL, a slow album page, a 500 from a 2023 `moodsThemesAjax`.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from sample_site.errors import SampleSiteError

MALFORMED_PAGE = "malformed_page"
MISSING_COVER = "missing_cover"
CORRUPT_IMAGE = "corrupt_image"
IMAGE_BOMB = "image_bomb"
NO_MOODS_SECTION = "no_moods_section"
UNKNOWN_MOOD = "unknown_mood"
REDIRECT_LOOP = "redirect_loop"
CANONICAL_MISMATCH = "canonical_mismatch"
REDESIGNED = "redesigned"
CONTENT_FAULTS = (
    MALFORMED_PAGE,
    MISSING_COVER,
    CORRUPT_IMAGE,
    IMAGE_BOMB,
    NO_MOODS_SECTION,
    UNKNOWN_MOOD,
    REDIRECT_LOOP,
    CANONICAL_MISMATCH,
    REDESIGNED,
)
SERVER_ERROR = "server_error"
SLOW = "slow"
AJAX_FAILURE = "ajax_failure"
TRANSIENT_FAULTS = (SERVER_ERROR, SLOW, AJAX_FAILURE)

UNKNOWN_MOOD_NAMES = ("Saturnine", "Crepuscular", "Vertiginous", "Halcyon", "Sibylline", "Lugubrious")
UNKNOWN_MOOD_ID_START = 99_000
CORRUPT_KINDS = ("truncated_jpeg", "not_an_image")
BOMB_SIDE = 40_000


@dataclass(frozen=True)
class Faults:
    """How much of the site is broken, and how. Shares are fractions of albums; `image_bombs` and
    `redirect_loops` and `canonical_mismatches` are counts. A share above zero always breaks at least one album.
    `redesigned_pages` is the share of albums whose page moves to a new, unknown 2023 markup (a site redesign).
    `hostile_text` is the share of albums whose text is hostile (`sample_site.hostile`); it adds to any other fault."""

    malformed_pages: float = 0.0
    missing_covers: float = 0.0
    corrupt_images: float = 0.0
    image_bombs: int = 0
    no_moods_sections: float = 0.0
    unknown_moods: float = 0.0
    redirect_loops: int = 0
    server_errors: float = 0.0
    server_error_attempts: int = 1
    slow_pages: float = 0.0
    slow_seconds: float = 1.0
    ajax_failures: float = 0.0
    canonical_mismatches: int = 0
    redesigned_pages: float = 0.0
    hostile_text: float = 0.0

    @classmethod
    def typical(cls) -> Faults:
        """A little of every fault: what tests and the demo use to show that bad input never stops a crawl."""
        return cls(
            malformed_pages=0.01,
            missing_covers=0.01,
            corrupt_images=0.01,
            image_bombs=1,
            no_moods_sections=0.01,
            unknown_moods=0.01,
            redirect_loops=1,
            server_errors=0.02,
            server_error_attempts=1,
            slow_pages=0.005,
            slow_seconds=1.0,
            ajax_failures=0.03,
        )

    def with_overrides(self, **changes: Any) -> Faults:
        """These faults with the given knobs replaced (None leaves a knob as it is)."""
        return replace(self, **{name: value for name, value in changes.items() if value is not None})

    def check(self) -> Faults:
        """These faults, or a SampleSiteError that names the knob out of range."""
        for item in fields(self):
            value = getattr(self, item.name)
            if value < 0:
                raise SampleSiteError(f"fault knob {item.name}={value} is negative; use 0 to turn it off")
        shares = (
            self.malformed_pages,
            self.missing_covers,
            self.corrupt_images,
            self.no_moods_sections,
            self.unknown_moods,
            self.server_errors,
            self.slow_pages,
            self.ajax_failures,
            self.redesigned_pages,
            self.hostile_text,
        )
        if any(share > 1 for share in shares):
            raise SampleSiteError("fault shares are fractions of albums between 0 and 1 (e.g. 0.02 for 2%)")
        if self.server_error_attempts < 1:
            raise SampleSiteError("server_error_attempts must be at least 1 (the failing attempts per URL)")
        return self

    def content_counts(self, albums: int) -> dict[str, int]:
        """How many albums get each content fault in a site of `albums` albums."""

        def count(share: float) -> int:
            return max(1, round(share * albums)) if share > 0 else 0

        counts = {
            MALFORMED_PAGE: count(self.malformed_pages),
            MISSING_COVER: count(self.missing_covers),
            CORRUPT_IMAGE: count(self.corrupt_images),
            IMAGE_BOMB: self.image_bombs,
            NO_MOODS_SECTION: count(self.no_moods_sections),
            UNKNOWN_MOOD: count(self.unknown_moods),
            REDIRECT_LOOP: self.redirect_loops,
            CANONICAL_MISMATCH: self.canonical_mismatches,
            REDESIGNED: count(self.redesigned_pages),
        }
        if sum(counts.values()) > albums:
            raise SampleSiteError(
                f"the fault knobs break {sum(counts.values())} albums but the site has only {albums}; "
                "lower the shares or generate more albums"
            )
        return counts

    def to_json(self) -> dict[str, Any]:
        """The knobs as a plain dict, for the manifest."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Faults:
        """Knobs read back from the manifest (unknown keys ignored)."""
        known = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


def picked(seed: int, kind: str, key: str, share: float) -> bool:
    """Whether `key` (a URL path) falls in the `share` of keys that get fault `kind`: stable across processes."""
    if share <= 0:
        return False
    digest = hashlib.blake2b(f"{seed}:{kind}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


def assign_content_faults(albums: int, seed: int, faults: Faults) -> dict[int, str]:
    """Album index -> its one content fault, for exactly the counts `faults` asks for."""
    counts = faults.content_counts(albums)
    order = np.random.default_rng((seed, 0xFA017)).permutation(albums)
    assigned: dict[int, str] = {}
    start = 0
    for kind in CONTENT_FAULTS:
        for index in order[start : start + counts[kind]]:
            assigned[int(index)] = kind
        start += counts[kind]
    return assigned

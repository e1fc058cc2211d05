"""The mood vocabulary in use, its long-tailed frequencies and its lean on genre and era."""

from __future__ import annotations

from collections import Counter

import pytest

from albumml.catalogue.vocabulary import bundled_moods
from sample_site import SiteAlbum, plan_albums
from sample_site.covers import SIGNATURES
from sample_site.vocabulary import (
    HEAD_MOODS,
    MOOD_GROUPS,
    TAIL_MOODS,
    genre_names,
    moods_in_use,
    style_ids,
    themes_in_use,
)

N = 2_000


@pytest.fixture(scope="module")
def albums() -> list[SiteAlbum]:
    return plan_albums(N, seed=5)


def _group_of() -> dict[str, str]:
    return {mood.name: mood.group for mood in moods_in_use()}


def test_moods_in_use_are_the_real_vocabulary_with_its_ids() -> None:
    in_use = moods_in_use()
    real = {tag.name: tag.id for tag in bundled_moods()}
    assert 180 <= len(in_use) <= 200
    assert all(real[mood.name] == mood.id for mood in in_use)
    assert len({mood.id for mood in in_use}) == len(in_use)
    assert [mood.name for mood in in_use[:5]] == list(HEAD_MOODS)
    assert [mood.name for mood in in_use[-5:]] == list(TAIL_MOODS)
    assert any(mood.id.startswith("ma") for mood in in_use), "Bouncy's ma… id exercises the parsers"


def test_every_group_has_a_signature_and_groups_do_not_overlap() -> None:
    members = [name for names in MOOD_GROUPS.values() for name in names]
    assert len(members) == len(set(members))
    assert set(SIGNATURES) == set(MOOD_GROUPS)
    assert len({sig.pattern for sig in SIGNATURES.values()}) == len(SIGNATURES)


def test_style_and_theme_ids_are_unique_and_well_formed() -> None:
    ids = list(style_ids().values())
    assert len(ids) == len(set(ids))
    assert all(len(i) == 12 and i.startswith("ma") for i in ids)
    assert len(themes_in_use()) > 150


def test_albums_are_well_formed(albums: list[SiteAlbum]) -> None:
    assert len({album.id for album in albums}) == N
    for album in albums:
        assert 3 <= len(album.moods) <= 20
        assert len(set(album.moods)) == len(album.moods)
        assert 1 <= len(album.genres) <= 2 and album.genres[0].name in genre_names()
        assert album.styles and 1950 <= album.year <= 2024
        assert album.rating is None or 2 <= album.rating <= 10
        assert (album.review_author is None) == (not album.review_paragraphs)
    assert 0.6 < sum(bool(a.review_paragraphs) for a in albums) / N < 0.85
    assert 0.08 < sum(a.rating is None for a in albums) / N < 0.25


def test_mood_frequencies_are_long_tailed(albums: list[SiteAlbum]) -> None:
    counts = Counter(mood.name for album in albums for mood in album.moods)
    shares = sorted((count / N for count in counts.values()), reverse=True)
    assert 0.25 <= shares[0] <= 0.45, f"the most frequent mood is in {shares[0]:.0%} of albums"
    assert len(counts) >= 180, "nearly every mood in use appears at N=2,000"
    rare = [name for name, count in counts.items() if count <= 10]
    assert len(rare) >= 5, f"only {rare} are rare"
    assert all(counts[name] <= 15 for name in TAIL_MOODS)
    assert shares[len(shares) // 2] < 0.1, "the median mood is uncommon"


def _share(albums: list[SiteAlbum], group: str) -> float:
    group_of = _group_of()
    return sum(any(group_of[m.name] == group for m in a.moods[:5]) for a in albums) / max(1, len(albums))


@pytest.mark.parametrize(
    ("genre", "group"),
    [
        ("Rap", "rebellious"),
        ("Classical", "reverent"),
        ("Electronic", "dreamy"),
        ("Country", "earthy"),
        ("R&B", "romantic"),
    ],
)
def test_moods_lean_on_genre(albums: list[SiteAlbum], genre: str, group: str) -> None:
    inside = [a for a in albums if a.genres[0].name == genre]
    outside = [a for a in albums if genre not in {g.name for g in a.genres}]
    assert len(inside) >= 20
    assert _share(inside, group) > 1.8 * _share(outside, group), f"{group} is not typical of {genre}"


def test_moods_lean_on_era(albums: list[SiteAlbum]) -> None:
    early = [a for a in albums if a.year < 1965]
    late = [a for a in albums if a.year >= 1995]
    assert _share(late, "dark") > 1.5 * _share(early, "dark")
    assert _share(early, "amiable") > 1.3 * _share(late, "amiable")


def test_planning_is_deterministic_and_seed_dependent() -> None:
    assert plan_albums(50, 3) == plan_albums(50, 3)
    assert plan_albums(50, 3) != plan_albums(50, 4)


def test_an_albums_moods_cluster_around_its_dominant_groups(albums: list[SiteAlbum]) -> None:
    """The first mood's group is over-represented among the album's moods (what makes a cover informative)."""
    group_of = _group_of()
    overall = Counter(group_of[m.name] for a in albums for m in a.moods)
    total = sum(overall.values())
    observed = expected = 0.0
    for album in albums:
        lead = group_of[album.moods[0].name]
        observed += sum(group_of[m.name] == lead for m in album.moods[1:]) / (len(album.moods) - 1)
        expected += overall[lead] / total
    assert observed > 1.5 * expected

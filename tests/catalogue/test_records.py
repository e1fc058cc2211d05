"""Album records validate what a crawler hands in before anything reaches the database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from albumml.catalogue.records import AlbumRecord
from albumml.catalogue.vocabulary import bundled_moods, bundled_themes
from tests.support.factories import album, moods


def test_site_ids_are_normalised_to_lower_case() -> None:
    assert album(1, id="MW0000189052").id == "mw0000189052"


@pytest.mark.parametrize("bad_id", ["mw123", "xa0000001036", "r5332", ""])
def test_album_ids_must_look_like_the_sites(bad_id: str) -> None:
    with pytest.raises(ValidationError, match="id"):
        album(1, id=bad_id)


def test_a_mood_listed_twice_is_refused() -> None:
    with pytest.raises(ValidationError, match="appears twice"):
        album(1, moods=moods("Literate", "Rustic", "Literate"))


@pytest.mark.parametrize("rating", [0, 11])
def test_ratings_are_on_the_sites_1_to_10_scale(rating: int) -> None:
    with pytest.raises(ValidationError, match="rating"):
        album(1, rating=rating)


def test_year_comes_from_the_release_date_when_missing() -> None:
    assert album(1, release_date=date(1968, 7, 1), year=None).year == 1968


def test_naive_fetch_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="fetched_at"):
        album(1, fetched_at=datetime(2026, 1, 1))


def test_content_hash_ignores_fetch_metadata_but_sees_mood_order() -> None:
    base = album(1)
    refetched = album(1, etag='"other"', fetched_at=datetime(2027, 1, 1, tzinfo=UTC), last_modified=None)
    reordered = album(1, moods=moods("Rustic", "Literate", "Wistful"))
    assert base.content_hash() == refetched.content_hash()
    assert base.content_hash() != reordered.content_hash()


def test_reviewed_means_a_non_empty_review() -> None:
    assert album(1).reviewed
    assert not album(1, review_text=None).reviewed
    assert not album(1, review_text="").reviewed


def test_bundled_vocabulary_is_the_sites() -> None:
    mood_names = {tag.name for tag in bundled_moods()}
    assert len(bundled_moods()) == 305
    assert {"Literate", "Amiable/Good-Natured", "Bittersweet", "Monastic", "Bouncy"} <= mood_names
    assert len({tag.id for tag in bundled_moods()}) == 305
    assert len(bundled_themes()) == 202


def test_record_is_immutable() -> None:
    record = album(1)
    with pytest.raises(ValidationError):
        record.title = "changed"  # type: ignore[misc]
    assert isinstance(record, AlbumRecord)

"""Snapshots: content-identified, stable splits, the vocabulary filter, and the expectations data must meet."""

from __future__ import annotations

from collections import Counter

import pytest

from albumml.catalogue import Catalogue
from albumml.catalogue.engine import create_catalogue_engine
from albumml.catalogue.migrate import upgrade
from albumml.config import Settings
from albumml.dataset import SnapshotConfig, build_snapshot, list_snapshots, load_snapshot, save_snapshot, split_of
from albumml.errors import SnapshotError
from albumml.storage import open_store
from albumml.targets import Target
from tests.support.factories import album, moods, themes

CONFIG = SnapshotConfig(min_mood_count=3)
MOODS_SNAPSHOT_ID_BEFORE_TARGETS = "51654c2cb13911ae"  # computed by the builder before targets existed


@pytest.fixture
def catalogue(database_url: str) -> Catalogue:
    engine = create_catalogue_engine(database_url)
    upgrade(engine)
    return Catalogue(engine)


def fill(catalogue: Catalogue, count: int = 40) -> None:
    catalogue.upsert_albums(
        [album(n, moods=moods(*["Literate", "Rustic", "Wistful", "Brash"][n % 2 : n % 2 + 3])) for n in range(1, count)]
    )


def test_only_reviewed_albums_with_a_cover_and_a_kept_mood_enter(catalogue: Catalogue) -> None:
    fill(catalogue)
    catalogue.upsert_albums(
        [
            album(101, review_text=None),
            album(102, cover_key=None),
            album(103, moods=[]),
            album(104, moods=moods("Monastic")),
            album(105, moods=moods("Monastic", "Wistful", "Literate")),
        ]
    )
    snapshot = build_snapshot(catalogue, CONFIG)
    ids = set(snapshot.manifest["album_id"])
    assert not {"mw0000000101", "mw0000000102", "mw0000000103", "mw0000000104"} & ids
    assert snapshot.vocabulary == ["Brash", "Literate", "Rustic", "Wistful"]
    assert snapshot.meta["dropped_moods"] == ["Monastic"] and snapshot.meta["moods_dropped"] == 1
    assert snapshot.meta["albums_without_kept_moods"] == 1
    row = snapshot.manifest.set_index("album_id").loc["mw0000000105"]
    assert list(row["moods"]) == ["Wistful", "Literate"]


def test_data_expectations(catalogue: Catalogue) -> None:
    fill(catalogue, 300)
    manifest = build_snapshot(catalogue, CONFIG).manifest
    assert manifest["album_id"].is_unique
    assert manifest["moods"].map(len).min() >= 1
    assert set(manifest["split"]) <= {"train", "validation", "test"}
    shares = manifest["split"].value_counts(normalize=True)
    assert 0.7 < shares["train"] < 0.9 and 0.03 < shares["test"] < 0.2


def test_same_catalogue_same_id_and_splits_never_move(catalogue: Catalogue) -> None:
    fill(catalogue)
    first, again = build_snapshot(catalogue, CONFIG), build_snapshot(catalogue, CONFIG)
    assert first.id == again.id
    assert build_snapshot(catalogue, SnapshotConfig(min_mood_count=3, test_share=0.2)).id != first.id

    catalogue.upsert_albums([album(n) for n in range(500, 560)])
    grown = build_snapshot(catalogue, CONFIG)
    assert grown.id != first.id
    before = dict(zip(first.manifest["album_id"], first.manifest["split"], strict=True))
    after = dict(zip(grown.manifest["album_id"], grown.manifest["split"], strict=True))
    assert all(after[album_id] == split for album_id, split in before.items())


def test_split_depends_only_on_the_album_id() -> None:
    splits = Counter(split_of(f"mw{n:010d}", CONFIG) for n in range(20_000))
    assert abs(splits["test"] / 20_000 - 0.1) < 0.01 and abs(splits["validation"] / 20_000 - 0.1) < 0.01
    assert split_of("mw0000189052", CONFIG) == split_of("mw0000189052", CONFIG)


def test_snapshots_are_stored_once_and_read_back(catalogue: Catalogue, settings: Settings) -> None:
    fill(catalogue)
    store = open_store(settings)
    snapshot = build_snapshot(catalogue, CONFIG)
    assert save_snapshot(store, snapshot)
    assert not save_snapshot(store, snapshot)
    loaded = load_snapshot(store, snapshot.id)
    assert loaded.vocabulary == snapshot.vocabulary and loaded.meta == snapshot.meta
    assert loaded.manifest.to_dict("records") == snapshot.manifest.to_dict("records")
    assert [meta["id"] for meta in list_snapshots(store)] == [snapshot.id]
    with pytest.raises(SnapshotError, match="snapshot list"):
        load_snapshot(store, "0" * 16)


def test_an_empty_catalogue_is_a_clear_error(catalogue: Catalogue) -> None:
    with pytest.raises(SnapshotError, match="no album qualifies"):
        build_snapshot(catalogue, CONFIG)


def test_a_config_with_no_training_share_is_refused() -> None:
    with pytest.raises(ValueError, match="must be under 1 to leave albums to train on"):
        SnapshotConfig(validation_share=0.5, test_share=0.5)


@pytest.mark.parametrize("target", [Target.GENRES, Target.STYLES, Target.THEMES])
def test_a_snapshot_of_another_target_learns_its_labels_in_page_order(catalogue: Catalogue, target: Target) -> None:
    genre_sets = [["Pop/Rock", "Folk"], ["Jazz"], ["Pop/Rock"]]
    style_sets = [["Americana", "Country-Rock"], ["Bebop"], ["Indie Rock", "Americana"]]
    theme_sets = [themes("Reflection", "Road Trip"), themes("Late Night"), themes("Road Trip")]
    catalogue.upsert_albums(
        [album(n, genres=genre_sets[n % 3], styles=style_sets[n % 3], themes=theme_sets[n % 3]) for n in range(1, 60)]
        + [album(200, genres=[], styles=[], themes=[])]  # nothing of any target: in no snapshot but a moods one
    )
    snapshot = build_snapshot(catalogue, SnapshotConfig(min_mood_count=3, target=target))
    by_set = {"genres": genre_sets, "styles": style_sets, "themes": [[t.name for t in s] for s in theme_sets]}
    expected = by_set[target.value]
    assert snapshot.target == target and snapshot.meta["target"] == target.value
    assert snapshot.vocabulary == sorted({label for labels in expected for label in labels})
    labels = dict(zip(snapshot.manifest["album_id"], snapshot.labels(), strict=True))
    assert labels["mw0000000004"] == expected[4 % 3]  # page order kept
    assert "mw0000000200" not in labels
    assert ("genres" in snapshot.manifest.columns) and ("moods" not in snapshot.manifest.columns)
    moods_snapshot = build_snapshot(catalogue, SnapshotConfig(min_mood_count=3))
    assert moods_snapshot.id != snapshot.id and "mw0000000200" in set(moods_snapshot.manifest["album_id"])


def test_a_moods_snapshot_keeps_the_id_it_had_before_targets(catalogue: Catalogue) -> None:
    fill(catalogue)
    snapshot = build_snapshot(catalogue, CONFIG)
    assert snapshot.target == Target.MOODS
    # the id of this catalogue's snapshot as the builder gave it before a target could be chosen
    assert snapshot.id == MOODS_SNAPSHOT_ID_BEFORE_TARGETS

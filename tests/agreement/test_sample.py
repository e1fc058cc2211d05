"""Drawing a sample: reproducible, from the asked split, skipping unreadable covers; the folder it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from albumml.agreement import draw_order, draw_sample, read_sample, write_sample
from albumml.agreement.sample import find_sample
from albumml.config import Settings
from albumml.errors import AgreementError
from albumml.storage import Store, open_store
from tests.support.agreement import VOCABULARY, stored_snapshot


@pytest.fixture
def store(settings: Settings) -> Store:
    return open_store(settings)


def test_draw_order_depends_on_the_seed_not_on_the_input_order() -> None:
    ids = [f"mw{i:010d}" for i in range(50)]
    assert draw_order(ids, 4) == draw_order(list(reversed(ids)), 4)
    assert draw_order(ids, 4) != draw_order(ids, 5)
    assert sorted(draw_order(ids, 4)) == ids


def test_a_draw_is_reproducible_and_stays_in_its_split(store: Store) -> None:
    snapshot = stored_snapshot(store)
    first = draw_sample(store, snapshot, 5, seed=3)
    again = draw_sample(store, snapshot, 5, seed=3)
    assert first.sample == again.sample and first.sample.id == again.sample.id
    assert draw_sample(store, snapshot, 5, seed=4).sample.id != first.sample.id
    test_albums = set(snapshot.manifest.loc[snapshot.manifest["split"] == "test", "album_id"])
    assert {c.album_id for c in first.sample.covers} <= test_albums
    assert first.sample.vocabulary == VOCABULARY and first.sample.covers[0].cover.endswith(".png")
    assert len(draw_sample(store, snapshot, 25, split="all").sample.covers) == 25


def test_unreadable_covers_are_skipped_and_named(store: Store) -> None:
    snapshot = stored_snapshot(store)
    drawn = draw_sample(store, snapshot, 10, seed=1)
    victim = drawn.sample.covers[0]
    store.backend.delete(store.blob_name(victim.cover_key))
    redrawn = draw_sample(store, snapshot, 9, seed=1)
    assert list(redrawn.skipped) == [victim.album_id]
    assert [c.album_id for c in redrawn.sample.covers] == [c.album_id for c in drawn.sample.covers[1:]]
    with pytest.raises(AgreementError, match="only 9 of the 10 albums in split 'test' have a readable cover"):
        draw_sample(store, snapshot, 10, seed=1)


def test_asking_for_too_much_names_the_limit(store: Store) -> None:
    snapshot = stored_snapshot(store)
    with pytest.raises(AgreementError, match="has 10 albums in split 'test', fewer than --n 11"):
        draw_sample(store, snapshot, 11)
    with pytest.raises(AgreementError, match="unknown split 'dev'"):
        draw_sample(store, snapshot, 1, split="dev")


def test_the_folder_holds_everything_and_reads_back(store: Store, tmp_path: Path) -> None:
    drawn = draw_sample(store, stored_snapshot(store), 4)
    folder = tmp_path / "study"
    write_sample(drawn, folder)
    assert {p.name for p in folder.iterdir()} == {"sample.json", "sheet.csv", "rate.html", "covers"}
    for cover in drawn.sample.covers:
        assert (folder / cover.cover).read_bytes() == drawn.images[cover.album_id]
    assert read_sample(folder) == drawn.sample == read_sample(folder / "sample.json")
    assert find_sample([folder / "sheet.csv"], drawn.sample.id) == (drawn.sample, folder.resolve())
    write_sample(drawn, folder)  # the same sample again is fine
    other = draw_sample(store, stored_snapshot(store), 4, seed=9)
    with pytest.raises(AgreementError, match="already holds another sample"):
        write_sample(other, folder)


def test_an_edited_or_missing_sample_file_is_refused(store: Store, tmp_path: Path) -> None:
    write_sample(draw_sample(store, stored_snapshot(store), 3), tmp_path)
    data = json.loads((tmp_path / "sample.json").read_text())
    data["vocabulary"].append("Glum")
    (tmp_path / "sample.json").write_text(json.dumps(data))
    with pytest.raises(AgreementError, match="was edited"):
        read_sample(tmp_path)
    with pytest.raises(AgreementError, match=r"no sample\.json next to the sheets .*: pass --sample"):
        find_sample([tmp_path / "elsewhere" / "ann.csv"], None)
    (tmp_path / "sample.json").write_text("[]")
    with pytest.raises(AgreementError, match="is not an albumml sample"):
        read_sample(tmp_path)

"""The checks a snapshot passes before training: each broken rule is refused with the rows that broke it."""

from __future__ import annotations

import pandas as pd
import pytest

from albumml.dataset import Snapshot, SnapshotConfig, split_of
from albumml.dataset.checks import check_snapshot
from albumml.errors import SnapshotError

CONFIG = SnapshotConfig(min_mood_count=2, validation_share=0.1, test_share=0.1)
VOCABULARY = ["Brash", "Wistful"]


def album_id(number: int) -> str:
    return f"mw{number:010d}"


def good_rows(albums: int = 200) -> list[dict]:
    return [
        {
            "album_id": album_id(n),
            "cover_key": f"{n:064x}",
            "moods": ["Brash", "Wistful"] if n % 2 else ["Wistful"],
            "genres": ["Rock"],
            "year": 1960 + n % 60,
            "split": split_of(album_id(n), CONFIG),
        }
        for n in range(1, albums + 1)
    ]


def snapshot(rows: list[dict]) -> Snapshot:
    frame = pd.DataFrame(rows, columns=["album_id", "cover_key", "moods", "genres", "year", "split"])
    return Snapshot("0123456789abcdef", frame, VOCABULARY)


def check(built: Snapshot) -> None:
    check_snapshot(built.id, built.manifest, built.vocabulary, CONFIG)


def refusal(rows: list[dict]) -> str:
    with pytest.raises(SnapshotError) as raised:
        check(snapshot(rows))
    return str(raised.value)


def test_a_sound_snapshot_passes_with_unknown_years() -> None:
    rows = good_rows()
    rows[3]["year"] = None
    check(snapshot(rows))


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda rows: rows[0].update(album_id="MW12"), "album 'MW12' album_id"),
        (lambda rows: rows[1].update(cover_key="not-a-key"), "cover_key"),
        (lambda rows: rows[2].update(moods=["Brash", "Saturnine"]), "moods inside the vocabulary"),
        (lambda rows: rows[3].update(moods=[]), "at least one mood"),
        (lambda rows: rows[4].update(year=1066), "year"),
        (lambda rows: rows[5].update(split="banana"), "split"),
        (lambda rows: rows.append(dict(rows[6])), "album_id"),
    ],
    ids=["album-id", "cover-key", "unknown-mood", "no-mood", "year", "split-name", "duplicate-album"],
)
def test_each_broken_rule_is_refused_naming_the_album(change, named: str) -> None:
    rows = good_rows()
    change(rows)
    message = refusal(rows)
    assert message.startswith("snapshot 0123456789abcdef fails its checks") and named in message


def test_a_test_album_moved_into_training_is_refused() -> None:
    rows = good_rows()
    moved = next(row for row in rows if row["split"] == "test")
    moved["split"] = "train"
    assert f"album '{moved['album_id']}'" in refusal(rows) and "the split its id hashes to" in refusal(rows)


def test_a_rare_mood_and_a_lopsided_split_are_refused() -> None:
    rows = good_rows()
    for row in rows:
        row["moods"] = ["Wistful"]
    rows[0]["moods"] = ["Brash"]  # one album: under the minimum of 2
    assert "every kept mood on at least 2 albums" in refusal(rows)

    lopsided = [row for row in good_rows(400) if row["split"] != "test"]
    assert "test share near 0.1" in refusal(lopsided)

"""Mood drift between two snapshots: no drift against itself, the moods that moved first, new and gone moods named."""

from __future__ import annotations

import pandas as pd
import pytest

from albumml.dataset import Snapshot
from albumml.dataset.drift import mood_drift


def snapshot(snapshot_id: str, albums: list[list[str]]) -> Snapshot:
    frame = pd.DataFrame({"album_id": [f"mw{n:010d}" for n in range(len(albums))], "moods": albums})
    vocabulary = sorted({mood for moods in albums for mood in moods})
    return Snapshot(snapshot_id, frame, vocabulary)


def test_a_snapshot_has_no_drift_from_itself() -> None:
    same = snapshot("a", [["Brash", "Wistful"], ["Wistful"], ["Brash"]] * 10)
    drift = mood_drift(same, same)
    assert drift.overall == pytest.approx(0.0, abs=1e-9)
    assert all(shift.distance == pytest.approx(0.0, abs=1e-9) for shift in drift.moods)


def test_the_mood_that_moved_most_comes_first_and_new_moods_are_named() -> None:
    before = snapshot("a", [["Brash"], ["Wistful"], ["Brash", "Wistful"], ["Calm"]] * 25)
    after = snapshot("b", [["Brash"], ["Brash"], ["Brash", "Wistful"], ["Eerie"]] * 25)
    drift = mood_drift(before, after)
    assert drift.moods[0].mood in {"Calm", "Eerie"}  # from a quarter of albums to none, or back
    assert drift.appeared == ("Eerie",) and drift.disappeared == ("Calm",)
    by_mood = {shift.mood: shift for shift in drift.moods}
    assert by_mood["Brash"].reference_share == pytest.approx(0.5) and by_mood["Brash"].new_share == pytest.approx(0.75)
    assert 0 < drift.overall < 1
    assert drift.overall > mood_drift(before, snapshot("c", [["Brash"], ["Wistful"], ["Brash"], ["Calm"]] * 25)).overall
    assert "| Calm |" in drift.markdown() or "| Eerie |" in drift.markdown()

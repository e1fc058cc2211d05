"""How far a new snapshot's moods have moved from a reference snapshot's (the champion's): Jensen-Shannon distance
of each mood's share of albums, and of the whole mood distribution. A night publishes it before training."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import jensenshannon

from albumml.dataset.snapshot import Snapshot
from albumml.textsafe import for_markdown

MOODS_SHOWN = 10


@dataclass(frozen=True)
class MoodShift:
    """One mood's share of albums in the reference and the new snapshot, and the JS distance between them."""

    mood: str
    reference_share: float
    new_share: float
    distance: float


@dataclass(frozen=True)
class DriftSummary:
    """The overall JS distance of the mood distributions (base 2: 0 same, 1 disjoint) and the moods that moved most."""

    reference_id: str
    new_id: str
    reference_albums: int
    new_albums: int
    overall: float
    moods: tuple[MoodShift, ...]
    appeared: tuple[str, ...]
    disappeared: tuple[str, ...]

    def markdown(self, shown: int = MOODS_SHOWN) -> str:
        """A table for a Prefect artifact or a report: the overall figure, then the moods that moved most."""
        rows = "\n".join(
            f"| {for_markdown(shift.mood)} | {shift.reference_share:.3f} | {shift.new_share:.3f} | "
            f"{shift.distance:.4f} |"
            for shift in self.moods[:shown]
        )
        return (
            f"# Mood drift: snapshot {self.new_id} ({self.new_albums} albums) against {self.reference_id} "
            f"({self.reference_albums} albums)\n\n**Jensen-Shannon distance of the mood distributions:** "
            f"{self.overall:.4f} (0 same, 1 disjoint)\n\n"
            f"Moods new to the vocabulary: {len(self.appeared)}; moods gone: {len(self.disappeared)}\n\n"
            "| mood | share before | share now | JS distance |\n| --- | --- | --- | --- |\n"
            f"{rows}\n"
        )


def _shares(snapshot: Snapshot) -> Counter[str]:
    return Counter(mood for moods in snapshot.labels() for mood in set(moods))


def mood_drift(reference: Snapshot, new: Snapshot) -> DriftSummary:
    """The mood drift from `reference` to `new`, over the moods either keeps."""
    moods = sorted(set(reference.vocabulary) | set(new.vocabulary))
    before, after = _shares(reference), _shares(new)
    n_before, n_after = max(len(reference.manifest), 1), max(len(new.manifest), 1)
    p = np.array([before[m] / n_before for m in moods])
    q = np.array([after[m] / n_after for m in moods])
    shifts = [
        MoodShift(mood, float(a), float(b), float(jensenshannon([a, 1 - a], [b, 1 - b], base=2)))
        for mood, a, b in zip(moods, p, q, strict=True)
    ]
    overall = float(jensenshannon(p, q, base=2)) if p.sum() and q.sum() else 1.0
    return DriftSummary(
        reference_id=reference.id,
        new_id=new.id,
        reference_albums=len(reference.manifest),
        new_albums=len(new.manifest),
        overall=overall,
        moods=tuple(sorted(shifts, key=lambda shift: -shift.distance)),
        appeared=tuple(sorted(set(new.vocabulary) - set(reference.vocabulary))),
        disappeared=tuple(sorted(set(reference.vocabulary) - set(new.vocabulary))),
    )

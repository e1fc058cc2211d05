"""Cohen's kappa between two raters' mood sets: per mood over the covers, pooled (micro), averaged (macro).

Pure functions of label sets and boolean matrices; kappa is None where it is undefined (both raters gave one and
the same answer everywhere, so chance agreement is already perfect), never an invented 0 or 1.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from albumml.errors import AgreementError
from albumml.evaluation.kappa import paired_kappas

LabelSets = Mapping[str, Collection[str]]
"""One rater's moods per cover: cover id -> the moods chosen for it."""

BANDS = (
    (0.0, "poor"),
    (0.20, "slight"),
    (0.40, "fair"),
    (0.60, "moderate"),
    (0.80, "substantial"),
    (1.0, "almost perfect"),
)
"""Landis & Koch (1977): the upper bound of each band (poor is below 0)."""


def landis_koch(kappa: float | None) -> str:
    """The Landis & Koch band of a kappa, judged on two decimals as their table is written; 'undefined' for None."""
    if kappa is None:
        return "undefined"
    rounded = round(kappa, 2)
    if rounded < 0:
        return "poor"
    return next(name for upper, name in BANDS[1:] if rounded <= upper)


def cohen_kappa(first: Sequence[bool] | np.ndarray, second: Sequence[bool] | np.ndarray) -> float | None:
    """Cohen's kappa of two raters' yes/no decisions on the same items; None when it is undefined."""
    a = np.asarray(first, dtype=bool).reshape(-1, 1)
    b = np.asarray(second, dtype=bool).reshape(-1, 1)
    if a.shape != b.shape or not a.size:
        raise AgreementError(f"two raters need the same, non-zero number of decisions (got {a.size} and {b.size})")
    return paired_kappas(a, b, axis=0)[0][0]


@dataclass(frozen=True)
class MoodAgreement:
    """One mood as a yes/no label over the covers: kappa, observed agreement, and how often each rater chose it."""

    kappa: float | None
    observed: float
    first_count: int
    second_count: int


@dataclass(frozen=True)
class PairAgreement:
    """How two raters (or a rater and the model) agree on the same covers over one vocabulary."""

    first: str
    second: str
    covers: int
    observed: float
    micro_kappa: float | None
    macro_kappa: float | None
    per_cover_kappa: float | None
    per_mood: dict[str, MoodAgreement]

    @property
    def undefined_moods(self) -> list[str]:
        """Moods whose kappa is undefined here: both raters chose them for no cover (or for every one)."""
        return [mood for mood, figures in self.per_mood.items() if figures.kappa is None]

    @property
    def defined_moods(self) -> int:
        """How many moods have a kappa (the macro average's denominator)."""
        return len(self.per_mood) - len(self.undefined_moods)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures, with the Landis & Koch band beside each kappa."""
        return {
            "first": self.first,
            "second": self.second,
            "covers": self.covers,
            "observed_agreement": self.observed,
            "micro_kappa": self.micro_kappa,
            "micro_band": landis_koch(self.micro_kappa),
            "macro_kappa": self.macro_kappa,
            "macro_band": landis_koch(self.macro_kappa),
            "per_cover_kappa": self.per_cover_kappa,
            "moods_defined": self.defined_moods,
            "moods_undefined": self.undefined_moods,
            "per_mood": {
                mood: {
                    "kappa": f.kappa,
                    "band": landis_koch(f.kappa),
                    "observed_agreement": f.observed,
                    "first_count": f.first_count,
                    "second_count": f.second_count,
                }
                for mood, f in self.per_mood.items()
            },
        }


def suggestions(mood: str, vocabulary: Sequence[str], n: int = 3) -> list[str]:
    """Vocabulary moods spelled like `mood` (case-insensitively), closest first."""
    by_folded = {name.casefold(): name for name in vocabulary}
    return [by_folded[m] for m in difflib.get_close_matches(mood.casefold(), list(by_folded), n=n, cutoff=0.6)]


def did_you_mean(mood: str, vocabulary: Sequence[str]) -> str:
    """A hint naming the vocabulary moods closest to `mood`, or an empty string when none is close."""
    close = suggestions(mood, vocabulary)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def label_matrix(labels: LabelSets, covers: Sequence[str], vocabulary: Sequence[str], who: str = "rater") -> np.ndarray:
    """A rater's moods as a boolean covers x vocabulary matrix; AgreementError naming any mood outside it."""
    index = {mood: j for j, mood in enumerate(vocabulary)}
    matrix = np.zeros((len(covers), len(vocabulary)), dtype=bool)
    unknown: list[str] = []
    for i, cover in enumerate(covers):
        for mood in labels[cover]:
            if mood in index:
                matrix[i, index[mood]] = True
            else:
                unknown.append(f"{mood!r} on cover {cover}{did_you_mean(mood, vocabulary)}")
    if unknown:
        raise AgreementError(f"{who} used moods outside the vocabulary: {'; '.join(unknown)}")
    return matrix


def compare_matrices(
    first: np.ndarray, second: np.ndarray, vocabulary: Sequence[str], names: tuple[str, str] = ("first", "second")
) -> PairAgreement:
    """Kappa per mood (columns), pooled over every cover x mood decision, macro over defined moods, and per cover."""
    first = np.asarray(first, dtype=bool)
    second = np.asarray(second, dtype=bool)
    if first.shape != second.shape or first.ndim != 2 or first.shape[1] != len(vocabulary):
        raise AgreementError(
            f"{names[0]} {first.shape} and {names[1]} {second.shape} must both be covers x {len(vocabulary)} moods"
        )
    if not first.shape[0]:
        raise AgreementError(f"{names[0]} and {names[1]} have no cover in common: nothing to compare")
    mood_kappas, mood_observed = paired_kappas(first, second, axis=0)
    cover_kappas = [k for k in paired_kappas(first, second, axis=1)[0] if k is not None]
    micro, observed = paired_kappas(first.reshape(-1, 1), second.reshape(-1, 1), axis=0)
    defined = [k for k in mood_kappas if k is not None]
    per_mood = {
        mood: MoodAgreement(kappa, float(agree), int(a), int(b))
        for mood, kappa, agree, a, b in zip(
            vocabulary, mood_kappas, mood_observed, first.sum(axis=0), second.sum(axis=0), strict=True
        )
    }
    return PairAgreement(
        first=names[0],
        second=names[1],
        covers=int(first.shape[0]),
        observed=float(observed[0]),
        micro_kappa=micro[0],
        macro_kappa=float(np.mean(defined)) if defined else None,
        per_cover_kappa=float(np.mean(cover_kappas)) if cover_kappas else None,
        per_mood=per_mood,
    )


def compare(
    first: LabelSets, second: LabelSets, vocabulary: Sequence[str], names: tuple[str, str] = ("first", "second")
) -> PairAgreement:
    """Two raters' agreement on the covers both labelled, each mood a yes/no label over those covers."""
    covers = sorted(set(first) & set(second))
    return compare_matrices(
        label_matrix(first, covers, vocabulary, names[0]),
        label_matrix(second, covers, vocabulary, names[1]),
        vocabulary,
        names,
    )

"""A rater study scored: every pair of raters, and each rater against the model's top-k moods, on common covers.

Pure: label sets and score arrays in, a report out; reading sheets and running the model live elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from albumml.agreement.kappa import BANDS, LabelSets, PairAgreement, compare_matrices, label_matrix
from albumml.errors import AgreementError


@dataclass(frozen=True)
class ModelOpinion:
    """A model's per-mood scores for covers, over the model's own vocabulary."""

    name: str
    vocabulary: Sequence[str]
    scores: Mapping[str, np.ndarray]


@dataclass(frozen=True)
class RaterSummary:
    """How much of the sample a rater labelled and how many moods they gave a scored cover on average."""

    name: str
    covers_rated: int
    mean_moods: float


@dataclass(frozen=True)
class StudyReport:
    """Agreement figures of a rater study; `top_k` None means the model took each rater's own count per cover."""

    vocabulary: list[str]
    covers: list[str]
    dropped: dict[str, list[str]]
    raters: list[RaterSummary]
    pairs: list[PairAgreement]
    model: str | None = None
    top_k: int | None = None
    model_pairs: list[PairAgreement] = field(default_factory=list)
    model_unknown_moods: list[str] = field(default_factory=list)

    @property
    def dropped_covers(self) -> int:
        """Covers some rater labelled but not every one, left out of all figures."""
        return len({cover for covers in self.dropped.values() for cover in covers})

    @property
    def k_rule(self) -> str:
        """How many moods the model was given per cover, in words."""
        if self.top_k is None:
            return "per cover, as many as the rater chose"
        return f"{self.top_k} per cover"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return {
            "vocabulary_size": len(self.vocabulary),
            "covers_scored": len(self.covers),
            "covers_dropped": self.dropped_covers,
            "dropped_by_rater": self.dropped,
            "raters": [vars(rater) for rater in self.raters],
            "pairs": [pair.as_dict() for pair in self.pairs],
            "model": None
            if self.model is None
            else {
                "name": self.model,
                "top_k": self.top_k,
                "k_rule": self.k_rule,
                "vocabulary_moods_unknown_to_model": self.model_unknown_moods,
            },
            "model_pairs": [pair.as_dict() for pair in self.model_pairs],
            "bands": {"poor": "< 0", **{name: f"<= {upper:.2f}" for upper, name in BANDS[1:]}},
        }


def common_covers(raters: Mapping[str, LabelSets]) -> tuple[list[str], dict[str, list[str]]]:
    """The covers every rater labelled (sorted), and per rater the covers of theirs left out."""
    for name, labels in raters.items():
        if not labels:
            raise AgreementError(f"rater {name!r} labelled no cover: give them moods for some covers or leave them out")
    common = set.intersection(*(set(labels) for labels in raters.values())) if raters else set()
    dropped = {name: sorted(set(labels) - common) for name, labels in raters.items()}
    if raters and not common:
        counts = ", ".join(f"{name} {len(labels)}" for name, labels in raters.items())
        raise AgreementError(f"no cover was labelled by every rater ({counts} covers): raters must share covers")
    return sorted(common), {name: covers for name, covers in dropped.items() if covers}


def top_moods(scores: np.ndarray, model_vocabulary: Sequence[str], vocabulary: Sequence[str], k: int) -> set[str]:
    """The model's k highest-scoring moods among those in `vocabulary` (ties by the model's vocabulary order)."""
    wanted = set(vocabulary)
    columns = [j for j, mood in enumerate(model_vocabulary) if mood in wanted]
    order = np.argsort(-np.asarray(scores, dtype=np.float64)[columns], kind="stable")[:k]
    return {model_vocabulary[columns[j]] for j in order}


def model_labels(
    opinion: ModelOpinion, vocabulary: Sequence[str], k_per_cover: Mapping[str, int]
) -> dict[str, set[str]]:
    """The model's top-k moods for each cover, k given per cover."""
    missing = sorted(set(k_per_cover) - set(opinion.scores))
    if missing:
        raise AgreementError(f"the model has no scores for covers {', '.join(missing)}: score every sampled cover")
    return {
        cover: top_moods(opinion.scores[cover], opinion.vocabulary, vocabulary, k) for cover, k in k_per_cover.items()
    }


def score_study(
    raters: Mapping[str, LabelSets],
    vocabulary: Sequence[str],
    model: ModelOpinion | None = None,
    top_k: int | None = None,
) -> StudyReport:
    """Kappa for every pair of raters and for each rater against the model's top-k, on the covers all raters share."""
    if not raters:
        raise AgreementError("no rater: give at least one filled rating sheet")
    if len(raters) < 2 and model is None:
        raise AgreementError(
            f"only one rater ({next(iter(raters))}) and no model: add another rater's sheet or score against the model"
        )
    if top_k is not None and top_k < 1:
        raise AgreementError(f"top-k must be at least 1 (got {top_k})")
    covers, dropped = common_covers(raters)
    matrices = {name: label_matrix(labels, covers, vocabulary, f"rater {name!r}") for name, labels in raters.items()}
    summaries = [
        RaterSummary(name, len(raters[name]), float(matrix.sum(axis=1).mean())) for name, matrix in matrices.items()
    ]
    pairs = [compare_matrices(matrices[a], matrices[b], vocabulary, (a, b)) for a, b in combinations(matrices, 2)]
    report = StudyReport(list(vocabulary), covers, dropped, summaries, pairs)
    if model is None:
        return report
    known = set(model.vocabulary)
    unknown = [mood for mood in vocabulary if mood not in known]
    if len(unknown) == len(vocabulary):
        raise AgreementError(
            f"the model {model.name} knows none of the sample's moods: score with a model trained "
            "on the same vocabulary or with --no-model"
        )
    model_pairs = []
    for name, matrix in matrices.items():
        counts = matrix.sum(axis=1)
        k_per_cover = {cover: top_k or int(count) for cover, count in zip(covers, counts, strict=True)}
        chosen = label_matrix(model_labels(model, vocabulary, k_per_cover), covers, vocabulary, model.name)
        model_pairs.append(compare_matrices(matrix, chosen, vocabulary, (name, model.name)))
    return StudyReport(list(vocabulary), covers, dropped, summaries, pairs, model.name, top_k, model_pairs, unknown)

"""A rater study of mood labels: draw covers for people to label, then score their agreement (and the model's).

Scoring is pure (label sets in, Cohen's kappa out); sheets, samples, the page and the model live at the edges.
"""

from albumml.agreement.folder import write_sample
from albumml.agreement.kappa import (
    LabelSets,
    MoodAgreement,
    PairAgreement,
    cohen_kappa,
    compare,
    compare_matrices,
    label_matrix,
    landis_koch,
)
from albumml.agreement.sample import Draw, Sample, SampleCover, draw_order, draw_sample, read_sample
from albumml.agreement.sheet import Rating, collect, read_sheet, write_sheet
from albumml.agreement.study import ModelOpinion, RaterSummary, StudyReport, model_labels, score_study, top_moods
from albumml.errors import AgreementError

__all__ = [
    "AgreementError",
    "Draw",
    "LabelSets",
    "ModelOpinion",
    "MoodAgreement",
    "PairAgreement",
    "RaterSummary",
    "Rating",
    "Sample",
    "SampleCover",
    "StudyReport",
    "cohen_kappa",
    "collect",
    "compare",
    "compare_matrices",
    "draw_order",
    "draw_sample",
    "label_matrix",
    "landis_koch",
    "model_labels",
    "read_sample",
    "read_sheet",
    "score_study",
    "top_moods",
    "write_sample",
    "write_sheet",
]

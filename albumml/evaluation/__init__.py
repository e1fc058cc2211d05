"""Honest evaluation of mood models: ranking metrics beside the label-frequency and random baselines."""

from albumml.evaluation.metrics import (
    Metrics,
    MistakeCloseness,
    evaluate,
    evaluate_with_baselines,
    frequency_baseline,
    micro_ap,
    mistake_closeness,
    multi_hot,
    random_baseline,
    semantic_closeness,
)

__all__ = [
    "Metrics",
    "MistakeCloseness",
    "evaluate",
    "evaluate_with_baselines",
    "frequency_baseline",
    "micro_ap",
    "mistake_closeness",
    "multi_hot",
    "random_baseline",
    "semantic_closeness",
]

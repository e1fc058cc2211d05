"""Cohen's kappa of many paired yes/no raters at once, from exact integer counts (no per-pair library call)."""

from __future__ import annotations

import numpy as np


def paired_kappas(first: np.ndarray, second: np.ndarray, axis: int) -> tuple[list[float | None], np.ndarray]:
    """Kappa and observed agreement of paired binary decisions along `axis` of two boolean matrices; a kappa is
    None where it is undefined (both raters gave one and the same answer everywhere)."""
    n = first.shape[axis]
    yes_first = first.sum(axis=axis, dtype=np.int64)
    yes_second = second.sum(axis=axis, dtype=np.int64)
    both = (first & second).sum(axis=axis, dtype=np.int64)
    agree = n - yes_first - yes_second + 2 * both
    chance = yes_first * yes_second + (n - yes_first) * (n - yes_second)
    numerator = n * agree - chance
    denominator = n * n - chance
    kappas = [int(num) / int(den) if den else None for num, den in zip(numerator, denominator, strict=True)]
    return kappas, agree / n

"""Whether the covers of a night's new albums look like the champion's training covers: a kernel two-sample test
(maximum mean discrepancy with an RBF kernel, bandwidth by the median heuristic, p-value by permutation) on their
cached backbone features. A small p-value says the new covers come from a different distribution."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Each side is subsampled to this many vectors: the test's cost grows with the square of the sample.
MAX_SAMPLE = 1_000
PERMUTATIONS = 200


@dataclass(frozen=True)
class FeatureShift:
    """MMD² between the two samples, its permutation p-value, and the sample sizes it was measured on."""

    reference_id: str
    new_id: str
    reference_albums: int
    new_albums: int
    mmd2: float
    p_value: float

    def markdown(self) -> str:
        """A short section for the drift artifact and the run report."""
        verdict = "the new covers look different" if self.p_value < 0.01 else "no shift detected"
        return (
            f"## Cover features: {self.new_albums} new albums of {self.new_id} against {self.reference_albums} of "
            f"{self.reference_id}\n\n**MMD² (RBF kernel, median bandwidth):** {self.mmd2:.5f}; "
            f"**permutation p-value:** {self.p_value:.3f} ({verdict})\n"
        )


def _squared_distances(points: np.ndarray) -> np.ndarray:
    norms = np.einsum("ij,ij->i", points, points)
    return np.maximum(norms[:, None] + norms[None, :] - 2 * points @ points.T, 0.0)


def _mmd2(kernel: np.ndarray, first: np.ndarray) -> float:
    """Unbiased MMD² of the split `first` (a boolean mask) against the rest, from the pooled kernel matrix."""
    a, b = kernel[np.ix_(first, first)], kernel[np.ix_(~first, ~first)]
    n, m = a.shape[0], b.shape[0]
    within_a = (a.sum() - np.trace(a)) / (n * (n - 1))
    within_b = (b.sum() - np.trace(b)) / (m * (m - 1))
    return float(within_a + within_b - 2 * kernel[np.ix_(first, ~first)].mean())


def mmd_test(
    reference: np.ndarray, new: np.ndarray, *, permutations: int = PERMUTATIONS, seed: int = 0
) -> tuple[float, float]:
    """MMD² of `new` against `reference` (rows are vectors) and the share of label permutations that reach it."""
    if len(reference) < 2 or len(new) < 2:
        raise ValueError("a two-sample test needs at least two vectors on each side")
    rng = np.random.default_rng(seed)
    reference = reference[rng.permutation(len(reference))[:MAX_SAMPLE]]
    new = new[rng.permutation(len(new))[:MAX_SAMPLE]]
    pooled = np.concatenate([reference, new]).astype(np.float64)
    distances = _squared_distances(pooled)
    bandwidth = np.median(distances[np.triu_indices_from(distances, k=1)]) or 1.0
    kernel = np.exp(-distances / bandwidth)
    first = np.arange(len(pooled)) < len(reference)
    observed = _mmd2(kernel, first)
    reached = sum(_mmd2(kernel, rng.permutation(first)) >= observed for _ in range(permutations))
    return observed, (reached + 1) / (permutations + 1)

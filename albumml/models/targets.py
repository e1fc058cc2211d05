"""What models 3-4 regress, as a choice with no heavy imports (the CLI offers it without loading torch)."""

from __future__ import annotations

from enum import StrEnum


class TargetWeighting(StrEnum):
    """How models 3-4 weight an album's moods into their target point."""

    FIRST_K = "first_k"  # the study's: the mean of the first k moods in the site's order
    PAGE_ORDER = "page_order"  # every mood, the i-th (from 0) weighted 1 / (i + 1): the page lists the strongest first

"""Checks a downloaded cover before it reaches the store (albumml's one cover check), as a crawl problem."""

from __future__ import annotations

from albumml.storage.covers import CoverCheck, CoverProblemError
from albumml.storage.covers import check_cover as check_cover_bytes
from crawler.parsed import CrawlProblemError


class InvalidCoverError(CrawlProblemError):
    """A cover that must not be stored."""


def check_cover(data: bytes, *, max_pixels: int, min_side: int) -> CoverCheck:
    """Decode the whole image; raise InvalidCoverError naming what is wrong with it."""
    try:
        return check_cover_bytes(data, max_pixels=max_pixels, min_side=min_side)
    except CoverProblemError as problem:
        raise InvalidCoverError(problem.reason, problem.detail) from problem

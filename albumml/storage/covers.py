"""Checks a cover's bytes before they reach the store: they decode whole, have a sane size, and are no image bomb.

The crawler and `albumml catalogue import` both store covers only through this check.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError


class CoverProblemError(ValueError):
    """A cover that must not be stored: `reason` is the short code recorded with the error, `detail` says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class CoverCheck:
    """What a valid cover is."""

    format: str
    width: int
    height: int


def check_cover(data: bytes, *, max_pixels: int, min_side: int) -> CoverCheck:
    """Decode the whole image; raise CoverProblemError naming what is wrong with it."""
    if not data:
        raise CoverProblemError("cover_empty", "the cover had no bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise CoverProblemError("cover_bomb", f"refused before decoding: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise CoverProblemError("cover_not_image", f"not an image Pillow can read ({len(data)} bytes)") from exc
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise CoverProblemError("cover_bomb", f"{width}x{height} pixels exceeds the limit of {max_pixels:,}")
        if min(width, height) < min_side:
            raise CoverProblemError("cover_too_small", f"{width}x{height} is smaller than {min_side} px on a side")
        try:
            image.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise CoverProblemError("cover_truncated", f"{image.format} does not decode: {exc}") from exc
        return CoverCheck(image.format or "unknown", width, height)

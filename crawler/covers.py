"""Checks a downloaded cover before it reaches the store: it decodes, has a sane size, and is no image bomb."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from crawler.parsed import CrawlProblemError


class InvalidCoverError(CrawlProblemError):
    """A cover that must not be stored."""


@dataclass(frozen=True)
class CoverCheck:
    """What a valid cover is."""

    format: str
    width: int
    height: int


def check_cover(data: bytes, *, max_pixels: int, min_side: int) -> CoverCheck:
    """Decode the whole image; raise InvalidCoverError naming what is wrong with it."""
    if not data:
        raise InvalidCoverError("cover_empty", "the cover response had no bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidCoverError("cover_bomb", f"refused before decoding: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise InvalidCoverError("cover_not_image", f"not an image Pillow can read ({len(data)} bytes)") from exc
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise InvalidCoverError("cover_bomb", f"{width}x{height} pixels exceeds the limit of {max_pixels:,}")
        if min(width, height) < min_side:
            raise InvalidCoverError("cover_too_small", f"{width}x{height} is smaller than {min_side} px on a side")
        try:
            image.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise InvalidCoverError("cover_truncated", f"{image.format} does not decode: {exc}") from exc
        return CoverCheck(image.format or "unknown", width, height)

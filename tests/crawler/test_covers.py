"""Cover checks: real images pass; empty, non-image, truncated, tiny and bomb images are refused with a reason."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from crawler.covers import InvalidCoverError, check_cover

LIMITS = {"max_pixels": 40_000_000, "min_side": 64}


def encoded(size: tuple[int, int], image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format=image_format)
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: an image bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_real_covers_pass(image_format: str) -> None:
    check = check_cover(encoded((300, 280), image_format), **LIMITS)
    assert (check.format, check.width, check.height) == (image_format, 300, 280)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "cover_empty"),
        (b"<html>404 not found</html>", "cover_not_image"),
        (encoded((300, 300), "JPEG")[:700], "cover_truncated"),
        (encoded((40, 300), "PNG"), "cover_too_small"),
        (png_declaring(40_000, 40_000), "cover_bomb"),
        (png_declaring(7_000, 7_000), "cover_bomb"),
    ],
)
def test_bad_covers_are_refused_with_their_reason(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidCoverError) as problem:
        check_cover(data, **LIMITS)
    assert problem.value.reason == reason
    assert problem.value.detail

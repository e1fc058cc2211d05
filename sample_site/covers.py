"""Learnable covers: each mood group has a visual signature; a cover blends its album's first moods' signatures.

The recipe (documented in docs/sample-site.md, which the model work depends on):

1. Weights: the album's first five moods get 0.46, 0.24, 0.14, 0.09, 0.07 (renormalised when fewer), summed
   per mood group, so near-synonyms (one group) reinforce each other.
2. Background: a linear gradient, at a random angle, between the weight-averaged first and second background
   colours of the groups.
3. Patterns: the three heaviest groups each stamp their pattern (stripes, dots, rings, grain, ...) in their
   accent colour, with opacity 0.15 + 0.85 x weight (at most 0.9); pattern phase, size and position are random.
4. Tone: saturation, mean luminance and luminance spread are pulled to the weight-averaged signature values,
   with noise (brightness +-0.05, spread x e^N(0, 0.15)).
5. Nuisance: usually a "title block" of a random colour with text-like lines, per-channel gain noise (2%),
   pixel noise (sigma 0.02), then JPEG (quality 82-94) or PNG.

Everything is drawn from a generator seeded by (seed, album index, cover variant), so a cover is the same bytes
however and wherever it is rendered.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from sample_site.faults import BOMB_SIDE, CORRUPT_IMAGE, IMAGE_BOMB, MISSING_COVER
from sample_site.model import Cover, SiteAlbum
from sample_site.vocabulary import moods_in_use

COVER_STREAM = 5
MOOD_WEIGHTS = (0.46, 0.24, 0.14, 0.09, 0.07)
PATTERN_GROUPS = 3
NOT_AN_IMAGE = (
    b"<html><head><title>503 Service Temporarily Unavailable</title></head>"
    b"<body><h1>Image temporarily unavailable</h1></body></html>\n"
)

Mask = np.ndarray
Pattern = Callable[[np.random.Generator, np.ndarray, np.ndarray], Mask]


@dataclass(frozen=True)
class Signature:
    """A mood group's look: two background colours, an accent, tone targets and a pattern."""

    background: tuple[str, str]
    accent: str
    brightness: float
    contrast: float
    saturation: float
    pattern: str


SIGNATURES: dict[str, Signature] = {
    "energetic": Signature(("#ff6a00", "#ffd000"), "#d7141a", 0.62, 0.22, 1.3, "diagonal_stripes"),
    "rowdy": Signature(("#c8102e", "#ffb000"), "#111111", 0.50, 0.28, 1.2, "confetti"),
    "aggressive": Signature(("#0a0a0a", "#5c0000"), "#ff2a00", 0.22, 0.30, 1.1, "shards"),
    "dark": Signature(("#050807", "#1f2a1c"), "#4b2a5c", 0.12, 0.08, 0.6, "fog"),
    "melancholy": Signature(("#51607a", "#8a8f99"), "#c9a36b", 0.45, 0.10, 0.45, "rain"),
    "bleak": Signature(("#1d232b", "#4a525c"), "#7d858f", 0.28, 0.09, 0.25, "bands"),
    "happy": Signature(("#ffe14d", "#7fd3ff"), "#ffffff", 0.78, 0.16, 1.2, "sun"),
    "playful": Signature(("#ff77c8", "#6fe3e0"), "#b6ff3b", 0.68, 0.22, 1.4, "polka"),
    "amiable": Signature(("#ffd1b3", "#ffeacc"), "#f7a1a1", 0.80, 0.07, 0.8, "soft_dots"),
    "earnest": Signature(("#c8b48a", "#8c7a55"), "#5a4a30", 0.55, 0.10, 0.6, "frame"),
    "calm": Signature(("#a8e6da", "#e8f6f3"), "#6cc4b4", 0.78, 0.06, 0.6, "waves"),
    "dreamy": Signature(("#5a2d82", "#d04fb0"), "#88a8ff", 0.42, 0.14, 1.1, "glow"),
    "romantic": Signature(("#7a0f2e", "#e0607e"), "#ffc0cb", 0.38, 0.16, 1.1, "bokeh"),
    "sophisticated": Signature(("#111111", "#2a2418"), "#d4af37", 0.25, 0.18, 0.9, "pinstripes"),
    "epic": Signature(("#0b1d4f", "#1e3a8a"), "#f5c542", 0.33, 0.22, 1.1, "rings"),
    "cerebral": Signature(("#9fb8c8", "#dfe8ee"), "#2f5d7c", 0.60, 0.16, 0.6, "grid"),
    "wry": Signature(("#a8d400", "#e000a8"), "#fafafa", 0.55, 0.24, 1.2, "checker"),
    "rebellious": Signature(("#0d0d0d", "#202020"), "#39ff14", 0.24, 0.26, 1.3, "grain_bars"),
    "reverent": Signature(("#fbf6e9", "#e6d7a8"), "#ffffff", 0.86, 0.08, 0.5, "beam"),
    "earthy": Signature(("#8b5a2b", "#6b8e23"), "#d2b48c", 0.42, 0.14, 0.8, "horizon"),
    "nocturnal": Signature(("#020418", "#0b1640"), "#ffffff", 0.10, 0.10, 0.8, "stars"),
    "strong": Signature(("#1c3f95", "#c1121f"), "#f1f1f1", 0.45, 0.28, 1.1, "blocks"),
}


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float32) / 255.0


def _luminance(img: np.ndarray) -> np.ndarray:
    """Luminance of a channel-first RGB array."""
    return np.float32(0.299) * img[0] + np.float32(0.587) * img[1] + np.float32(0.114) * img[2]


def _draw(rng: np.random.Generator, yy: np.ndarray, paint: Callable[[ImageDraw.ImageDraw, int, int], None]) -> Mask:
    height, width = yy.shape
    canvas = Image.new("L", (width, height), 0)
    paint(ImageDraw.Draw(canvas), width, height)
    return np.asarray(canvas, dtype=np.float32) / 255.0


def _smooth_noise(rng: np.random.Generator, yy: np.ndarray, cells: int) -> Mask:
    height, width = yy.shape
    coarse = Image.fromarray((rng.random((cells, cells)) * 255).astype(np.uint8), "L")
    return np.asarray(coarse.resize((width, height), Image.Resampling.BICUBIC), dtype=np.float32) / 255.0


def _diagonal_stripes(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    angle = np.pi / 4 + rng.normal(0, 0.15)
    frequency = rng.uniform(5, 9)
    wave = np.sin(2 * np.pi * frequency * (xx * np.cos(angle) + yy * np.sin(angle)) + rng.uniform(0, 2 * np.pi))
    return (wave > 0.2).astype(np.float32)


def _confetti(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    mask = np.zeros_like(yy)
    height, width = yy.shape
    for _ in range(int(rng.integers(40, 80))):
        y, x = int(rng.integers(height)), int(rng.integers(width))
        size_y, size_x = int(rng.integers(4, 16)), int(rng.integers(4, 16))
        mask[y : y + size_y, x : x + size_x] = 1.0
    return mask


def _shards(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    def paint(draw: ImageDraw.ImageDraw, width: int, height: int) -> None:
        for _ in range(int(rng.integers(5, 10))):
            points = [(float(rng.uniform(0, width)), float(rng.uniform(0, height))) for _ in range(3)]
            draw.polygon(points, fill=255)

    return _draw(rng, yy, paint)


def _fog(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    return _smooth_noise(rng, yy, 5) ** 2


def _rain(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    slant = rng.uniform(-0.15, 0.15)
    width = yy.shape[1]
    columns = rng.random(width * 2) < 0.12
    position = np.clip(((xx + slant * yy) * width).astype(np.int64) + width // 2, 0, 2 * width - 1)
    return columns[position].astype(np.float32) * (0.5 + 0.5 * _smooth_noise(rng, yy, 4))


def _bands(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    count = int(rng.integers(4, 8))
    levels = rng.random(count).astype(np.float32)
    return levels[np.minimum((yy * count).astype(np.int64), count - 1)]


def _sun(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    cy, cx, radius = rng.uniform(0.2, 0.5), rng.uniform(0.25, 0.75), rng.uniform(0.15, 0.28)
    distance = np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2)
    rays = 0.5 + 0.5 * np.sin(np.arctan2(yy - cy, xx - cx) * int(rng.integers(8, 16)))
    return np.maximum((distance < radius).astype(np.float32), 0.35 * rays * (distance < 2.2 * radius))


def _polka(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    spacing = rng.uniform(0.09, 0.14)
    oy, ox = rng.uniform(0, spacing, size=2)
    dy = (yy + oy) % spacing - spacing / 2
    dx = (xx + ox) % spacing - spacing / 2
    return ((dy**2 + dx**2) < (0.3 * spacing) ** 2).astype(np.float32)


def _circles(rng: np.random.Generator, yy: np.ndarray, count: int, radii: tuple[float, float]) -> Mask:
    def paint(draw: ImageDraw.ImageDraw, width: int, height: int) -> None:
        for _ in range(count):
            r = rng.uniform(*radii) * width
            x, y = rng.uniform(0, width), rng.uniform(0, height)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=int(rng.integers(140, 256)))

    return _draw(rng, yy, paint)


def _soft_dots(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    mask = _circles(rng, yy, int(rng.integers(5, 10)), (0.06, 0.14))
    blurred = Image.fromarray((mask * 255).astype(np.uint8), "L").filter(ImageFilter.BoxBlur(6))
    return np.asarray(blurred, dtype=np.float32) / 255.0


def _frame(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    margin, line = rng.uniform(0.06, 0.14), rng.uniform(0.015, 0.035)
    inner = (yy > margin) & (yy < 1 - margin) & (xx > margin) & (xx < 1 - margin)
    core = (yy > margin + line) & (yy < 1 - margin - line) & (xx > margin + line) & (xx < 1 - margin - line)
    return (inner & ~core).astype(np.float32) + 0.25 * _smooth_noise(rng, yy, 32)


def _waves(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    frequency, amplitude, wobble = rng.uniform(3, 6), rng.uniform(0.02, 0.06), rng.uniform(1, 3)
    return 0.5 + 0.5 * np.sin(2 * np.pi * (frequency * yy + amplitude * np.sin(2 * np.pi * wobble * xx)))


def _glow(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    cy, cx, spread = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7), rng.uniform(0.15, 0.3)
    return np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / spread**2) * (0.6 + 0.4 * _smooth_noise(rng, yy, 6))


def _bokeh(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    mask = _circles(rng, yy, int(rng.integers(10, 20)), (0.03, 0.09))
    return (
        np.asarray(Image.fromarray((mask * 255).astype(np.uint8), "L").filter(ImageFilter.BoxBlur(2)), dtype=np.float32)
        / 255.0
    )


def _pinstripes(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    frequency = rng.uniform(14, 22)
    return (((xx + rng.uniform(0, 1)) * frequency) % 1.0 < 0.09).astype(np.float32)


def _rings(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    cy, cx, frequency = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7), rng.uniform(6, 10)
    return (np.sin(2 * np.pi * frequency * np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2)) > 0.3).astype(np.float32)


def _grid(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    frequency = rng.uniform(8, 12)
    oy, ox = rng.uniform(0, 1, size=2)
    return ((((yy + oy) * frequency) % 1.0 < 0.07) | (((xx + ox) * frequency) % 1.0 < 0.07)).astype(np.float32)


def _checker(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    frequency = rng.uniform(4, 8)
    oy, ox = rng.uniform(0, 1, size=2)
    cells = np.floor((yy + oy) * frequency) + np.floor((xx + ox) * frequency)
    return (cells % 2).astype(np.float32)


def _grain_bars(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    grain = (rng.random(yy.shape) > 0.55).astype(np.float32) * 0.7
    angle = -np.pi / 6 + rng.normal(0, 0.1)
    wave = np.sin(2 * np.pi * rng.uniform(2, 3.5) * (xx * np.cos(angle) + yy * np.sin(angle)) + rng.uniform(0, 6.3))
    return np.maximum(grain, (wave > 0.75).astype(np.float32))


def _beam(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    centre, width = rng.uniform(0.35, 0.65), rng.uniform(0.06, 0.12)
    return np.exp(-(((xx - centre) / width) ** 2)) * (1.0 - 0.5 * yy)


def _horizon(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    level = rng.uniform(0.45, 0.65) + 0.04 * np.sin(2 * np.pi * rng.uniform(0.5, 1.5) * xx + rng.uniform(0, 6.3))
    return (yy > level).astype(np.float32) * (0.7 + 0.3 * (rng.random(yy.shape) > 0.5))


def _stars(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    points = (rng.random(yy.shape) > 0.992).astype(np.float32)
    points[1:, 1:] = np.maximum(points[1:, 1:], points[:-1, :-1])
    points[1:, :] = np.maximum(points[1:, :], points[:-1, :])
    return points


def _blocks(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> Mask:
    mask = np.zeros_like(yy)
    for _ in range(int(rng.integers(2, 5))):
        y0, x0 = rng.uniform(0, 0.7, size=2)
        y1, x1 = y0 + rng.uniform(0.15, 0.45), x0 + rng.uniform(0.15, 0.45)
        mask[(yy > y0) & (yy < y1) & (xx > x0) & (xx < x1)] = 1.0
    return mask


PATTERNS: dict[str, Pattern] = {
    "diagonal_stripes": _diagonal_stripes,
    "confetti": _confetti,
    "shards": _shards,
    "fog": _fog,
    "rain": _rain,
    "bands": _bands,
    "sun": _sun,
    "polka": _polka,
    "soft_dots": _soft_dots,
    "frame": _frame,
    "waves": _waves,
    "glow": _glow,
    "bokeh": _bokeh,
    "pinstripes": _pinstripes,
    "rings": _rings,
    "grid": _grid,
    "checker": _checker,
    "grain_bars": _grain_bars,
    "beam": _beam,
    "horizon": _horizon,
    "stars": _stars,
    "blocks": _blocks,
}


def group_weights(moods: tuple[str, ...]) -> list[tuple[str, float]]:
    """(group, weight) of an album's first moods, heaviest first: the blend a cover is drawn from."""
    group_of = {mood.name: mood.group for mood in moods_in_use()}
    known = [group_of[name] for name in moods if name in group_of][: len(MOOD_WEIGHTS)]
    if not known:
        return []
    raw = MOOD_WEIGHTS[: len(known)]
    total = sum(raw)
    weights: dict[str, float] = {}
    for group, weight in zip(known, raw, strict=True):
        weights[group] = weights.get(group, 0.0) + weight / total
    return sorted(weights.items(), key=lambda item: -item[1])


def render_pixels(moods: tuple[str, ...], width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """The cover as an RGB uint8 array of shape (height, width, 3); computed channel-first, in place, for speed."""
    blend = group_weights(moods) or [("calm", 1.0)]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    yy /= height
    xx /= width
    signatures = [(SIGNATURES[group], weight) for group, weight in blend]
    first = sum(weight * _rgb(sig.background[0]) for sig, weight in signatures)
    second = sum(weight * _rgb(sig.background[1]) for sig, weight in signatures)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.clip(0.5 + (xx - 0.5) * np.cos(angle) + (yy - 0.5) * np.sin(angle), 0, 1)
    img = np.empty((3, height, width), dtype=np.float32)
    for c in range(3):
        img[c] = first[c] + (second[c] - first[c]) * ramp
    for sig, weight in signatures[:PATTERN_GROUPS]:
        alpha = np.float32(min(0.9, 0.15 + 0.85 * weight)) * PATTERNS[sig.pattern](rng, yy, xx)
        accent = _rgb(sig.accent)
        for c in range(3):
            img[c] += alpha * (accent[c] - img[c])
    brightness = sum(w * s.brightness for s, w in signatures) + rng.normal(0, 0.05)
    spread = sum(w * s.contrast for s, w in signatures) * float(np.exp(rng.normal(0, 0.15)))
    saturation = np.float32(sum(w * s.saturation for s, w in signatures))
    grey = _luminance(img)
    img -= grey
    img *= saturation
    img += grey
    luminance = _luminance(img)
    img -= np.float32(luminance.mean())
    img *= np.float32(spread / max(float(luminance.std()), 0.02))
    img += np.float32(brightness)
    _title_block(rng, img)
    img *= (1 + rng.normal(0, 0.02, size=3)).astype(np.float32)[:, None, None]
    img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(0.02)
    np.clip(img, 0, 1, out=img)
    img *= 255
    img += 0.5
    return np.ascontiguousarray(img.astype(np.uint8).transpose(1, 2, 0))


def _title_block(rng: np.random.Generator, img: np.ndarray) -> None:
    """Usually paint a block of a random colour with text-like lines: the artist and title a real cover carries."""
    if rng.random() > 0.7:
        return
    height, width = img.shape[1:]
    block_h, block_w = int(height * rng.uniform(0.08, 0.2)), int(width * rng.uniform(0.3, 0.8))
    top, left = int(rng.integers(0, height - block_h)), int(rng.integers(0, width - block_w))
    colour = rng.random(3).astype(np.float32)
    block = img[:, top : top + block_h, left : left + block_w]
    block *= 0.15
    block += 0.85 * colour[:, None, None]
    ink = np.float32(0.0 if colour.mean() > 0.5 else 1.0)
    for line in range(int(rng.integers(1, 4))):
        y = top + 3 + line * max(4, block_h // 3)
        if y + 2 < top + block_h:
            img[:, y : y + 2, left + 4 : left + 4 + int(block_w * rng.uniform(0.4, 0.9)) - 8] = ink


def encode(pixels: np.ndarray, fmt: str, rng: np.random.Generator) -> bytes:
    """JPEG (quality 82-94) or PNG bytes of an RGB array."""
    buffer = io.BytesIO()
    image = Image.fromarray(pixels, "RGB")
    if fmt == "PNG":
        image.save(buffer, "PNG", compress_level=3)
    else:
        image.save(buffer, "JPEG", quality=int(rng.integers(82, 95)))
    return buffer.getvalue()


def image_bomb_png(side: int = BOMB_SIDE) -> bytes:
    """A small PNG that declares side x side pixels (a decompression bomb to a careless reader)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + 3 * side) * 8, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def render_cover(
    seed: int, index: int, moods: tuple[str, ...], cover: Cover, faults: tuple[str, ...], corrupt_kind: str | None
) -> bytes | None:
    """The bytes served at a cover URL, from album number `index`'s moods; None where it is missing on purpose."""
    if MISSING_COVER in faults:
        return None
    if IMAGE_BOMB in faults:
        return image_bomb_png(cover.width)
    if CORRUPT_IMAGE in faults and corrupt_kind == "not_an_image":
        return NOT_AN_IMAGE
    rng = np.random.default_rng((seed, COVER_STREAM, index, cover.variant))
    data = encode(render_pixels(moods, cover.width, cover.height, rng), cover.format, rng)
    if CORRUPT_IMAGE in faults:
        return data[: len(data) // 2]
    return data


def cover_bytes(seed: int, album: SiteAlbum) -> bytes | None:
    """The bytes served at the album's cover URL; None where the cover is missing on purpose."""
    moods = tuple(m.name for m in album.moods)
    return render_cover(seed, album.index, moods, album.cover, album.faults, album.corrupt_kind)

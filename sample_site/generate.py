"""Write a whole sample site to a folder: pages, fragments, covers, listings, sitemaps, robots.txt, manifest.

Albums are planned, rendered and written in chunks by worker processes (covers are the expensive part); the
main process then writes what needs every album: sitemaps, listings and the manifest.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from sample_site import pages
from sample_site.covers import cover_bytes
from sample_site.errors import SampleSiteError
from sample_site.faults import CORRUPT_IMAGE, IMAGE_BOMB, Faults
from sample_site.manifest import MANIFEST_FILE, SITEMAP_SIZE, WWW_DIR, Manifest, write_manifest
from sample_site.model import SITE_CLOCK, SiteAlbum, Tag, w3c_datetime, www_file
from sample_site.plan import SitePlanner
from sample_site.vocabulary import genre_id, genre_names, moods_in_use, slugify, themes_in_use

logger = logging.getLogger(__name__)

MAX_ALBUMS = 1_000_000
CHUNK_WITH_COVERS = 100
CHUNK_PAGES_ONLY = 2_000
LISTING_LIMIT = 100
NEW_RELEASES = 50
PARALLEL_FROM = 200

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class _Chunk:
    """One worker task: plan and write albums [start, stop) of a site."""

    www: str
    albums: int
    seed: int
    faults: Faults
    covers: bool
    start: int
    stop: int


_planners: dict[tuple[int, int, Faults], SitePlanner] = {}


def _planner(albums: int, seed: int, faults: Faults) -> SitePlanner:
    key = (albums, seed, faults)
    if key not in _planners:
        _planners.clear()
        _planners[key] = SitePlanner(albums, seed, faults)
    return _planners[key]


def write_album_files(www: Path, album: SiteAlbum, seed: int, *, cover: bool) -> None:
    """Write an album's page, its 2023 fragments and (if asked, or if the cover is faulty on purpose) its cover."""
    page = www / www_file(album.path)
    page.write_text(pages.album_page(album), encoding="utf-8")
    if album.design == "2023":
        fragments = page.with_suffix("")
        fragments.mkdir(exist_ok=True)
        (fragments / "moodsThemesAjax.html").write_text(pages.moods_themes_fragment(album), encoding="utf-8")
        (fragments / "reviewAjax.html").write_text(pages.review_fragment(album), encoding="utf-8")
    if cover or CORRUPT_IMAGE in album.faults or IMAGE_BOMB in album.faults:
        data = cover_bytes(seed, album)
        if data is not None:
            (www / album.cover.file).write_bytes(data)


def _build_chunk(chunk: _Chunk) -> list[SiteAlbum]:
    """Plan and write one chunk of albums (runs in a worker process, or inline)."""
    planner = _planner(chunk.albums, chunk.seed, chunk.faults)
    www = Path(chunk.www)
    built = []
    for index in range(chunk.start, chunk.stop):
        album = planner.album(index)
        write_album_files(www, album, chunk.seed, cover=chunk.covers)
        built.append(album)
    return built


def _chunks(www: Path, albums: int, seed: int, faults: Faults, covers: bool) -> list[_Chunk]:
    size = CHUNK_WITH_COVERS if covers else CHUNK_PAGES_ONLY
    return [
        _Chunk(str(www), albums, seed, faults, covers, start, min(start + size, albums))
        for start in range(0, albums, size)
    ]


def _run_chunks(chunks: list[_Chunk], workers: int, progress: Progress | None, total: int) -> Iterator[SiteAlbum]:
    done = 0
    if workers <= 1:
        for chunk in chunks:
            built = _build_chunk(chunk)
            done += len(built)
            if progress:
                progress(done, total)
            yield from built
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_build_chunk, chunk) for chunk in chunks]
        for future in as_completed(futures):
            built = future.result()
            done += len(built)
            if progress:
                progress(done, total)
            yield from built


def write_sitemaps(www: Path, albums: list[SiteAlbum], sitemap_size: int, only: set[str] | None = None) -> None:
    """Write the album urlsets (all, or only the paths in `only`), the discover urlset and the index."""
    (www / "sitemaps").mkdir(exist_ok=True)
    index_entries = []
    for start in range(0, len(albums), sitemap_size):
        part = albums[start : start + sitemap_size]
        path = f"/sitemaps/albums-{start // sitemap_size + 1:04d}.xml"
        if only is None or path in only:
            (www / www_file(path)).write_text(
                pages.urlset(pages.album_sitemap_entry(a) for a in part), encoding="utf-8"
            )
        index_entries.append((path, w3c_datetime(max(album.lastmod for album in part))))
    index_entries.append(("/sitemaps/discover.xml", w3c_datetime(SITE_CLOCK)))
    (www / "sitemap.xml").write_text(pages.sitemap_index(index_entries), encoding="utf-8")


def _listing_links(albums: Iterable[SiteAlbum]) -> list[tuple[str, str]]:
    return [(album.url, f"{album.artist} - {album.title} ({album.year})") for album in albums]


def write_listings(www: Path, albums: list[SiteAlbum]) -> list[str]:
    """Write the home page and the mood, theme and genre listings; return their URL paths."""
    by_mood: dict[str, list[SiteAlbum]] = {}
    by_theme: dict[str, list[SiteAlbum]] = {}
    by_genre: dict[str, list[SiteAlbum]] = {}
    for album in albums:
        for key, tags in ((by_mood, album.moods), (by_theme, album.themes), (by_genre, album.genres)):
            for tag in tags:
                bucket = key.setdefault(tag.id, [])
                if len(bucket) < LISTING_LIMIT:
                    bucket.append(album)
    written = []
    kinds = (
        ("mood", "Moods", [Tag(m.id, m.name) for m in moods_in_use()], by_mood),
        ("theme", "Themes", [Tag(*theme) for theme in themes_in_use()], by_theme),
        ("genre", "Genres", [Tag(genre_id(name), name) for name in genre_names()], by_genre),
    )
    for kind, heading, tags, buckets in kinds:
        (www / kind).mkdir(exist_ok=True)
        used = [tag for tag in tags if tag.id in buckets]
        links = [(f"/{kind}/{slugify(tag.name)}-{tag.id}", tag.name) for tag in used]
        (www / f"{kind}s.html").write_text(pages.listing_page(heading, links), encoding="utf-8")
        written.append(f"/{kind}s")
        for tag, (path, _) in zip(used, links, strict=True):
            note = f"Albums with {tag.name} (the first {LISTING_LIMIT})."
            (www / www_file(path)).write_text(
                pages.listing_page(tag.name, _listing_links(buckets[tag.id]), note), encoding="utf-8"
            )
            written.append(path)
    newest = sorted(albums, key=lambda album: (album.lastmod, album.index), reverse=True)[:NEW_RELEASES]
    home_links = [("/moods", "Moods"), ("/themes", "Themes"), ("/genres", "Genres"), *_listing_links(newest)]
    (www / "index.html").write_text(pages.listing_page("AllMusic sample site", home_links), encoding="utf-8")
    return ["/", *written]


def _prepare(out: Path) -> Path:
    """An empty `www/` under `out`; refuses a non-empty folder that is not a sample site."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()) and not (out / MANIFEST_FILE).exists():
        raise SampleSiteError(f"{out} is not empty and holds no sample site; choose an empty or new folder with --out")
    www = out / WWW_DIR
    if www.exists():
        shutil.rmtree(www)
    for folder in ("album", "images/cover", "sitemaps"):
        (www / folder).mkdir(parents=True)
    return www


def generate_site(
    out: Path,
    albums: int,
    seed: int = 0,
    *,
    faults: Faults | None = None,
    covers: bool = True,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Manifest:
    """Generate a site of `albums` albums into `out` (same albums and seed -> the same bytes) and its manifest.

    `covers=False` writes pages only (the server renders a cover when it is asked for it); `workers` defaults
    to the CPU count; `progress(done, total)` is called as albums are written.
    """
    if not 1 <= albums <= MAX_ALBUMS:
        raise SampleSiteError(f"--albums must be between 1 and {MAX_ALBUMS:,} (got {albums})")
    faults = (faults or Faults()).check()
    faults.content_counts(albums)
    out = Path(out)
    started = time.perf_counter()
    www = _prepare(out)
    workers = workers or os.cpu_count() or 1
    if albums < PARALLEL_FROM:
        workers = 1
    chunks = _chunks(www, albums, seed, faults, covers)
    built = sorted(_run_chunks(chunks, workers, progress, albums), key=lambda album: album.index)
    (www / "robots.txt").write_text(pages.robots_txt(), encoding="utf-8")
    listings = write_listings(www, built)
    (www / "sitemaps").mkdir(exist_ok=True)
    (www / "sitemaps" / "discover.xml").write_text(
        pages.urlset((path, w3c_datetime(SITE_CLOCK)) for path in listings), encoding="utf-8"
    )
    write_sitemaps(www, built, SITEMAP_SIZE)
    manifest = Manifest(seed=seed, size=albums, covers_rendered=covers, faults=faults, albums=tuple(built))
    write_manifest(out, manifest)
    logger.info(
        "generated %d albums (seed %d, covers %s) in %s in %.1f s",
        albums,
        seed,
        covers,
        out,
        time.perf_counter() - started,
    )
    return manifest

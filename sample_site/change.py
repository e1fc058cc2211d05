"""Change K albums of a generated site, so an incremental crawl has exactly K changed albums to find.

Each changed album gets a new review, new moods after its first five (the five its cover is drawn from), or a
new cover (a new file name, as a CDN would give it), sometimes two of these. Its lastmod moves to one hour past
the site's newest lastmod (or the site clock), in its page(s), its sitemap urlset, the index, its Last-Modified
and its ETag.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from sample_site import names
from sample_site.errors import SampleSiteError
from sample_site.faults import CONTENT_FAULTS, REDESIGNED
from sample_site.generate import write_album_files, write_sitemaps
from sample_site.manifest import WWW_DIR, load_manifest, write_manifest
from sample_site.model import Cover, SiteAlbum, Tag
from sample_site.plan import MAX_MOODS, sample_moods, transient_faults
from sample_site.vocabulary import moods_in_use

logger = logging.getLogger(__name__)

CHANGE_STREAM = 9
REVIEW, MOODS, COVER, REDESIGN = "review", "moods", "cover", "redesign"
CHANGE_KINDS = (REVIEW, MOODS, COVER)
KEPT_MOODS = 5
SECOND_KIND_SHARE = 0.25


@dataclass(frozen=True)
class ChangedAlbum:
    """One changed album: its id, URL path and what changed."""

    id: str
    path: str
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class ChangeReport:
    """One round of changes: its number, seed, the new lastmod and the albums changed."""

    round: int
    seed: int
    lastmod: datetime
    albums: tuple[ChangedAlbum, ...]


def _new_review(album: SiteAlbum, rng: np.random.Generator) -> SiteAlbum:
    author = names.critic(rng)
    if author == album.review_author:
        author = names.CRITICS[(names.CRITICS.index(author) + 1) % len(names.CRITICS)]
    paragraphs = names.review_paragraphs(
        rng,
        title=album.title,
        artist=album.artist,
        year=album.year,
        genre=album.genres[0].name,
        style=album.styles[0].name,
        moods=tuple(m.name for m in album.moods),
    )
    return replace(album, review_author=author, review_paragraphs=paragraphs)


def _new_moods(album: SiteAlbum, rng: np.random.Generator) -> SiteAlbum:
    kept = album.moods[:KEPT_MOODS]
    in_use = moods_in_use()
    genres = tuple(g.name for g in album.genres)
    fresh = [Tag(in_use[i].id, in_use[i].name) for i in sample_moods(rng, genres, album.year)]
    tail = [tag for tag in fresh if tag not in kept][: max(1, len(album.moods) - KEPT_MOODS)]
    moods = (*kept, *tail)[:MAX_MOODS]
    if moods == album.moods:
        spare = next(Tag(m.id, m.name) for m in in_use if Tag(m.id, m.name) not in moods)
        moods = (*moods[: MAX_MOODS - 1], spare)
    counts = (
        tuple(sorted((int(c) for c in rng.integers(1, 13, size=len(moods))), reverse=True)) if album.mood_counts else ()
    )
    return replace(album, moods=moods, mood_counts=counts)


def _new_cover(album: SiteAlbum) -> SiteAlbum:
    variant = album.cover.variant + 1
    suffix = album.cover.file.rsplit(".", 1)[-1]
    file = f"images/cover/{album.id}-v{variant}.{suffix}"
    return replace(album, cover=Cover(file, album.cover.format, album.cover.width, album.cover.height, variant))


def _redesigned(album: SiteAlbum) -> SiteAlbum:
    """The album's page moved to a new page design the crawler does not know (a site redesign)."""
    return replace(album, design="2023", tabs_rendered=False, faults=(REDESIGNED, *album.faults))


def change_site(site_dir: Path, albums: int, seed: int | None = None, *, redesign: bool = False) -> ChangeReport:
    """Change `albums` good albums of the site in `site_dir` (files, sitemaps and manifest); deterministic in the
    site, the round (how many changes came before) and `seed` (the site's seed by default). With `redesign`, each
    changed album's page moves to a page design the crawler does not know instead."""
    site_dir = Path(site_dir)
    manifest = load_manifest(site_dir)
    www = site_dir / WWW_DIR
    round_number = len(manifest.changes) + 1
    seed = manifest.seed if seed is None else seed
    candidates = manifest.good_albums()
    if not 1 <= albums <= len(candidates):
        raise SampleSiteError(
            f"--albums must be between 1 and {len(candidates)} (the site's good albums); got {albums}"
        )
    rng = np.random.default_rng((seed, CHANGE_STREAM, round_number))
    picks = sorted(int(i) for i in rng.choice(len(candidates), size=albums, replace=False))
    lastmod = max(manifest.last_modified, manifest.generated_at).replace(microsecond=0) + timedelta(hours=1)
    changed: dict[str, SiteAlbum] = {}
    report = []
    for position in picks:
        album = candidates[position]
        kinds = {CHANGE_KINDS[names.below(rng, len(CHANGE_KINDS))]}
        if rng.random() < SECOND_KIND_SHARE:
            kinds.add(CHANGE_KINDS[names.below(rng, len(CHANGE_KINDS))])
        if redesign:
            kinds = {REDESIGN}
        new = _redesigned(album) if redesign else album
        if REVIEW in kinds:
            new = _new_review(new, rng)
        if MOODS in kinds:
            new = _new_moods(new, rng)
        if COVER in kinds:
            new = _new_cover(new)
        new = replace(new, lastmod=lastmod)
        content_faults = tuple(fault for fault in new.faults if fault in CONTENT_FAULTS)
        new = replace(new, faults=(*content_faults, *transient_faults(new, manifest.seed, manifest.faults)))
        write_album_files(www, new, manifest.seed, cover=COVER in kinds and manifest.covers_rendered)
        if COVER in kinds:
            (www / album.cover.file).unlink(missing_ok=True)
        changed[album.id] = new
        report.append(ChangedAlbum(album.id, album.path, tuple(k for k in (*CHANGE_KINDS, REDESIGN) if k in kinds)))
    all_albums = [changed.get(album.id, album) for album in manifest.albums]
    write_sitemaps(www, all_albums, manifest.sitemap_size, only={manifest.sitemap_path(a) for a in changed.values()})
    record = {
        "round": round_number,
        "seed": seed,
        "lastmod": lastmod.isoformat(),
        "albums": [{"id": item.id, "kinds": list(item.kinds)} for item in report],
    }
    write_manifest(site_dir, replace(manifest, albums=tuple(all_albums), changes=(*manifest.changes, record)))
    logger.info("changed %d albums of %s (round %d, lastmod %s)", albums, site_dir, round_number, lastmod.isoformat())
    return ChangeReport(round=round_number, seed=seed, lastmod=lastmod, albums=tuple(report))

"""The ground-truth manifest written with a site: every album as generated, the faults, the seed and size.

Crawler tests read it to check that a crawl stored every good album with its moods in order and accounted for
every bad one; `change` updates it. It lives beside `www/` (the served files), never inside it, with a compact
`routes.json` (what the server needs per album) written after it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from sample_site.errors import SampleSiteError
from sample_site.faults import CONTENT_FAULTS, Faults
from sample_site.model import BASE_PLACEHOLDER, SITE_CLOCK, Cover, SiteAlbum
from sample_site.vocabulary import moods_in_use

MANIFEST_FILE = "manifest.json"
ROUTES_FILE = "routes.json"
ROUTES_HEAD = ("format", "seed", "size", "generated_at", "covers_rendered", "sitemap_size", "faults")
COVER_MOODS = 5
WWW_DIR = "www"
FORMAT_VERSION = 1
SITEMAP_SIZE = 1_000


@dataclass(frozen=True)
class Manifest:
    """A sample site as generated (and changed): settings, albums in index order, and the change history."""

    seed: int
    size: int
    covers_rendered: bool
    faults: Faults
    albums: tuple[SiteAlbum, ...]
    generated_at: datetime = SITE_CLOCK
    sitemap_size: int = SITEMAP_SIZE
    changes: tuple[dict[str, Any], ...] = field(default=())

    @cached_property
    def by_id(self) -> dict[str, SiteAlbum]:
        """Albums by id."""
        return {album.id: album for album in self.albums}

    def album(self, album_id: str) -> SiteAlbum:
        """The album with this id (`mw…`, any case)."""
        try:
            return self.by_id[album_id.lower()]
        except KeyError:
            raise SampleSiteError(f"album {album_id} is not in this sample site") from None

    def good_albums(self) -> list[SiteAlbum]:
        """Albums with no content fault: a correct crawl stores each of them (transient faults recover)."""
        return [album for album in self.albums if not set(album.faults) & set(CONTENT_FAULTS)]

    def bad_albums(self) -> list[SiteAlbum]:
        """Albums with a content fault: a correct crawl reports each of them (or stores it without the cover)."""
        return [album for album in self.albums if set(album.faults) & set(CONTENT_FAULTS)]

    def fault_counts(self) -> dict[str, int]:
        """How many albums carry each fault."""
        return dict(Counter(fault for album in self.albums for fault in album.faults))

    def design_counts(self) -> dict[str, int]:
        """How many albums use each page design."""
        return dict(Counter(album.design for album in self.albums))

    def form_counts(self) -> dict[str, int]:
        """How many album pages show their moods each way (inline, subrequests, tabs_rendered, redesigned)."""
        return dict(Counter(album.page_form for album in self.albums))

    @property
    def last_modified(self) -> datetime:
        """The newest lastmod of any album (the site clock's 'now')."""
        return max((album.lastmod for album in self.albums), default=self.generated_at)

    def sitemap_path(self, album: SiteAlbum) -> str:
        """The URL path of the urlset that lists this album."""
        return f"/sitemaps/albums-{album.index // self.sitemap_size + 1:04d}.xml"

    def to_json(self, *, albums: bool = True) -> dict[str, Any]:
        """The manifest file's content (without the albums list if `albums` is False)."""
        data = {
            "format": FORMAT_VERSION,
            "seed": self.seed,
            "size": self.size,
            "generated_at": self.generated_at.isoformat(),
            "base_placeholder": BASE_PLACEHOLDER,
            "covers_rendered": self.covers_rendered,
            "sitemap_size": self.sitemap_size,
            "faults": self.faults.to_json(),
            "designs": self.design_counts(),
            "page_forms": self.form_counts(),
            "fault_counts": self.fault_counts(),
            "moods_in_use": [{"id": m.id, "name": m.name, "group": m.group} for m in moods_in_use()],
            "changes": list(self.changes),
        }
        if albums:
            data["albums"] = [album.to_json() for album in self.albums]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        """Read a manifest file's content."""
        if data.get("format") != FORMAT_VERSION:
            raise SampleSiteError(
                f"manifest format {data.get('format')!r} is not {FORMAT_VERSION}; regenerate the site with "
                "`albumml sample-site generate`"
            )
        return cls(
            seed=data["seed"],
            size=data["size"],
            covers_rendered=data["covers_rendered"],
            faults=Faults.from_json(data["faults"]),
            albums=tuple(SiteAlbum.from_json(album) for album in data["albums"]),
            generated_at=datetime.fromisoformat(data["generated_at"]),
            sitemap_size=data["sitemap_size"],
            changes=tuple(data["changes"]),
        )


def load_manifest(site_dir: Path) -> Manifest:
    """The manifest of the site in `site_dir`, or a SampleSiteError that says how to make one."""
    path = Path(site_dir) / MANIFEST_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SampleSiteError(
            f"no sample site in {site_dir} ({MANIFEST_FILE} is missing): run "
            f"`albumml sample-site generate --out {site_dir}` first"
        ) from None
    try:
        return Manifest.from_json(json.loads(text))
    except (ValueError, KeyError, TypeError) as exc:
        raise SampleSiteError(f"{path} is not a readable sample-site manifest ({exc}); regenerate the site") from exc


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _write_atomically(path: Path, head: dict[str, Any], rows: Iterable[object]) -> None:
    """Write `head` plus a final "albums" list, one row at a time (no whole-file string in memory), then rename."""
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", encoding="utf-8") as out:
        out.write(_dumps(head)[:-1] + ',"albums":[')
        for number, row in enumerate(rows):
            out.write(("," if number else "") + _dumps(row))
        out.write("]}")
    partial.replace(path)


def write_manifest(site_dir: Path, manifest: Manifest) -> Path:
    """Write the manifest, then the server's routes, each atomically (a reader sees old or new, never half)."""
    path = Path(site_dir) / MANIFEST_FILE
    head = manifest.to_json(albums=False)
    _write_atomically(path, head, (album.to_json() for album in manifest.albums))
    routes_head = {key: head[key] for key in ROUTES_HEAD}
    _write_atomically(Path(site_dir) / ROUTES_FILE, routes_head, (Route.of(a).to_json() for a in manifest.albums))
    return path


@dataclass(frozen=True)
class Route:
    """What the server needs of one album: its URLs, validators, faults and what its cover is drawn from."""

    index: int
    path: str
    design: str
    cover: Cover
    lastmod: datetime
    faults: tuple[str, ...]
    corrupt_kind: str | None
    cover_moods: tuple[str, ...]

    @classmethod
    def of(cls, album: SiteAlbum) -> Route:
        """The route of an album."""
        return cls(
            album.index,
            album.path,
            album.design,
            album.cover,
            album.lastmod,
            album.faults,
            album.corrupt_kind,
            tuple(mood.name for mood in album.moods[:COVER_MOODS]),
        )

    def to_json(self) -> list[Any]:
        """A compact row for the routes file."""
        cover = self.cover
        return [
            self.index,
            self.path,
            self.design,
            [cover.file, cover.format, cover.width, cover.height, cover.variant],
            self.lastmod.isoformat(),
            list(self.faults),
            self.corrupt_kind,
            list(self.cover_moods),
        ]

    @classmethod
    def from_json(cls, row: list[Any]) -> Route:
        """Read a row written by `to_json`."""
        index, path, design, cover, lastmod, faults, corrupt_kind, moods = row
        moment = datetime.fromisoformat(lastmod)
        return cls(index, path, design, Cover(*cover), moment, tuple(faults), corrupt_kind, tuple(moods))


@dataclass(frozen=True)
class SiteRoutes:
    """The routes file: the manifest's settings and one Route per album, cheap to load for a big site."""

    seed: int
    covers_rendered: bool
    faults: Faults
    generated_at: datetime
    sitemap_size: int
    routes: tuple[Route, ...]


def load_routes(site_dir: Path) -> SiteRoutes:
    """The routes of the site in `site_dir` (written with its manifest)."""
    path = Path(site_dir) / ROUTES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SampleSiteError(
            f"no sample site in {site_dir} ({ROUTES_FILE} is missing): run "
            f"`albumml sample-site generate --out {site_dir}` first"
        ) from None
    if data.get("format") != FORMAT_VERSION:
        raise SampleSiteError(f"{path} has format {data.get('format')!r}, not {FORMAT_VERSION}; regenerate the site")
    return SiteRoutes(
        seed=data["seed"],
        covers_rendered=data["covers_rendered"],
        faults=Faults.from_json(data["faults"]),
        generated_at=datetime.fromisoformat(data["generated_at"]),
        sitemap_size=data["sitemap_size"],
        routes=tuple(Route.from_json(row) for row in data["albums"]),
    )


def absolute(url_or_path: str, base_url: str) -> str:
    """A manifest URL (placeholder base) or a URL path, made absolute on a served base URL."""
    if url_or_path.startswith(BASE_PLACEHOLDER):
        return base_url.rstrip("/") + url_or_path[len(BASE_PLACEHOLDER) :]
    return base_url.rstrip("/") + "/" + url_or_path.lstrip("/")

"""Serve a sample site over real HTTP on 127.0.0.1, with validators, conditional GETs and injected faults.

Pages hold the placeholder base; the server writes its own `http://127.0.0.1:PORT` in its place, so canonical
links, sitemap locs and cover URLs point back at it. ETag is a hash of the served bytes and the album's lastmod
(so a change of either changes it); Last-Modified is the album's lastmod. The server reads the compact routes
file written with the manifest, and re-reads it when it changes, so `change` takes effect while it runs.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from sample_site.covers import render_cover
from sample_site.errors import SampleSiteError
from sample_site.faults import AJAX_FAILURE, MISSING_COVER, REDIRECT_LOOP, SERVER_ERROR, SLOW, picked
from sample_site.manifest import (
    ROUTES_FILE,
    WWW_DIR,
    Manifest,
    Route,
    SiteRoutes,
    absolute,
    load_manifest,
    load_routes,
)
from sample_site.model import BASE_PLACEHOLDER, www_file

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".jpg": "image/jpeg",
    ".png": "image/png",
}
TEXT_SUFFIXES = (".html", ".xml", ".txt")
REDIRECT_SUFFIX = "/redirect"
PLACEHOLDER = BASE_PLACEHOLDER.encode()
ESCAPED_PLACEHOLDER = PLACEHOLDER.replace(b"/", b"\\/")  # as JSON with escaped slashes (imageGallery) writes it

ALBUM, MOODS_AJAX, REVIEW_AJAX, COVER, SITEMAP, ROBOTS, LISTING, REDIRECT, OTHER = (
    "album",
    "moods_ajax",
    "review_ajax",
    "cover",
    "sitemap",
    "robots",
    "listing",
    "redirect",
    "other",
)


@dataclass(frozen=True)
class RequestRecord:
    """One answered request: what was asked, what kind of resource it is, and the status given."""

    method: str
    path: str
    kind: str
    status: int
    conditional: bool
    seconds: float


@dataclass(frozen=True)
class _Response:
    status: int
    headers: dict[str, str]
    body: bytes = b""


class _SiteIndex:
    """What the server needs from the routes file, built once per version of it."""

    def __init__(self, site: SiteRoutes) -> None:
        self.site = site
        self.parts: dict[str, tuple[Route, str]] = {}
        for route in site.routes:
            self.parts[route.path] = (route, ALBUM)
            self.parts[route.path + REDIRECT_SUFFIX] = (route, REDIRECT)
            self.parts[route.cover.path] = (route, COVER)
            if route.design == "2023":
                self.parts[route.path + "/moodsThemesAjax"] = (route, MOODS_AJAX)
                self.parts[route.path + "/reviewAjax"] = (route, REVIEW_AJAX)
        self.sitemap_times: dict[str, datetime] = {}
        for start in range(0, len(site.routes), site.sitemap_size):
            part = site.routes[start : start + site.sitemap_size]
            path = f"/sitemaps/albums-{start // site.sitemap_size + 1:04d}.xml"
            self.sitemap_times[path] = max(route.lastmod for route in part)
        newest = max((route.lastmod for route in site.routes), default=site.generated_at)
        self.sitemap_times["/sitemap.xml"] = max(newest, site.generated_at)


def _kind(path: str, found: tuple[Route, str] | None) -> str:
    """What a path is, from the manifest where it names an album's URL, else from its shape."""
    if found is not None:
        return found[1]
    if path.startswith("/album/"):
        tail = path.rsplit("/", 1)[-1]
        return {"moodsThemesAjax": MOODS_AJAX, "reviewAjax": REVIEW_AJAX}.get(tail, ALBUM)
    if path.startswith("/images/cover/"):
        return COVER
    if path == "/robots.txt":
        return ROBOTS
    if path == "/sitemap.xml" or path.startswith("/sitemaps/"):
        return SITEMAP
    if path == "/" or path.lstrip("/").split("/", 1)[0] in ("moods", "themes", "genres", "mood", "theme", "genre"):
        return LISTING
    return OTHER


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "albumml-sample-site/1"
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        """Answer a GET."""
        self.server.site.answer(self, head=False)

    def do_HEAD(self) -> None:
        """Answer a HEAD: the GET's headers without the body."""
        self.server.site.answer(self, head=True)

    def log_message(self, format: str, *args: Any) -> None:
        """Per-request lines go to the debug log only."""
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s", self.address_string(), format % args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    site: SiteServer


class SiteServer:
    """A sample site served over HTTP from a background thread (or the foreground, for the CLI).

    Serve-time knobs override the site's own: `server_errors` (share of album URLs answering 503 first),
    `server_error_attempts` (failing attempts per URL, also for the 2023 ajax 500s), `slow_pages` (share of album
    pages answering late) and `slow_seconds`.
    """

    def __init__(
        self,
        site_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        server_errors: float | None = None,
        server_error_attempts: int | None = None,
        slow_pages: float | None = None,
        slow_seconds: float | None = None,
    ) -> None:
        self.site_dir = Path(site_dir)
        self.www = self.site_dir / WWW_DIR
        self._routes_path = self.site_dir / ROUTES_FILE
        self._manifest: tuple[int, Manifest] | None = None
        self._overrides = {
            "server_errors": server_errors,
            "server_error_attempts": server_error_attempts,
            "slow_pages": slow_pages,
            "slow_seconds": slow_seconds,
        }
        self._lock = threading.Lock()
        self._index_version = -1
        self._index = self._load_index()
        self._attempts: Counter[tuple[str, str]] = Counter()
        self.request_log: list[RequestRecord] = []
        try:
            self._httpd = _HTTPServer((host, port), _Handler)
        except OSError as exc:
            raise SampleSiteError(f"cannot listen on {host}:{port} ({exc}); choose another --port") from exc
        self._httpd.site = self
        self._thread: threading.Thread | None = None
        self.base_url = f"http://{host}:{self._httpd.server_address[1]}"
        self._base_bytes = self.base_url.encode()
        self._escaped_base = self._base_bytes.replace(b"/", b"\\/")

    @property
    def manifest(self) -> Manifest:
        """The site's manifest as of the routes the server now serves (read on first use after each change)."""
        self._current_index()
        with self._lock:
            if self._manifest is None or self._manifest[0] != self._index_version:
                self._manifest = (self._index_version, load_manifest(self.site_dir))
            return self._manifest[1]

    @property
    def faults(self) -> dict[str, Any]:
        """The effective transient-fault knobs (the site's, with serve-time overrides)."""
        knobs = self._current_index().site.faults.with_overrides(**self._overrides)
        return {name: getattr(knobs, name) for name in self._overrides}

    def url(self, url_or_path: str) -> str:
        """An absolute URL on this server for a URL path or a manifest URL."""
        return absolute(url_or_path, self.base_url)

    def start(self) -> SiteServer:
        """Serve from a daemon thread; returns at once."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="sample-site", daemon=True
        )
        self._thread.start()
        logger.info("serving sample site %s at %s", self.site_dir, self.base_url)
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        logger.info("serving sample site %s at %s", self.site_dir, self.base_url)
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        logger.info("stopped serving %s", self.site_dir)

    def __enter__(self) -> SiteServer:
        return self if self._thread else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def count(self, kind: str | None = None, status: int | None = None) -> int:
        """How many requests of this kind (album, moods_ajax, review_ajax, cover, sitemap, ...) got this status."""
        return sum(
            1
            for r in list(self.request_log)
            if (kind is None or r.kind == kind) and (status is None or r.status == status)
        )

    def counts(self) -> dict[str, int]:
        """Requests by kind, and by status as 'status_304', 'status_503', ...."""
        log = list(self.request_log)
        summary = Counter(r.kind for r in log)
        summary.update(f"status_{r.status}" for r in log)
        return dict(summary)

    def reset(self) -> None:
        """Forget the request log and the per-URL attempt counts (so transient faults fire again)."""
        with self._lock:
            self.request_log.clear()
            self._attempts.clear()

    def _load_index(self) -> _SiteIndex:
        try:
            version = self._routes_path.stat().st_mtime_ns
        except FileNotFoundError:
            raise SampleSiteError(
                f"no sample site in {self.site_dir}: run `albumml sample-site generate --out {self.site_dir}` first"
            ) from None
        index = _SiteIndex(load_routes(self.site_dir))
        self._index_version = version
        return index

    def _current_index(self) -> _SiteIndex:
        try:
            version = self._routes_path.stat().st_mtime_ns
        except FileNotFoundError:
            return self._index
        if version != self._index_version:
            with self._lock:
                if version != self._index_version:
                    self._index = self._load_index()
                    logger.info("reloaded the routes of %s", self.site_dir)
        return self._index

    def _attempt(self, kind: str, path: str) -> int:
        with self._lock:
            self._attempts[(kind, path)] += 1
            return self._attempts[(kind, path)]

    def answer(self, handler: BaseHTTPRequestHandler, *, head: bool) -> None:
        """Answer one request and record it."""
        started = time.perf_counter()
        path = unquote(urlsplit(handler.path).path) or "/"
        index = self._current_index()
        found = index.parts.get(path)
        kind = _kind(path, found)
        conditional = "If-None-Match" in handler.headers or "If-Modified-Since" in handler.headers
        response = self._respond(index, path, found, handler) if _mappable(path) else _error(400, "Bad Request")
        self.request_log.append(  # before answering, so a client that got its answer finds it logged
            RequestRecord(handler.command, path, kind, response.status, conditional, time.perf_counter() - started)
        )
        handler.send_response(response.status)
        for name, value in response.headers.items():
            handler.send_header(name, value)
        if response.status != 304:
            handler.send_header("Content-Length", str(len(response.body)))
        handler.end_headers()
        if not head and response.status != 304:
            handler.wfile.write(response.body)

    def _respond(
        self, index: _SiteIndex, path: str, found: tuple[Route, str] | None, handler: BaseHTTPRequestHandler
    ) -> _Response:
        knobs = index.site.faults.with_overrides(**self._overrides)
        seed = index.site.seed
        album, part = found if found else (None, None)
        if album is not None and part in (ALBUM, REDIRECT) and REDIRECT_LOOP in album.faults:
            target = album.path + REDIRECT_SUFFIX if part == ALBUM else album.path
            return _Response(302, {"Location": self.base_url + target})
        if part == REDIRECT:
            return _not_found()
        attempts = knobs.server_error_attempts
        failing = album is not None and picked(seed, SERVER_ERROR, path, knobs.server_errors)
        if failing and self._attempt(SERVER_ERROR, path) <= attempts:
            return _error(503, "Service Unavailable", {"Retry-After": "1"})
        ajax_failing = album is not None and part == MOODS_AJAX and AJAX_FAILURE in album.faults
        if ajax_failing and self._attempt(AJAX_FAILURE, path) <= attempts:
            return _error(500, "Internal Server Error")
        if album is not None and part == ALBUM and picked(seed, SLOW, path, knobs.slow_pages):
            time.sleep(knobs.slow_seconds)
        if ".." in path.split("/"):
            return _not_found()
        file = self.www / www_file(path)
        try:
            body = file.read_bytes()
        except OSError:  # missing, a folder, a name too long for the file system: no such page
            body = self._lazy_cover(index, album, part)
            if body is None:
                return _not_found()
        suffix = file.suffix
        if suffix in TEXT_SUFFIXES:
            body = body.replace(PLACEHOLDER, self._base_bytes).replace(ESCAPED_PLACEHOLDER, self._escaped_base)
        moment = album.lastmod if album is not None else index.sitemap_times.get(path, index.site.generated_at)
        etag = '"' + hashlib.blake2b(body + moment.isoformat().encode(), digest_size=12).hexdigest() + '"'
        headers = {
            "Content-Type": CONTENT_TYPES.get(suffix, "application/octet-stream"),
            "ETag": etag,
            "Last-Modified": formatdate(moment.timestamp(), usegmt=True),
            "Cache-Control": "no-cache",
        }
        if _not_modified(handler, etag, moment):
            return _Response(304, {"ETag": etag, "Last-Modified": headers["Last-Modified"]})
        return _Response(200, headers, body)

    def _lazy_cover(self, index: _SiteIndex, route: Route | None, part: str | None) -> bytes | None:
        """A cover the site was generated without (`--no-covers`), rendered on request; None where it is missing."""
        if route is None or part != COVER or index.site.covers_rendered or MISSING_COVER in route.faults:
            return None
        return render_cover(
            index.site.seed, route.index, route.cover_moods, route.cover, route.faults, route.corrupt_kind
        )


def _mappable(path: str) -> bool:
    """Whether a URL path can name a file of the site at all: absolute, and without NUL or other control bytes."""
    return path.startswith("/") and not any(ord(character) < 32 or character == "\x7f" for character in path)


def _not_modified(handler: BaseHTTPRequestHandler, etag: str, moment: datetime) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since."""
    if_none_match = handler.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if_modified_since = handler.headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return since is not None and since.tzinfo is not None and int(moment.timestamp()) <= since.timestamp()
    return False


def _error(status: int, reason: str, headers: dict[str, str] | None = None) -> _Response:
    body = f"<html><body><h1>{status} {reason}</h1></body></html>\n".encode()
    return _Response(status, {"Content-Type": "text/html; charset=utf-8", **(headers or {})}, body)


def _not_found() -> _Response:
    return _error(404, "Not Found")


@contextmanager
def serving(site_dir: Path, port: int = 0, host: str = "127.0.0.1", **overrides: Any) -> Iterator[SiteServer]:
    """Serve `site_dir` from a thread for the duration of a `with` block (port 0 picks a free port)."""
    server = SiteServer(site_dir, host, port, **overrides).start()
    try:
        yield server
    finally:
        server.stop()

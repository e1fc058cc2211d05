"""A small HTTP server on a loopback address that answers from a table of paths and records every request: the
hostile site, the "other host" and the rate-limiting server of the crawl-scope tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sample_site import BASE_PLACEHOLDER
from sample_site.model import www_file


@dataclass(frozen=True)
class Answer:
    """One HTTP answer."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Route = Answer | Callable[[], Answer]


def in_turn(*answers: Route) -> Callable[[], Answer]:
    """A route that gives `answers` one per request, the last one from then on."""
    remaining = list(answers)

    def next_answer() -> Answer:
        route = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        return route() if callable(route) else route

    return next_answer


@dataclass(frozen=True)
class Hit:
    """One request the server received: its path (with the query) and when (time.monotonic())."""

    path: str
    at: float


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        """Answer from the table (404 for a path it lacks) and record the request."""
        owner = self.server.owner
        owner.hits.append(Hit(self.path, time.monotonic()))
        route = owner.routes.get(urlsplit(self.path).path)
        answer = Answer(404, b"not here") if route is None else route() if callable(route) else route
        self.send_response(answer.status)
        for name, value in {"Content-Type": "text/html; charset=utf-8", **answer.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def do_POST(self) -> None:
        """Record the body (a webhook's message) and answer 200."""
        self.server.owner.posted.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: RecordingServer


class RecordingServer:
    """Serves `routes` (URL path -> Answer, or a callable giving one) on `host`, recording every GET, and the body
    of every POST."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.posted: list[bytes] = []
        self._httpd = _Server((host, 0), _Handler)
        self._httpd.owner = self
        self.base_url = f"http://{host}:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str) -> str:
        """The absolute URL of `path` on this server."""
        return self.base_url + path

    def times(self, path: str) -> list[float]:
        """When each request for `path` arrived."""
        return [hit.at for hit in self.hits if urlsplit(hit.path).path == path]

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def site_file(site_dir: Path, path: str, base_url: str) -> bytes:
    """A generated sample site's file for URL `path`, its links pointing at `base_url`."""
    body = (site_dir / "www" / www_file(path)).read_bytes()
    if not body.startswith((b"\xff\xd8", b"\x89PNG")):
        body = body.replace(BASE_PLACEHOLDER.encode(), base_url.encode())
        body = body.replace(BASE_PLACEHOLDER.replace("/", "\\/").encode(), base_url.replace("/", "\\/").encode())
    return body

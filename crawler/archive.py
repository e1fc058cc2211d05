"""Web archives of crawl runs: album pages and sub-requests kept as gzip WARC, and answered from it on a re-parse.

While crawling, `ArchiveMiddleware` appends each successful album-page and sub-request response (with its request)
to a local temporary WARC file, small appends on the reactor thread; when the spider closes the file is put in the
store off the reactor and its key recorded on the crawl run. A re-parse reads the archives back through
`ArchiveIndex` and `ArchiveDownloadHandler`, which answers every request from them and never from the network.
"""

from __future__ import annotations

import logging
import os
import tempfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, Any, Self
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.asyncio import run_in_thread
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from albumml.catalogue import open_catalogue
from albumml.config import Settings
from albumml.errors import AlbummlError
from albumml.storage import open_store
from crawler.pipelines import in_thread, with_database_retries

log = logging.getLogger(__name__)

# Request meta naming what a response is, when it is to be archived: "album" (a page) or "subrequest".
ARCHIVE_META = "albumml_archive"
# Request meta a re-parse sets: when the archived response was fetched.
ARCHIVED_AT_META = "albumml_archived_at"
# Response flag of a response answered from an archive.
ARCHIVE_FLAG = "archive"
# Our WARC extension field on response records: the value of ARCHIVE_META.
KIND_HEADER = "WARC-Albumml-Kind"
# zlib's default: about 3x faster than warcio's level 9 on album pages, for archives about 1% larger.
GZIP_LEVEL = 6
# Response headers that describe the bytes on the wire, not the decoded body the archive keeps.
WIRE_HEADERS = {b"content-encoding", b"transfer-encoding", b"content-length"}


class NotArchivedError(Exception):
    """A re-parse asked for a URL that no selected archive holds (it is never fetched instead)."""


class WarcFile:
    """A gzip WARC file being written: request and response records, each pair linked by WARC-Concurrent-To, each
    record its own gzip member (as warcio writes them), compressed at zlib's default level rather than warcio's 9."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: IO[bytes] = path.open("wb")
        self.writer = WARCWriter(BytesIO(), gzip=False, warc_version="1.1")  # builds records; _append writes them
        self.responses = 0

    def write(self, request: Request, response: Response, kind: str) -> None:
        """Append `response` (decoded body, status line, headers) and the request that asked for it."""
        writer = self.writer
        body = response.body
        response_record = writer.create_warc_record(
            response.url,
            "response",
            payload=BytesIO(body),
            length=len(body),
            warc_headers_dict={KIND_HEADER: kind},
            http_headers=StatusAndHeaders(_status_line(response.status), _kept_headers(response, body), "HTTP/1.1"),
        )
        parts = urlsplit(request.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_headers = [("Host", parts.netloc), *_header_pairs(request.headers)]
        request_record = writer.create_warc_record(
            request.url,
            "request",
            payload=BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(f"{request.method} {target} HTTP/1.1", request_headers, is_http_request=True),
        )
        # what warcio's write_request_response_pair does: the request names the response's URL, date and id
        headers = response_record.rec_headers
        request_record.rec_headers.replace_header("WARC-Target-URI", headers.get_header("WARC-Target-URI"))
        request_record.rec_headers.replace_header("WARC-Date", headers.get_header("WARC-Date"))
        request_record.rec_headers.add_header("WARC-Concurrent-To", headers.get_header("WARC-Record-ID"))
        self._append(response_record)
        self._append(request_record)
        self.responses += 1

    def _append(self, record: Any) -> None:
        """Write one record as one gzip member."""
        plain = BytesIO()
        WARCWriter(plain, gzip=False, warc_version="1.1").write_record(record)
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        self.file.write(compressor.compress(plain.getvalue()) + compressor.flush())

    def close(self) -> None:
        """Flush and close the file."""
        self.file.close()


class ArchiveMiddleware:
    """Downloader middleware: archives album pages and sub-requests of this run; the store gets the file at the end.

    Placed after retries and redirects (a lower order than theirs), so it sees the response the spider will get.
    """

    def __init__(self, crawler: Crawler, settings: Settings) -> None:
        self.crawler = crawler
        self.settings = settings
        self.warc: WarcFile | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings: Settings = crawler.settings["ALBUMML_SETTINGS"]
        if not settings.crawl_archive or crawler.settings.getbool("ALBUMML_REPARSE"):
            raise NotConfigured
        middleware = cls(crawler, settings)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        kind = request.meta.get(ARCHIVE_META)
        if kind and 200 <= response.status < 300:
            self._file().write(request, response, kind)
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("albumml/responses_archived")
        return response

    def _file(self) -> WarcFile:
        if self.warc is None:
            handle, name = tempfile.mkstemp(prefix="albumml-crawl-", suffix=".warc.gz")
            os.close(handle)
            self.warc = WarcFile(Path(name))
        return self.warc

    async def spider_closed(self, spider: Any, reason: str) -> None:
        """Put the archive in the store and on the crawl run, off the reactor (it keeps serving meanwhile)."""
        if self.warc is None:
            return
        warc = self.warc
        warc.close()
        assert self.crawler.stats is not None
        run_id = self.crawler.stats.get_value("albumml/run_id")
        try:
            key = (await in_thread(lambda: open_store(self.settings).put_archive(warc.path))).key
            if run_id is not None:
                catalogue = open_catalogue(self.settings)
                await with_database_retries(lambda: catalogue.set_crawl_archive(run_id, key))
        except (AlbummlError, OSError) as exc:
            log.error("the archive of crawl run %s could not be stored (%s); it stays at %s", run_id, exc, warc.path)
            return
        log.info("archived %d responses of crawl run %s as %s", warc.responses, run_id, key)
        warc.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class ArchivedResponse:
    """One archived response: status, headers, decoded body, and when it was fetched."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime


class ArchiveIndex:
    """Where each URL's newest archived response lies (file and offset), and which URLs are album pages."""

    def __init__(self) -> None:
        self.locations: dict[str, tuple[Path, int]] = {}
        self.album_urls: list[str] = []

    def add(self, path: Path) -> int:
        """Index one archive file; add newer archives first (what is indexed already wins). Returns its responses."""
        found: dict[str, tuple[int, str]] = {}
        with path.open("rb") as file:
            records = ArchiveIterator(file)
            for record in records:
                if record.rec_type == "response":
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    found[url] = (records.get_record_offset(), record.rec_headers.get_header(KIND_HEADER) or "")
        for url, (offset, kind) in found.items():
            if url not in self.locations:
                self.locations[url] = (path, offset)
                if kind == "album":
                    self.album_urls.append(url)
        return len(found)

    def read(self, url: str) -> ArchivedResponse | None:
        """The newest archived response for `url`, or None."""
        location = self.locations.get(url)
        if location is None:
            return None
        path, offset = location
        with path.open("rb") as file:
            file.seek(offset)
            record = next(iter(ArchiveIterator(file)))
            http = record.http_headers
            return ArchivedResponse(
                status=int(http.get_statuscode()),
                headers=list(http.headers),
                body=record.content_stream().read(),
                fetched_at=_warc_date(record.rec_headers.get_header("WARC-Date")),
            )


class ArchiveDownloadHandler(BaseDownloadHandler):
    """Download handler for http and https during a re-parse: answers from the archives, never from the network."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.index: ArchiveIndex = crawler.settings["ALBUMML_ARCHIVE_INDEX"]

    async def download_request(self, request: Request) -> Response:
        found = await run_in_thread(self.index.read, request.url)
        if found is None:
            raise NotArchivedError(f"{request.url} is not in the archive (a re-parse fetches nothing)")
        request.meta[ARCHIVED_AT_META] = found.fetched_at
        headers = Headers(found.headers)
        response_class = responsetypes.from_args(headers=headers, url=request.url, body=found.body)
        return response_class(
            url=request.url,
            status=found.status,
            headers=headers,
            body=found.body,
            flags=[ARCHIVE_FLAG],
            request=request,
        )


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _header_pairs(headers: Headers) -> list[tuple[str, str]]:
    return [
        (key.decode("latin-1"), value.decode("latin-1")) for key, values in headers.items() for value in values or []
    ]


def _kept_headers(response: Response, body: bytes) -> list[tuple[str, str]]:
    """The response's headers as archived: wire-only ones dropped, Content-Length the decoded body's."""
    kept = [(k, v) for k, v in _header_pairs(response.headers) if k.lower().encode() not in WIRE_HEADERS]
    return [*kept, ("Content-Length", str(len(body)))]


def _warc_date(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

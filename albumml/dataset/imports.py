"""`albumml catalogue import`: a labelled cover set of one's own, brought into the catalogue and the store through
the crawl's own path: rows validated into album records, covers checked and stored content-addressed, albums
written in batches of one transaction each, bad rows recorded with their reason, the whole import recorded as a
crawl run. Re-importing an unchanged file writes nothing.

Rows are CSV (lists separated by `|`) or JSON lines, with the fields `album_id, title, artist, year, genres,
styles, moods, themes, cover` (a file path, relative to the file's folder, or an http(s) URL). Moods and themes
must be in the catalogue's vocabulary unless `extend_vocabulary`, which adds them under a local id (`lm…`, `lt…`)
that can never be taken for the site's; genres and styles are free text.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy import select

from albumml.catalogue.engine import database_errors
from albumml.catalogue.models import Mood, Theme
from albumml.catalogue.records import (
    IMPORTED_ALBUM_ID_PATTERN,
    IMPORTED_DESIGN,
    AlbumRecord,
    CrawlErrorRecord,
    MoodTag,
    ThemeTag,
)
from albumml.catalogue.repository import Catalogue, RunCounts
from albumml.config import Settings
from albumml.errors import ConfigError
from albumml.storage import Store
from albumml.storage.covers import CoverProblemError, check_cover
from albumml.textsafe import for_terminal

log = logging.getLogger(__name__)

LIST_SEPARATOR = "|"
FIELDS = ("album_id", "title", "artist", "year", "genres", "styles", "moods", "themes", "cover")
IMPORT_ALBUM_PREFIX, LOCAL_MOOD_PREFIX, LOCAL_THEME_PREFIX = "lc", "lm", "lt"
DOWNLOAD_TIMEOUT_S = 30.0
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


def local_id(prefix: str, text: str) -> str:
    """A stable id of the catalogue's shape (two letters, ten digits) for an imported album or a local tag."""
    digits = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") % 10**10
    return f"{prefix}{digits:010d}"


def _as_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
    return value


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


Labels = Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], BeforeValidator(_as_list)]


class ImportRow(BaseModel):
    """One row of an import file, validated."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    album_id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=500)
    artist: Annotated[str | None, BeforeValidator(_blank_is_none)] = Field(None, max_length=500)
    year: Annotated[int | None, BeforeValidator(_blank_is_none)] = Field(None, ge=1800, le=2200)
    genres: Labels = Field(default_factory=list)
    styles: Labels = Field(default_factory=list)
    moods: Labels = Field(default_factory=list)
    themes: Labels = Field(default_factory=list)
    cover: str = Field(min_length=1, max_length=2000)


class ImportedMoodTag(MoodTag):
    """A mood of the vocabulary, or a local one an import added."""

    id: Annotated[str, Field(pattern=rf"^(xa|ma|{LOCAL_MOOD_PREFIX})\d{{10}}$")]


class ImportedThemeTag(ThemeTag):
    """A theme of the vocabulary, or a local one an import added."""

    id: Annotated[str, Field(pattern=rf"^(ma|{LOCAL_THEME_PREFIX})\d{{10}}$")]


class ImportedAlbumRecord(AlbumRecord):
    """An album an import brought: a local id, its moods and themes possibly local too."""

    id: Annotated[str, Field(pattern=IMPORTED_ALBUM_ID_PATTERN)]
    moods: list[ImportedMoodTag] = Field(default_factory=list)
    themes: list[ImportedThemeTag] = Field(default_factory=list)


class RowProblemError(Exception):
    """A row that cannot be imported: `reason` is the short code recorded, `detail` says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class ImportOutcome:
    """What one import did, recorded as crawl run `run_id`."""

    run_id: int
    rows: int = 0
    albums_new: int = 0
    albums_changed: int = 0
    albums_unchanged: int = 0
    covers_stored: int = 0
    moods_added: list[str] = field(default_factory=list)
    themes_added: list[str] = field(default_factory=list)
    errors_by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        """Rows refused."""
        return sum(self.errors_by_reason.values())


def check_file(path: Path) -> None:
    """ConfigError, in one line, unless `path` is a file whose header (CSV) names the fields an import needs."""
    if not path.is_file():
        raise ConfigError(f"no import file {path}")
    if path.suffix.lower() in JSON_SUFFIXES:
        return
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    missing = {"album_id", "title", "cover"} - {name.strip() for name in header}
    if missing:
        raise ConfigError(f"{path.name}: the header lacks {', '.join(sorted(missing))} (columns: {', '.join(FIELDS)})")


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowProblemError]]:
    """Each data row of a CSV or JSON-lines file with its line number (a row that does not parse: a RowProblemError)."""
    if path.suffix.lower() in JSON_SUFFIXES:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as error:
                    yield number, RowProblemError("import_bad_json", f"not JSON ({error.msg} at column {error.colno})")
                    continue
                if not isinstance(value, dict):
                    yield number, RowProblemError("import_bad_json", f"a JSON {type(value).__name__}, not an object")
                    continue
                yield number, value
        return
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"album_id", "title", "cover"} - set(reader.fieldnames or ())
        if missing:
            raise ConfigError(
                f"{path.name}: the header lacks {', '.join(sorted(missing))} (columns: {', '.join(FIELDS)})"
            )
        for row in reader:
            if None in row:  # more cells than the header names
                yield (
                    reader.line_num,
                    RowProblemError("import_bad_row", f"{len(row[None]) + len(FIELDS)} or more cells"),
                )
                continue
            yield reader.line_num, {key: value for key, value in row.items() if value is not None}


def validated(raw: dict[str, Any]) -> ImportRow:
    """The row as an ImportRow; RowProblemError naming each field that is wrong."""
    try:
        return ImportRow.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or 'row'}: {e['msg']}" for e in error.errors()[:5]
        )
        raise RowProblemError("import_invalid_row", problems) from None


@dataclass
class Vocabulary:
    """The catalogue's moods and themes by name (exact, then case-insensitive), and what this import adds."""

    moods: dict[str, str]
    themes: dict[str, str]
    extend: bool
    added_moods: dict[str, str] = field(default_factory=dict)
    added_themes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, catalogue: Catalogue, extend: bool) -> Vocabulary:
        with database_errors(catalogue.engine), catalogue.engine.connect() as connection:
            moods = {name: id_ for id_, name in connection.execute(select(Mood.id, Mood.name))}
            themes = {name: id_ for id_, name in connection.execute(select(Theme.id, Theme.name))}
        return cls(moods, themes, extend)

    def _resolve(self, name: str, known: dict[str, str], added: dict[str, str], prefix: str, kind: str) -> str:
        if name in known:
            return known[name]
        folded = {key.casefold(): value for key, value in known.items()}
        if name.casefold() in folded:
            return folded[name.casefold()]
        if not self.extend:
            raise RowProblemError(
                f"unknown_{kind}",
                f"{kind} {for_terminal(name)!r} is not in the catalogue's vocabulary "
                f"(`albumml db seed-vocabulary` loads the site's; --extend-vocabulary adds it under a local id)",
            )
        added[name] = known[name] = local_id(prefix, f"{kind}:{name.casefold()}")
        return known[name]

    def moods_of(self, names: list[str]) -> list[ImportedMoodTag]:
        tags = [
            ImportedMoodTag(id=self._resolve(n, self.moods, self.added_moods, LOCAL_MOOD_PREFIX, "mood"), name=n)
            for n in names
        ]
        return _first_of_each(tags)

    def themes_of(self, names: list[str]) -> list[ImportedThemeTag]:
        tags = [
            ImportedThemeTag(id=self._resolve(n, self.themes, self.added_themes, LOCAL_THEME_PREFIX, "theme"), name=n)
            for n in names
        ]
        return _first_of_each(tags)


TagT = TypeVar("TagT", bound=MoodTag | ThemeTag)


def _first_of_each(tags: list[TagT]) -> list[TagT]:
    """The tags in order, a repeated one kept at its first place."""
    kept: dict[str, TagT] = {}
    for tag in tags:
        kept.setdefault(tag.id, tag)
    return list(kept.values())


class CoverReader:
    """Reads a row's cover: a file under the import file's folder, or an http(s) download of bounded size."""

    def __init__(self, folder: Path, settings: Settings) -> None:
        self.folder = folder.resolve()
        self.max_bytes = settings.crawl_max_cover_bytes
        self.client = httpx.Client(
            timeout=DOWNLOAD_TIMEOUT_S, follow_redirects=False, headers={"User-Agent": settings.crawl_user_agent}
        )

    def close(self) -> None:
        self.client.close()

    def __call__(self, cover: str) -> bytes:
        scheme = cover.split(":", 1)[0].lower() if ":" in cover else ""
        if scheme in ("http", "https"):
            return self._download(cover)
        if len(scheme) > 1:  # a one-letter "scheme" is a Windows drive
            raise RowProblemError("cover_bad_url", f"only files and http(s) URLs are read, not {scheme}:")
        path = (self.folder / cover).resolve()
        if not path.is_file():
            raise RowProblemError("cover_missing", f"no file {for_terminal(cover)!r} under {self.folder}")
        if path.stat().st_size > self.max_bytes:
            raise RowProblemError("cover_too_large", f"{path.stat().st_size:,} bytes, over {self.max_bytes:,}")
        return path.read_bytes()

    def _download(self, url: str) -> bytes:
        try:
            with self.client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise RowProblemError(
                        f"cover_http_{response.status_code}", f"{for_terminal(url)} answered {response.status_code}"
                    )
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > self.max_bytes:
                        raise RowProblemError(
                            "cover_too_large", f"{for_terminal(url)} sent over {self.max_bytes:,} bytes"
                        )
                return bytes(data)
        except httpx.HTTPError as error:
            raise RowProblemError("cover_download_failed", f"{for_terminal(url)}: {type(error).__name__}") from None


def record_of(row: ImportRow, cover_key: str, vocabulary: Vocabulary, fetched_at: datetime) -> ImportedAlbumRecord:
    """The album record an import row becomes."""
    is_url = row.cover.lower().startswith(("http://", "https://"))
    return ImportedAlbumRecord(
        id=local_id(IMPORT_ALBUM_PREFIX, f"album:{row.album_id}"),
        url=f"import:{quote(row.album_id, safe='')}"[:1000],
        title=row.title,
        artist=row.artist,
        year=row.year,
        genres=row.genres,
        styles=row.styles,
        moods=vocabulary.moods_of(row.moods),
        themes=vocabulary.themes_of(row.themes),
        cover_url=row.cover if is_url else None,
        cover_key=cover_key,
        page_design=IMPORTED_DESIGN,
        fetched_at=fetched_at,
    )


def import_file(
    settings: Settings,
    catalogue: Catalogue,
    store: Store,
    path: Path,
    *,
    extend_vocabulary: bool = False,
    on_row: Callable[[], None] | None = None,
) -> ImportOutcome:
    """Imports every good row of `path`; each bad row is recorded with its reason and written nowhere."""
    check_file(path)
    run_id = catalogue.start_crawl_run(source=f"import:{path.name}")
    outcome = ImportOutcome(run_id)
    vocabulary = Vocabulary.of(catalogue, extend_vocabulary)
    reader = CoverReader(path.parent, settings)
    records: list[ImportedAlbumRecord] = []
    errors: list[CrawlErrorRecord] = []
    reasons: Counter[str] = Counter()
    seen_albums: dict[str, int] = {}
    fetched_at = datetime.now(UTC)
    try:
        for number, raw in read_rows(path):
            outcome.rows += 1
            try:
                if isinstance(raw, RowProblemError):
                    raise raw
                row = validated(raw)
                if row.album_id in seen_albums:
                    raise RowProblemError(
                        "import_duplicate",
                        f"album_id {for_terminal(row.album_id)!r} again (first on line {seen_albums[row.album_id]})",
                    )
                data = reader(row.cover)
                try:
                    check_cover(
                        data, max_pixels=settings.crawl_max_cover_pixels, min_side=settings.crawl_min_cover_side
                    )
                except CoverProblemError as problem:
                    raise RowProblemError(problem.reason, problem.detail) from None
                record = record_of(row, hashlib.sha256(data).hexdigest(), vocabulary, fetched_at)
                written = store.put_blob(data)
                outcome.covers_stored += int(written.written)
                seen_albums[row.album_id] = number
                records.append(record)
            except RowProblemError as problem:
                reasons[problem.reason] += 1
                errors.append(
                    CrawlErrorRecord(url=f"{path.name}:{number}", reason=problem.reason, detail=problem.detail)
                )
                log.warning("%s line %d: %s", path.name, number, problem)
            if on_row is not None:
                on_row()
        result = catalogue.upsert_albums(records, refresh_unchanged=False)
        catalogue.record_errors(errors, run_id)
    except Exception as error:
        catalogue.finish_crawl_run(
            run_id, RunCounts(errors=len(errors)), "failed", failure=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    finally:
        reader.close()
    outcome.albums_new, outcome.albums_changed, outcome.albums_unchanged = result.new, result.changed, result.unchanged
    outcome.moods_added, outcome.themes_added = sorted(vocabulary.added_moods), sorted(vocabulary.added_themes)
    outcome.errors_by_reason = dict(reasons)
    counts = RunCounts(
        pages_fetched=outcome.rows,
        albums_new=result.new,
        albums_changed=result.changed,
        albums_unchanged=result.unchanged,
        covers_stored=outcome.covers_stored,
        errors=outcome.errors,
    )
    catalogue.finish_crawl_run(run_id, counts)
    return outcome

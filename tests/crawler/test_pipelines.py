"""The item pipelines: catalogue writes and their retries never block the event loop the downloads run on; a
transient outage is waited out, a wrong password is not; a page never renames the mood vocabulary."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from albumml.catalogue import Catalogue
from albumml.config import Settings
from albumml.errors import DatabaseUnavailableError
from crawler import pipelines
from crawler.items import AlbumItem
from crawler.parsed import PageDesign, ParsedAlbum
from crawler.pipelines import CataloguePipeline, with_database_retries
from tests.support.crawling import migrated
from tests.support.factories import moods, themes


async def ticks_while(work: Callable[[], Any]) -> tuple[Any, int]:
    """Await `work()` while a task ticks every 10 ms: how many ticks got through shows whether the loop was free."""
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        result = await work()
    finally:
        ticker.cancel()
    return result, ticks


def test_a_slow_write_runs_off_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow_write() -> str:
        time.sleep(0.5)  # a database that takes half a second to answer
        return "written"

    result, ticks = asyncio.run(ticks_while(lambda: with_database_retries(slow_write)))
    assert result == "written"
    assert ticks >= 20  # the loop went on (50 ticks if it were idle); a blocking write would allow none


def test_a_transient_outage_is_waited_out_without_blocking(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[float] = []

    def flaky_write() -> int:
        attempts.append(time.monotonic())
        if len(attempts) < 3:
            raise DatabaseUnavailableError("cannot reach the catalogue: connection refused")
        return len(attempts)

    monkeypatch.setattr(time, "sleep", lambda seconds: pytest.fail("a blocking sleep on the event loop"))
    result, ticks = asyncio.run(ticks_while(lambda: with_database_retries(flaky_write)))
    assert result == 3
    assert attempts[2] - attempts[0] >= 2.5  # waited 1 s, then 2 s
    assert ticks >= 150


def test_a_wrong_password_is_not_retried() -> None:
    attempts = 0

    def refused() -> None:
        nonlocal attempts
        attempts += 1
        raise DatabaseUnavailableError("password authentication failed", transient=False)

    started = time.monotonic()
    with pytest.raises(DatabaseUnavailableError, match="password"):
        asyncio.run(with_database_retries(refused))
    assert attempts == 1 and time.monotonic() - started < 0.5


def parsed_album(**overrides: Any) -> ParsedAlbum:
    values: dict[str, Any] = {
        "album_id": "mw0000000001",
        "url": "http://127.0.0.1/album/one-mw0000000001",
        "title": "One",
        "page_design": PageDesign.V2023,
        "moods": tuple(moods("Literate", "Wistful")),
        "themes": tuple(themes("Reflection")),
    }
    values.update(overrides)
    return ParsedAlbum(**values)


def open_pipeline(settings: Settings) -> CataloguePipeline:
    crawler = get_crawler(settings_dict={"ALBUMML_SETTINGS": settings})
    crawler.spider = None
    pipeline = CataloguePipeline(crawler)
    asyncio.run(pipeline.open_spider())
    return pipeline


def test_a_page_never_renames_a_mood_and_the_mismatch_is_recorded(settings: Settings) -> None:
    catalogue: Catalogue = migrated(settings)
    pipeline = open_pipeline(settings)
    literate, wistful = moods("Literate", "Wistful")
    shown = (literate.model_copy(update={"name": "Literate <b>$x$</b>"}), wistful)
    item = AlbumItem(album=parsed_album(moods=shown), fetched_at=datetime.now(UTC))

    async def crawl_one() -> None:
        await pipeline.process_item(item)
        await pipeline.flush()

    asyncio.run(crawl_one())
    stored = catalogue.album("mw0000000001")
    assert stored is not None
    assert [link.mood.name for link in stored.moods] == ["Literate", "Wistful"]
    run, reasons = catalogue.crawl_run(pipeline.run_id or 0) or (None, {})
    assert run is not None and reasons == {"vocabulary_mismatch": 1}


def test_flushes_hand_the_batch_to_a_thread_and_count_what_was_written(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue: Catalogue = migrated(settings)
    pipeline = open_pipeline(settings)
    assert pipeline.catalogue is not None
    upsert = pipeline.catalogue.upsert_albums

    def slow_upsert(records: Any, **options: Any) -> Any:
        time.sleep(0.4)
        return upsert(records, **options)

    monkeypatch.setattr(pipeline.catalogue, "upsert_albums", slow_upsert)
    monkeypatch.setattr(pipelines, "FLUSH_EVERY_S", 3600.0)
    items = [
        AlbumItem(
            album=parsed_album(album_id=f"mw{n:010d}", url=f"http://127.0.0.1/album/mw{n:010d}"),
            fetched_at=datetime.now(UTC),
        )
        for n in range(1, 4)
    ]

    async def crawl_three() -> None:
        for item in items:
            await pipeline.process_item(item)
        await pipeline.flush()

    _, ticks = asyncio.run(ticks_while(crawl_three))
    assert ticks >= 15
    assert pipeline.counts["new"] == 3
    assert catalogue.stats().albums == 3

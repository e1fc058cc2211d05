"""Decides what a crawl fetches: nothing the catalogue already has in the version the sitemap announces."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from albumml.catalogue import FetchState


@dataclass(frozen=True)
class FetchPlan:
    """Whether to fetch an album page, why, and the conditional-GET headers to send."""

    fetch: bool
    reason: str
    headers: dict[str, str] = field(default_factory=dict)


def plan_album(lastmod: datetime | None, state: FetchState | None, *, full: bool = False) -> FetchPlan:
    """The plan for one album given the sitemap's lastmod and what the catalogue holds.

    New albums and albums whose cover is still missing are fetched outright; albums whose lastmod is not newer
    than the one stored are skipped; the rest are fetched with If-None-Match / If-Modified-Since, so a server
    that knows better answers 304.
    """
    if state is None:
        return FetchPlan(True, "new")
    if state.cover_url and not state.cover_key:
        return FetchPlan(True, "cover_missing")
    if full:
        return FetchPlan(True, "full")
    if lastmod is not None and state.sitemap_lastmod is not None and lastmod <= state.sitemap_lastmod:
        return FetchPlan(False, "unchanged")
    headers: dict[str, str] = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return FetchPlan(True, "lastmod_newer" if lastmod is not None else "no_lastmod", headers)


def cover_key_to_reuse(cover_url: str | None, state: FetchState | None) -> str | None:
    """The stored cover's key when the page still points at the same cover URL, else None (fetch it)."""
    if cover_url and state is not None and state.cover_key and state.cover_url == cover_url:
        return state.cover_key
    return None

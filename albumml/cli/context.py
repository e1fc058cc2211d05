"""Settings and services the CLI commands share, loaded once per invocation."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from albumml.config import Settings, load_settings

if TYPE_CHECKING:
    from albumml.catalogue import Catalogue
    from albumml.storage import Store


@cache
def settings() -> Settings:
    """The effective settings."""
    return load_settings()


def catalogue(*, check_schema: bool = True) -> Catalogue:
    """The configured catalogue."""
    from albumml.catalogue import open_catalogue

    return open_catalogue(settings(), check_schema=check_schema)


def store() -> Store:
    """The configured store, checked to be usable."""
    from albumml.storage import open_store

    opened = open_store(settings())
    opened.backend.check()
    return opened

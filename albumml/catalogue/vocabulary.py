"""The site's mood and theme vocabularies, shipped with the package (site id and name)."""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

from albumml.catalogue.records import MoodTag, ThemeTag


def _read(file_name: str) -> list[dict[str, str]]:
    text = files("albumml.data").joinpath(file_name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def bundled_moods() -> tuple[MoodTag, ...]:
    """The site's 305 moods with their ids."""
    return tuple(MoodTag(id=row["id"], name=row["name"]) for row in _read("moods.csv"))


@cache
def bundled_themes() -> tuple[ThemeTag, ...]:
    """The site's themes with their ids."""
    return tuple(ThemeTag(id=row["id"], name=row["name"]) for row in _read("themes.csv"))

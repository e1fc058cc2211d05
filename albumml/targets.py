"""What a snapshot's models learn: the catalogue's moods (the study's), or its genres, styles or themes.

A torch-free module, so the CLI offers the choice without loading the training stack.
"""

from __future__ import annotations

from enum import StrEnum


class Target(StrEnum):
    """A label set of the catalogue; its value names the snapshot manifest's label column."""

    MOODS = "moods"
    GENRES = "genres"
    STYLES = "styles"
    THEMES = "themes"

    @property
    def singular(self) -> str:
        """One label of the set: "mood", "genre", ..."""
        return self.value.removesuffix("s")


def registered_name(base: str, target: Target) -> str:
    """The registry's model name for a target: `album-mood` for moods, then `album-genre`, ... (a base without
    "mood" in it gets the target appended)."""
    if target == Target.MOODS:
        return base
    if "mood" in base:
        return base.replace("mood", target.singular)
    return f"{base}-{target.singular}"

"""What enters a snapshot and how its albums are split: the configuration and the split rule, used by the
snapshot builder and by the checks every snapshot passes."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from albumml.config import field_problems
from albumml.errors import SnapshotError
from albumml.targets import Target


class SnapshotConfig(BaseModel):
    """What enters a snapshot and how it is split."""

    model_config = ConfigDict(frozen=True)

    target: Target = Field(Target.MOODS, description="The label set the models learn: moods, genres, styles or themes.")
    min_mood_count: int = Field(
        20, ge=1, description="Keep labels (moods, or the target's) on at least this many eligible albums."
    )
    validation_share: float = Field(0.1, ge=0, lt=1)
    test_share: float = Field(0.1, gt=0, lt=1)

    @model_validator(mode="after")
    def _leave_room_to_train(self) -> SnapshotConfig:
        if self.validation_share + self.test_share >= 1:
            raise ValueError("validation_share + test_share must be under 1 to leave albums to train on")
        return self

    def identity(self) -> dict[str, Any]:
        """What identifies snapshots made with this config (a moods snapshot keeps the id it had before targets)."""
        return self.model_dump(mode="json", exclude={"target"} if self.target == Target.MOODS else set())

    @classmethod
    def given(cls, **values: Any) -> SnapshotConfig:
        """The defaults above with what a caller gave (None means "not given"); a clear error for a bad value."""
        try:
            return cls(**{name: value for name, value in values.items() if value is not None})
        except ValidationError as error:
            raise SnapshotError(f"snapshot config: {field_problems(error)}") from None


def split_of(album_id: str, config: SnapshotConfig) -> str:
    """The split an album belongs to, from a hash of its id: stable whatever else the catalogue holds."""
    position = int.from_bytes(hashlib.sha256(album_id.encode()).digest()[:8], "big") / 2**64
    if position < config.test_share:
        return "test"
    if position < config.test_share + config.validation_share:
        return "validation"
    return "train"

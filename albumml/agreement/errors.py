"""The rater study's one error type: sheets, samples and models that cannot be scored together."""

from __future__ import annotations

from albumml.errors import AlbummlError


class AgreementError(AlbummlError):
    """A sample cannot be drawn, or sheets and a model cannot be scored together; the message says what to fix."""

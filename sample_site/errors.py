"""The sample site's one error class, so callers can tell a bad site folder from other failures."""

from __future__ import annotations

from albumml.errors import AlbummlError


class SampleSiteError(AlbummlError):
    """A sample site cannot be generated, read, changed or served; the message says what to do."""

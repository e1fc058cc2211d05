"""albumml: learn what an album feels like from its cover art."""

__version__ = "0.1.0"

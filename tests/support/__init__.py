"""Helpers that find or start the real servers the tests talk to."""

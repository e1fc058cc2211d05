"""The one exception hierarchy of albumml: every message says what went wrong and what to do."""


class AlbummlError(Exception):
    """Base of every error albumml raises on purpose; the CLI shows it as one clean line."""


class ConfigError(AlbummlError):
    """A setting is malformed or points somewhere unusable."""


class CatalogueError(AlbummlError):
    """The catalogue database cannot be reached, migrated or written."""


class DatabaseUnavailableError(CatalogueError):
    """The database server does not answer or refuses the connection."""


class SchemaOutOfDateError(CatalogueError):
    """The catalogue's schema is not at the revision this code expects."""


class CatalogueWriteError(CatalogueError):
    """A batch could not be written; the transaction was rolled back and nothing of it is visible."""


class StoreError(AlbummlError):
    """The image and artifact store cannot be read or written."""


class StoreUnavailableError(StoreError):
    """The store's folder, bucket or endpoint cannot be used."""


class ObjectNotFoundError(StoreError, KeyError):
    """No object exists under the requested key or name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "object not found"


class CorruptObjectError(StoreError):
    """An object's bytes no longer hash to its content key."""

"""The one exception hierarchy of albumml: every message says what went wrong and what to do.

Every error albumml raises on purpose is an `AlbummlError`, defined here and only here, so a caller (the CLI, a
flow, a notebook) catches one type and shows its message as one line. The tree:

    AlbummlError
    ├── ConfigError                      a setting or argument is malformed or unusable
    ├── CatalogueError                   the catalogue database
    │   ├── DatabaseUnavailableError
    │   ├── SchemaOutOfDateError
    │   └── CatalogueWriteError
    ├── StoreError                       the image and artifact store
    │   ├── StoreUnavailableError
    │   ├── ObjectNotFoundError (also a KeyError)
    │   └── CorruptObjectError
    ├── SnapshotError                    a dataset snapshot cannot be made or found
    ├── CrawlFailedError                 the crawl process failed or printed no summary
    ├── ModelError                       backbones, weights and model inputs
    │   └── ImageInputError
    ├── LabelEmbeddingError              label embeddings for models 3-4
    ├── EvaluationError                  predictions and labels that cannot be compared
    ├── TrainingError                    a training run cannot start or go on
    ├── BatchError                       AWS Batch training jobs
    │   ├── BatchJobFailedError
    │   └── BatchJobTimeoutError
    ├── TrackingError                    MLflow: runs, models, the registry
    │   └── NoChampionError
    ├── AnalysisError                    similar albums, the mood-space map
    │   ├── UnknownAlbumError
    │   └── NoVectorError
    └── AgreementError                   the rater study
"""


class AlbummlError(Exception):
    """Base of every error albumml raises on purpose; the CLI shows it as one clean line."""


class ConfigError(AlbummlError):
    """A setting is malformed or points somewhere unusable."""


class CatalogueError(AlbummlError):
    """The catalogue database cannot be reached, migrated or written."""


class DatabaseUnavailableError(CatalogueError):
    """The database server does not answer or refuses the connection. `transient` says whether waiting may help:
    a server that is down or restarting may come back; a wrong password or a missing database file will not."""

    def __init__(self, message: str, *, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


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


class SnapshotError(AlbummlError):
    """A snapshot cannot be made or found."""


class CrawlFailedError(AlbummlError):
    """The crawl process failed or printed no summary."""


# How a crawl's health check words a site whose pages no longer read as the parsers expect.
SITE_CHANGED = "the page design may have changed"


class SiteChangedError(CrawlFailedError):
    """The crawl failed because the site's pages no longer parse: a retry minutes later fails the same way (and
    fetches the whole site again), so the night fails at once with the reason."""


class ModelError(AlbummlError):
    """A backbone is unknown, or its weights cannot be fetched, found or loaded."""


class ImageInputError(ModelError):
    """An input passed for prediction is not a readable image."""


class LabelEmbeddingError(AlbummlError):
    """Label embeddings cannot be built: a bad embeddings file or moods without any known word."""


class EvaluationError(AlbummlError):
    """Predictions and labels that cannot be compared."""


class TrainingError(AlbummlError):
    """A training run cannot start or go on (a device that is not there, data that cannot be trained on)."""


class BatchError(AlbummlError):
    """AWS Batch refused, lost or failed a training job."""


class BatchJobFailedError(BatchError):
    """The job ended FAILED; the message carries its reason, each attempt's exit and where its logs are."""


class BatchJobTimeoutError(BatchError):
    """The job did not finish in time and was cancelled."""


class TrackingError(AlbummlError):
    """MLflow cannot be reached, or a run or model it should hold is not there."""


class NoChampionError(TrackingError):
    """The registered model has no champion to analyse."""


class AnalysisError(AlbummlError):
    """An analysis (similar albums, the mood-space map) cannot be made for the albums asked about."""


class UnknownAlbumError(AnalysisError):
    """An album id that the catalogue does not hold."""


class NoVectorError(AnalysisError):
    """An album that has no place in mood space: it has no cover, or its cover could not be read."""


class AgreementError(AlbummlError):
    """A sample cannot be drawn, or sheets and a model cannot be scored together; the message says what to fix."""

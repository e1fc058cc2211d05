"""The image and artifact store: content-addressed covers and named objects, on a local folder or S3."""

from albumml.storage.store import PutResult, Store, VerifyReport, content_key, open_store

__all__ = ["PutResult", "Store", "VerifyReport", "content_key", "open_store"]

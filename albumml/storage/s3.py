"""A store in an S3 bucket (AWS or any S3-compatible endpoint), with the SHA-256 checksum sent on every put."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

from albumml.errors import ObjectNotFoundError, StoreError, StoreUnavailableError
from albumml.storage.backends import Backend, ObjectInfo
from albumml.urls import mask_url

MISSING_BUCKET_CODES = {"NoSuchBucket"}
MISSING_KEY_CODES = {"NoSuchKey", "404", "NotFound"}
PRECONDITION_CODES = {"PreconditionFailed", "412", "ConditionalRequestConflict"}


def make_s3_client(
    *,
    endpoint_url: str | None,
    region: str,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
) -> Any:
    """A boto3 S3 client with retries and timeouts; path-style addressing for custom endpoints."""
    config = Config(
        retries={"max_attempts": 5, "mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
        s3={"addressing_style": "path"} if endpoint_url else None,
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=config,
    )


class S3Backend(Backend):
    """Objects under `s3://bucket/prefix/`."""

    def __init__(self, client: Any, bucket: str, prefix: str = "", *, endpoint_url: str | None = None) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self.url = f"s3://{bucket}/{self.prefix}" + (f" at {mask_url(endpoint_url)}" if endpoint_url else "")

    def _key(self, name: str) -> str:
        return self.prefix + name

    def put(self, name: str, data: bytes, *, sha256: bytes) -> None:
        self._put(name, data, sha256)

    def put_file(self, name: str, path: Path, *, sha256: bytes) -> None:
        """One PUT whose body boto3 reads from the open file (S3 takes up to 5 GB in one PUT)."""
        with path.open("rb") as file:
            self._put(name, file, sha256)

    @contextmanager
    def open_stream(self, name: str) -> Iterator[BinaryIO]:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"]
        except (ClientError, BotoCoreError) as exc:
            self._raise(exc, name)
        try:
            yield body
        finally:
            body.close()

    def put_if_absent(self, name: str, data: bytes, *, sha256: bytes) -> bool:
        """One conditional PUT (`If-None-Match: *`): the server refuses it with 412 when the key exists."""
        return self._put(name, data, sha256, if_none_match="*")

    def _put(self, name: str, data: bytes | BinaryIO, sha256: bytes, **conditions: str) -> bool:
        arguments = {"IfNoneMatch": conditions["if_none_match"]} if conditions else {}
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(name),
                Body=data,
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=base64.b64encode(sha256).decode(),
                **arguments,
            )
        except ClientError as exc:
            if conditions and _code(exc) in PRECONDITION_CODES:
                return False
            self._raise(exc, name)
        except BotoCoreError as exc:
            self._raise(exc, name)
        return True

    def get(self, name: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            self._raise(exc, name)

    def size(self, name: str) -> int | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._key(name))["ContentLength"]
        except ClientError as exc:
            if _code(exc) in MISSING_KEY_CODES:
                return None
            self._raise(exc, name)
        except BotoCoreError as exc:
            self._raise(exc, name)

    def delete(self, name: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(name))
        except (ClientError, BotoCoreError) as exc:
            self._raise(exc, name)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
                for item in page.get("Contents", []):
                    yield ObjectInfo(item["Key"][len(self.prefix) :], item["Size"])
        except (ClientError, BotoCoreError) as exc:
            self._raise(exc, prefix)

    def check(self) -> None:
        """Lists one key under the prefix: needs only the prefix-scoped ListBucket a Batch job role grants."""
        try:
            self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=1)
        except ClientError as exc:
            if _code(exc) in MISSING_KEY_CODES | MISSING_BUCKET_CODES:
                raise self._missing_bucket() from exc
            self._raise(exc, "")
        except BotoCoreError as exc:
            self._raise(exc, "")

    def _missing_bucket(self) -> StoreUnavailableError:
        return StoreUnavailableError(
            f"the bucket {self.bucket!r} does not exist ({self.url}); create it or set ALBUMML_STORE_URL"
        )

    def _raise(self, exc: Exception, name: str) -> NoReturn:
        if isinstance(exc, EndpointConnectionError):
            raise StoreUnavailableError(
                f"cannot reach the S3 endpoint for {self.url}: {exc}; start it or set ALBUMML_S3_ENDPOINT_URL"
            ) from exc
        if isinstance(exc, NoCredentialsError):
            raise StoreUnavailableError(
                "no AWS credentials found for the S3 store; set ALBUMML_S3_ACCESS_KEY_ID and "
                "ALBUMML_S3_SECRET_ACCESS_KEY or configure an AWS profile"
            ) from exc
        code = _code(exc) if isinstance(exc, ClientError) else ""
        if code in MISSING_BUCKET_CODES:
            raise self._missing_bucket() from exc
        if code in MISSING_KEY_CODES:
            raise ObjectNotFoundError(f"no object {name!r} in the store at {self.url}") from exc
        if code in {"BadDigest", "InvalidRequest", "XAmzContentSHA256Mismatch"}:
            raise StoreError(f"S3 rejected {name!r}: its bytes did not match the checksum sent ({exc})") from exc
        raise StoreError(f"S3 request for {name!r} in {self.url} failed: {exc}") from exc


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))

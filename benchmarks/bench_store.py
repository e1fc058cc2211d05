"""Store PUT/s on an S3 endpoint (moto over HTTP) against raw boto3 `put_object` of the same bytes."""

from __future__ import annotations

import os
import uuid

import boto3

from albumml.config import load_settings
from albumml.storage import open_store
from benchmarks.harness import Figure, Report, rate
from tests.support.services import moto_server

CREDENTIALS = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench", "region_name": "us-east-1"}


def run(report: Report, *, objects: int = 400, size: int = 40_000) -> None:
    """PUT the same covers through albumml's store and through a plain boto3 client."""
    covers = [os.urandom(size) for _ in range(objects)]
    with moto_server() as endpoint:
        raw = boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS)
        buckets: list[str] = []

        def new_bucket() -> None:
            buckets.append(f"bench-{uuid.uuid4().hex[:12]}")
            raw.create_bucket(Bucket=buckets[-1])

        def raw_puts() -> None:
            for data in covers:
                raw.put_object(Bucket=buckets[-1], Key=f"covers/{uuid.uuid4().hex}", Body=data)

        def store_puts() -> None:
            store = open_store(
                load_settings(
                    store_url=f"s3://{buckets[-1]}/albumml",
                    s3_endpoint_url=endpoint,
                    s3_access_key_id="bench",
                    s3_secret_access_key="bench",
                )
            )
            for data in covers:
                store.put_blob(data)

        baseline = rate(objects, raw_puts, setup=new_bucket)
        ours = rate(objects, store_puts, setup=new_bucket)
        again = rate(objects, store_puts, repeat=2)

    note = f"{objects} objects of {size // 1000} kB, one thread, moto's HTTP server on 127.0.0.1"
    report.add(
        Figure(
            "store",
            "put_blob new (SHA-256 + checksum + If-None-Match)",
            "PUT/s",
            ours,
            "boto3 put_object",
            baseline,
            0.5,
            note,
        )
    )
    report.add(
        Figure(
            "store",
            "put_blob already stored",
            "PUT/s",
            again,
            "boto3 put_object",
            baseline,
            note="412 on the conditional PUT, then a HEAD size check",
        )
    )

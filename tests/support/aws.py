"""The fake AWS credentials every test's boto3 clients and moto servers use."""

from __future__ import annotations

TEST_AWS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}

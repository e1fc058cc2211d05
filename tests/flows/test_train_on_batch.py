"""The train flow on AWS Batch through moto's HTTP server, with an S3 store and a real MLflow server.

moto's simple Batch backend ends a job inside `submit_job` without running its container, so the test plays the
container: it runs the command and environment Batch recorded for the job, exactly as the image's entry point
would. A job made to fail (MOTO_SIMPLE_BATCH_FAIL_AFTER in the server's environment) fails the flow with its reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from albumml.catalogue import open_catalogue
from albumml.compute import batch
from albumml.config import Settings, load_settings
from albumml.dataset import SnapshotConfig, build_snapshot, save_snapshot
from albumml.errors import BatchJobFailedError
from albumml.models.heads import Variant
from albumml.storage import open_store
from albumml.training.config import TrainConfig
from sample_site import Faults, generate_site, serving
from tests.support.aws import TEST_AWS
from tests.support.crawling import crawl, migrated
from tests.support.stack import create_stack

EPOCHS = 4


@pytest.fixture(scope="module")
def aws() -> Iterator[str]:
    """moto in this process (so a test can make its Batch jobs fail), Batch without Docker, the infra stack."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    request = urllib.request.Request(
        f"{endpoint}/moto-api/config", method="POST", data=json.dumps({"batch": {"use_docker": False}}).encode()
    )
    urllib.request.urlopen(request, timeout=10)
    try:
        yield endpoint
    finally:
        server.stop()


@pytest.fixture(scope="module")
def stack(aws: str) -> dict[str, str]:
    return create_stack(aws, f"albumml-{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def production(aws: str, stack: dict[str, str], mlflow_tracking: str, tmp_path_factory) -> Settings:
    """Production-shaped settings (S3 store in the stack's bucket, an MLflow server, the stack's Batch queue) with a
    crawled 150-album catalogue and its snapshot saved in the store."""
    root = tmp_path_factory.mktemp("batch")
    bucket = stack["BucketName"]
    boto3.client("s3", endpoint_url=aws, **TEST_AWS).head_bucket(Bucket=bucket)
    settings = load_settings(
        home=root / "home",
        store_url=stack["StoreUrl"],
        s3_endpoint_url=aws,
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
        mlflow_tracking_uri=mlflow_tracking,
        mlflow_experiment=f"batch-{uuid.uuid4().hex[:6]}",
        batch_job_queue=stack["JobQueueArn"],
        batch_job_definition=stack["JobDefinitionArn"],
        batch_endpoint_url=aws,
        batch_poll_max_s=1.0,
    )
    generate_site(root / "site", albums=150, seed=9, faults=Faults())
    migrated(settings)
    with serving(root / "site") as site:
        crawled = crawl(
            settings, site.base_url, ALBUMML_S3_ACCESS_KEY_ID="testing", ALBUMML_S3_SECRET_ACCESS_KEY="testing"
        )
    assert crawled.returncode == 0, crawled.stderr[-2000:]
    save_snapshot(open_store(settings), build_snapshot(open_catalogue(settings), SnapshotConfig(min_mood_count=5)))
    return settings


def snapshot_id(settings: Settings) -> str:
    return build_snapshot(open_catalogue(settings), SnapshotConfig(min_mood_count=5)).id


def run_container(settings: Settings, job_id: str) -> dict:
    """Run the job's command with the job's environment as Batch recorded them: what the training image does."""
    described = boto3.client("batch", endpoint_url=settings.batch_endpoint_url, **TEST_AWS).describe_jobs(
        jobs=[job_id]
    )["jobs"][0]["container"]
    command = described["command"]
    assert command[:2] == ["albumml", "train"]
    environment = {e["name"]: e["value"] for e in described["environment"]}
    executable = shutil.which("albumml", path=str(Path(sys.executable).parent))
    assert executable, "the albumml console script is not installed"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ALBUMML_")}
    scratch = tempfile.mkdtemp(prefix="container-")
    done = subprocess.run(
        [executable, *command[1:]],
        env={**clean, **environment, "ALBUMML_HOME": scratch},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout[done.stdout.index("{") :])


def on_server(api: str) -> contextlib.AbstractContextManager[object]:
    """Run flows of this process against the test's Prefect server (settings are read once at import)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    return temporary_settings(updates={PREFECT_API_URL: api})


def flow_environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """The environment a worker gives the flow: the production settings."""
    for name, value in {
        "STORE_URL": settings.store_url,
        "S3_ENDPOINT_URL": settings.s3_endpoint_url,
        "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
        "HOME": str(settings.home),
        "MLFLOW_EXPERIMENT": settings.mlflow_experiment,
        "BATCH_JOB_QUEUE": settings.batch_job_queue,
        "BATCH_JOB_DEFINITION": settings.batch_job_definition,
        "BATCH_POLL_MAX_S": "1",
        "BATCH_ENDPOINT_URL": settings.batch_endpoint_url,
    }.items():
        monkeypatch.setenv(f"ALBUMML_{name}", str(value))


def test_a_submitted_job_trains_from_s3_and_a_retried_attempt_resumes(production: Settings) -> None:
    config = TrainConfig(
        snapshot_id=snapshot_id(production), variant=Variant.CLASSIFIER, backbone="efficientnet_lite0", epochs=EPOCHS
    )
    job_id = batch.submit(production, config)
    job = batch.wait(production, job_id)
    assert job.status == "SUCCEEDED"
    first = run_container(production, job_id)
    assert first["epochs_run"] == EPOCHS
    assert first["resumed_from"] is None
    assert first["evaluation"]["model"]["micro_ap"] > 0
    retried = run_container(production, job_id)
    assert retried["resumed_from"] == EPOCHS
    assert retried["evaluation"]["model"]["micro_ap"] == pytest.approx(first["evaluation"]["model"]["micro_ap"])
    keys = [
        o["Key"]
        for o in boto3.client("s3", endpoint_url=production.s3_endpoint_url, **TEST_AWS).list_objects_v2(
            Bucket=production.store_url.split("/")[2]
        )["Contents"]
    ]
    assert any(f"checkpoints/{config.run_key()}/" in key for key in keys)


def test_the_train_flow_on_batch_reports_the_jobs_run(production: Settings, prefect_api: str, monkeypatch) -> None:
    from flows.steps import train_flow

    flow_environment(monkeypatch, production)
    config = TrainConfig(
        snapshot_id=snapshot_id(production), variant=Variant.CLASSIFIER, backbone="efficientnet_lite0", epochs=EPOCHS
    )
    run_container(production, batch.submit(production, config))
    with on_server(prefect_api):
        outcome = train_flow(snapshot_id=config.snapshot_id, model=1, epochs=EPOCHS, compute="aws-batch")
    assert outcome["batch_job_id"]
    assert outcome["test_micro_ap"] > 0
    assert outcome["baseline_micro_ap"] > 0
    assert outcome["model_uri"].startswith("models:/")


def test_a_failing_job_fails_the_flow_with_its_reason(production: Settings, prefect_api: str, monkeypatch) -> None:
    import flows.tasks

    flow_environment(monkeypatch, production)
    monkeypatch.setattr(flows.tasks, "batch_train_task", flows.tasks.batch_train_task.with_options(retries=0))
    monkeypatch.setenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", "0")
    with on_server(prefect_api):
        state = train_flow_state(snapshot_id=snapshot_id(production), model=2, epochs=2, compute="aws-batch")
    assert state.is_failed()
    error = state.result(raise_on_failure=False)
    assert isinstance(error, BatchJobFailedError)
    message = str(error)
    assert "FAILED" in message
    assert "albumml-train-m2-efficientnet_lite0" in message
    assert "logs: https://" in message
    failed = httpx.post(
        f"{prefect_api}/flow_runs/filter", json={"flow_runs": {"state": {"type": {"any_": ["FAILED"]}}}}
    ).json()
    assert any("albumml-train-m2" in run["state"]["message"] for run in failed), [r["state"] for r in failed]


def train_flow_state(**parameters: object) -> object:
    from flows.steps import train_flow

    return train_flow(**parameters, return_state=True)

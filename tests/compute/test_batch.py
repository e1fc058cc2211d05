"""The Batch job's command, environment, backoff and failure message, without a server (the flow tests use moto)."""

from __future__ import annotations

from typing import Any

import pytest
import typer

from albumml.cli import app
from albumml.compute import batch
from albumml.compute.batch import BatchJob
from albumml.config import load_settings
from albumml.errors import BatchError, BatchJobFailedError, BatchJobTimeoutError
from albumml.models.heads import Variant
from albumml.models.targets import TargetWeighting
from albumml.training.config import TrainConfig, parse_config

PRODUCTION = {
    "store_url": "s3://bucket/albumml",
    "mlflow_tracking_uri": "http://mlflow:5000",
    "batch_job_queue": "gpu",
    "batch_job_definition": "albumml-train",
}


def parsed_by_the_cli(command: list[str]) -> dict[str, Any]:
    """The parameters `albumml train` reads from a command line, parsed by the real CLI."""
    assert command[:2] == ["albumml", "train"]
    train = typer.main.get_command(app).get_command(None, "train")  # type: ignore[attr-defined]
    return train.make_context("train", command[2:]).params


def test_the_job_command_is_albumml_train_with_the_whole_config() -> None:
    config = TrainConfig(
        snapshot_id="abc123",
        variant=Variant.EMBEDDING_WITH_METADATA,
        backbone="resnet50",
        weights="s3://weights/r50.pt",
        labels="s3://embeddings/glove.6B.300d.txt",
        epochs=7,
        batch_size=32,
        lr=3e-4,
        weight_decay=1e-5,
        hidden=(256, 128),
        dropout=0.3,
        first_k=3,
        target_weighting=TargetWeighting.PAGE_ORDER,
        patience=4,
        seed=11,
        device="cuda",
        amp=False,
        finetune_epochs=3,
        finetune_lr=5e-5,
        loader_workers=6,
        report=False,
    )
    params = parsed_by_the_cli(batch.training_command(config))
    rebuilt = parse_config(params["config_json"])
    assert rebuilt == config
    assert rebuilt.run_key() == config.run_key()
    unchanged = [name for name, field in TrainConfig.model_fields.items() if getattr(config, name) == field.default]
    assert unchanged == [], "give every field a non-default value, so the round trip proves it travels"
    assert params["resume"] is True
    assert params["as_json"] is True


def test_a_job_gets_the_store_and_tracking_settings_but_no_local_paths(tmp_path) -> None:
    settings = load_settings(home=tmp_path, s3_endpoint_url="http://minio:9000", **PRODUCTION)
    environment = batch.job_environment(settings)
    assert environment["ALBUMML_STORE_URL"] == "s3://bucket/albumml"
    assert environment["ALBUMML_MLFLOW_TRACKING_URI"] == "http://mlflow:5000"
    assert environment["ALBUMML_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert not any(str(tmp_path) in value for value in environment.values())
    assert all(name.lower().removeprefix("albumml_") in type(settings).model_fields for name in environment)


@pytest.mark.parametrize(
    ("override", "named"),
    [({"store_url": ""}, "ALBUMML_STORE_URL"), ({"mlflow_tracking_uri": ""}, "ALBUMML_MLFLOW_TRACKING_URI")],
)
def test_local_stores_cannot_travel_to_batch(tmp_path, override: dict[str, str], named: str) -> None:
    settings = load_settings(home=tmp_path, **{**PRODUCTION, **override})
    with pytest.raises(BatchError, match=named):
        batch.job_environment(settings)


def test_submitting_without_a_queue_names_the_settings(tmp_path) -> None:
    settings = load_settings(home=tmp_path, **{**PRODUCTION, "batch_job_queue": ""})
    with pytest.raises(BatchError, match="ALBUMML_BATCH_JOB_QUEUE"):
        batch.submit(settings, TrainConfig(snapshot_id="s"))


def test_job_names_fit_batchs_alphabet() -> None:
    name = batch.job_name(TrainConfig(snapshot_id="f" * 64, variant=Variant.EMBEDDING, backbone="efficientnet_b0"))
    assert name == "albumml-train-m3-efficientnet_b0-ffffffffffff"
    assert all(c.isalnum() or c in "-_" for c in name)


class ScriptedBatch:
    """A Batch API that answers describe_jobs from a script of statuses (None: the endpoint drops the call)."""

    def __init__(self, statuses: list[str | None], attempts: list[dict] | None = None) -> None:
        self.statuses = statuses
        self.attempts = attempts or []
        self.terminated: list[str] = []

    def describe_jobs(self, jobs: list[str]) -> dict:
        from botocore.exceptions import EndpointConnectionError

        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if status is None:
            raise EndpointConnectionError(endpoint_url="http://batch")
        return {
            "jobs": [
                {
                    "jobId": jobs[0],
                    "jobName": "albumml-train-m1",
                    "status": status,
                    "statusReason": "Essential container in task exited" if status == "FAILED" else "",
                    "attempts": self.attempts if status == "FAILED" else [],
                    "container": {"logStreamName": "albumml-train/default/abc"},
                }
            ]
        }

    def terminate_job(self, jobId: str, reason: str) -> None:  # noqa: N803
        self.terminated.append(jobId)


def test_polling_backs_off_rides_out_a_dropped_endpoint_and_returns_on_success(tmp_path) -> None:
    settings = load_settings(home=tmp_path, batch_poll_max_s=8, **PRODUCTION)
    client = ScriptedBatch(["SUBMITTED", "RUNNABLE", None, "STARTING", "RUNNING", "RUNNING", "SUCCEEDED"])
    slept: list[float] = []
    seen: list[str] = []
    job = batch.wait(settings, "job-1", client=client, sleep=slept.append, on_status=lambda j: seen.append(j.status))
    assert job.status == "SUCCEEDED"
    assert seen == ["SUBMITTED", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"]
    assert slept == [1, 2, 4, 8, 8, 8]


def test_a_failed_job_raises_with_each_attempt_and_its_logs(tmp_path) -> None:
    settings = load_settings(home=tmp_path, **PRODUCTION)
    attempts = [
        {"statusReason": "Host EC2 (instance i-0abc) terminated.", "container": {"exitCode": 137}},
        {"container": {"exitCode": 1, "reason": "OutOfMemoryError: Container killed"}},
    ]
    with pytest.raises(BatchJobFailedError) as failed:
        batch.wait(settings, "job-2", client=ScriptedBatch(["RUNNING", "FAILED"], attempts), sleep=lambda s: None)
    message = str(failed.value)
    assert "Essential container in task exited" in message
    assert "attempt 1: exit 137, Host EC2 (instance i-0abc) terminated." in message
    assert "attempt 2: exit 1, OutOfMemoryError" in message
    assert "log-group/$252Faws$252Fbatch$252Fjob/log-events/albumml-train$252Fdefault$252Fabc" in message


def test_a_job_that_outlives_the_timeout_is_cancelled(tmp_path) -> None:
    settings = load_settings(home=tmp_path, **PRODUCTION)
    client = ScriptedBatch(["RUNNING"])
    with pytest.raises(BatchJobTimeoutError, match="cancelled"):
        batch.wait(settings, "job-3", client=client, sleep=lambda s: None, timeout_s=0)
    assert client.terminated == ["job-3"]


def test_a_batch_api_that_stays_away_is_an_error(tmp_path) -> None:
    settings = load_settings(home=tmp_path, **PRODUCTION)
    with pytest.raises(BatchError, match="lost the Batch API"):
        batch.wait(settings, "job-4", client=ScriptedBatch([None]), sleep=lambda s: None)


def test_the_job_view_reads_describe_jobs() -> None:
    job = BatchJob.from_description({"jobId": "1", "jobName": "n", "status": "RUNNING"})
    assert (job.reason, job.attempts, job.log_stream) == ("", [], None)

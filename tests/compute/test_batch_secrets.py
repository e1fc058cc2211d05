"""A Batch training job gets its MLflow credentials from Secrets Manager through the job definition, never as text in
its environment: the stack's queue and job definition on moto's server, the secret made through its real API."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from albumml.compute import batch
from albumml.config import Settings, load_settings
from albumml.errors import BatchError
from albumml.training.config import TrainConfig
from tests.support.stack import client, create_stack

USER, PASSWORD = "albumml-training", "Batch-S3cret/pw"
TRACKING = "http://mlflow.albumml.internal:5000"


@pytest.fixture(scope="module")
def deployed(moto_endpoint: str) -> dict[str, str]:
    """The stack's outputs, its credentials secret made through the Secrets Manager API, and a revision of the job
    definition whose `secrets` name that secret (what CloudFormation resolves on AWS; moto skips the secret)."""
    outputs = create_stack(moto_endpoint, f"albumml-{uuid.uuid4().hex[:10]}")
    secrets = client(moto_endpoint, "secretsmanager")
    arn = secrets.create_secret(
        Name=f"albumml-mlflow-{uuid.uuid4().hex[:8]}", SecretString=json.dumps({"username": USER, "password": PASSWORD})
    )["ARN"]
    jobs = client(moto_endpoint, "batch")
    (definition,) = jobs.describe_job_definitions(jobDefinitions=[outputs["JobDefinitionArn"]])["jobDefinitions"]
    container = definition["containerProperties"]
    resolved = [
        {"name": s["name"], "valueFrom": s["valueFrom"].replace("${MlflowCredentialsSecret}", arn)}
        for s in container["secrets"]
    ]
    keep = ("image", "command", "jobRoleArn", "executionRoleArn", "environment")
    requirements = [{"type": r["type"], "value": str(r["value"])} for r in container["resourceRequirements"]]
    revision = jobs.register_job_definition(
        jobDefinitionName=definition["jobDefinitionName"],
        type="container",
        parameters=definition["parameters"],
        retryStrategy=definition["retryStrategy"],
        containerProperties={
            **{k: container[k] for k in keep},
            "resourceRequirements": requirements,
            "secrets": resolved,
        },
    )
    return {**outputs, "SecretArn": arn, "ResolvedDefinitionArn": revision["jobDefinitionArn"]}


def settings_for(moto_endpoint: str, deployed: dict[str, str], tmp_path, **overrides: Any) -> Settings:
    """A worker's settings for the deployed stack, with MLflow credentials in its tracking URI."""
    values: dict[str, Any] = {
        "home": tmp_path,
        "store_url": deployed["StoreUrl"],
        "mlflow_tracking_uri": TRACKING.replace("http://", f"http://{USER}:Batch-S3cret%2Fpw@"),
        "batch_job_queue": deployed["JobQueueArn"],
        "batch_job_definition": deployed["ResolvedDefinitionArn"],
        "batch_endpoint_url": moto_endpoint,
        "batch_mlflow_secret_arn": deployed["SecretArn"],
    }
    return load_settings(**(values | overrides))


def test_a_submitted_job_reads_its_credentials_from_the_secret(moto_endpoint, deployed, tmp_path) -> None:
    settings = settings_for(moto_endpoint, deployed, tmp_path)
    job_id = batch.submit(settings, TrainConfig(snapshot_id="s-secrets"))
    jobs = client(moto_endpoint, "batch")
    (job,) = jobs.describe_jobs(jobs=[job_id])["jobs"]
    (definition,) = jobs.describe_job_definitions(jobDefinitions=[job["jobDefinition"]])["jobDefinitions"]
    assert definition["jobDefinitionArn"] == deployed["ResolvedDefinitionArn"]
    secrets = {s["name"]: s["valueFrom"] for s in definition["containerProperties"]["secrets"]}
    assert secrets == {
        "ALBUMML_MLFLOW_USERNAME": f"{deployed['SecretArn']}:username::",
        "ALBUMML_MLFLOW_PASSWORD": f"{deployed['SecretArn']}:password::",
    }
    environment = {e["name"]: e["value"] for e in job["container"]["environment"]}
    assert environment["ALBUMML_MLFLOW_TRACKING_URI"] == TRACKING
    assert not {"ALBUMML_MLFLOW_USERNAME", "ALBUMML_MLFLOW_PASSWORD"} & set(environment)
    for record in (job, definition):
        text = json.dumps(record)
        assert PASSWORD not in text and "Batch-S3cret" not in text and f"{USER}:" not in text
    stored = client(moto_endpoint, "secretsmanager").get_secret_value(SecretId=deployed["SecretArn"])
    assert json.loads(stored["SecretString"]) == {"username": USER, "password": PASSWORD}


def test_credentials_without_a_secret_are_refused_before_submitting(moto_endpoint, deployed, tmp_path) -> None:
    settings = settings_for(moto_endpoint, deployed, tmp_path, batch_mlflow_secret_arn="")
    with pytest.raises(BatchError, match="ALBUMML_BATCH_MLFLOW_SECRET_ARN") as raised:
        batch.submit(settings, TrainConfig(snapshot_id="s-secrets"))
    assert "Batch-S3cret" not in str(raised.value)


def test_a_job_definition_that_does_not_read_the_secret_is_refused(moto_endpoint, deployed, tmp_path) -> None:
    """The stack's own revision on moto names an unresolved secret: a submit with credentials refuses it."""
    settings = settings_for(moto_endpoint, deployed, tmp_path, batch_job_definition=deployed["JobDefinitionArn"])
    with pytest.raises(BatchError, match="does not read ALBUMML_MLFLOW_USERNAME, ALBUMML_MLFLOW_PASSWORD") as raised:
        batch.submit(settings, TrainConfig(snapshot_id="s-secrets"))
    assert "Batch-S3cret" not in str(raised.value)


def test_a_secret_in_the_tracking_uri_query_never_reaches_a_job(moto_endpoint, deployed, tmp_path) -> None:
    settings = settings_for(moto_endpoint, deployed, tmp_path, mlflow_tracking_uri=f"{TRACKING}/?token=Q-S3cret")
    with pytest.raises(BatchError, match="carries a secret") as raised:
        batch.job_environment(settings)
    assert "Q-S3cret" not in str(raised.value)

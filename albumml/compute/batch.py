"""Training as an AWS Batch GPU job: submit the same `albumml train` entry point, poll with backoff, explain failures.

The job reads its snapshot and features from the S3 store and logs to the MLflow server, exactly as a local run
does; `--resume` makes a retried (reclaimed spot) attempt continue from its last checkpoint in the store. MLflow
credentials never travel in the job's environment: the job definition reads them from Secrets Manager.
"""

from __future__ import annotations

import logging
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from albumml.config import Settings
from albumml.errors import BatchError, BatchJobFailedError, BatchJobTimeoutError
from albumml.training.config import TrainConfig
from albumml.urls import mask_url, scrub

log = logging.getLogger(__name__)

LOG_GROUP = "/aws/batch/job"
SPOT_RECLAIM_REASON = "Host EC2*"
# The variables the job definition fills from the MLflow credentials secret (see infra/albumml.yaml).
CREDENTIAL_VARIABLES = ("ALBUMML_MLFLOW_USERNAME", "ALBUMML_MLFLOW_PASSWORD")


@dataclass(frozen=True)
class BatchJob:
    """A job as Batch describes it, reduced to what a user needs to follow it."""

    job_id: str
    name: str
    status: str
    reason: str
    attempts: list[dict[str, Any]] = field(default_factory=list)
    log_stream: str | None = None

    @classmethod
    def from_description(cls, described: dict[str, Any]) -> BatchJob:
        """Reads describe_jobs' record of one job."""
        return cls(
            job_id=described["jobId"],
            name=described["jobName"],
            status=described["status"],
            reason=described.get("statusReason") or "",
            attempts=list(described.get("attempts") or []),
            log_stream=(described.get("container") or {}).get("logStreamName"),
        )


def batch_client(settings: Settings) -> Any:
    """A Batch client for the configured region and endpoint, with adaptive retries on throttling."""
    return boto3.client(
        "batch",
        region_name=settings.batch_region,
        endpoint_url=settings.batch_endpoint_url,
        config=Config(retries={"mode": "adaptive", "max_attempts": 5}, connect_timeout=10, read_timeout=30),
    )


def training_command(config: TrainConfig) -> list[str]:
    """The container's command: the same `albumml train` a local run uses, given the whole config as one JSON
    argument (so a new TrainConfig field can never be dropped on the way), resumable."""
    return ["albumml", "train", "--config", config.model_dump_json(), "--resume", "--no-progress", "--json"]


def job_environment(settings: Settings) -> dict[str, str]:
    """The settings a job needs to find its data and tracking server; local paths cannot travel to Batch."""
    if not settings.store_url.startswith("s3://"):
        raise BatchError(
            f"a Batch job cannot read the local store {mask_url(settings.store_url)!r}: "
            "set ALBUMML_STORE_URL=s3://bucket/prefix"
        )
    tracking = settings.mlflow_tracking_uri
    if not tracking.startswith(("http://", "https://", "databricks")):
        raise BatchError(
            f"a Batch job cannot log to {mask_url(tracking)!r}: set ALBUMML_MLFLOW_TRACKING_URI to a server"
        )
    for name, value in (("ALBUMML_MLFLOW_TRACKING_URI", tracking), ("ALBUMML_STORE_URL", settings.store_url)):
        if mask_url(value) != value:
            raise BatchError(
                f"{name} {mask_url(value)!r} carries a secret, which a job's environment would show in plain text: "
                "give MLflow credentials as ALBUMML_MLFLOW_USERNAME/ALBUMML_MLFLOW_PASSWORD (the job reads them "
                "from Secrets Manager)"
            )
    environment = {
        "ALBUMML_STORE_URL": settings.store_url,
        "ALBUMML_S3_REGION": settings.s3_region,
        "ALBUMML_MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
        "ALBUMML_MLFLOW_EXPERIMENT": settings.mlflow_experiment,
        "ALBUMML_MODEL_NAME": settings.model_name,
        "ALBUMML_LOG_LEVEL": settings.log_level,
    }
    if settings.s3_endpoint_url:
        environment["ALBUMML_S3_ENDPOINT_URL"] = settings.s3_endpoint_url
    if settings.mlflow_artifact_location:
        environment["ALBUMML_MLFLOW_ARTIFACT_LOCATION"] = settings.mlflow_artifact_location
    return environment


def job_name(config: TrainConfig) -> str:
    """A readable job name within Batch's alphabet (letters, digits, hyphens, underscores; 128 at most)."""
    return f"albumml-train-m{int(config.variant)}-{config.backbone}-{config.snapshot_id[:12]}"[:128]


def job_definition(client: Any, name: str) -> dict[str, Any]:
    """The job definition a submit with `name` (an ARN, name:revision or a name: its newest active revision) runs."""
    try:
        if name.startswith("arn:") or ":" in name:
            found = client.describe_job_definitions(jobDefinitions=[name])["jobDefinitions"]
        else:
            found = client.describe_job_definitions(jobDefinitionName=name, status="ACTIVE")["jobDefinitions"]
    except (ClientError, BotoCoreError) as exc:
        raise BatchError(f"cannot read the Batch job definition {name!r}: {scrub(str(exc))}") from exc
    if not found:
        raise BatchError(f"Batch knows no active job definition {name!r}: deploy infra/albumml.yaml or fix the name")
    return max(found, key=lambda definition: int(definition["revision"]))


def check_credentials_secret(settings: Settings, client: Any) -> None:
    """With MLflow credentials configured, the job definition must fill them from the configured secret."""
    if not settings.mlflow_username and settings.mlflow_password is None:
        return
    if not settings.batch_mlflow_secret_arn:
        raise BatchError(
            "MLflow credentials are set but a Batch job must not receive them in plain text: set "
            "ALBUMML_BATCH_MLFLOW_SECRET_ARN to the infra stack's MlflowCredentialsSecretArn output"
        )
    definition = job_definition(client, settings.batch_job_definition)
    secrets = {s["name"]: s["valueFrom"] for s in (definition.get("containerProperties") or {}).get("secrets") or []}
    missing = [
        name for name in CREDENTIAL_VARIABLES if not secrets.get(name, "").startswith(settings.batch_mlflow_secret_arn)
    ]
    if missing:
        raise BatchError(
            f"job definition {definition['jobDefinitionName']}:{definition['revision']} does not read "
            f"{', '.join(missing)} from the secret {settings.batch_mlflow_secret_arn}: deploy infra/albumml.yaml "
            "(its job definition takes them from Secrets Manager)"
        )


def submit(settings: Settings, config: TrainConfig, *, client: Any | None = None, attempts: int = 3) -> str:
    """Submits one training run to the configured queue; returns the job id."""
    if not settings.batch_job_queue or not settings.batch_job_definition:
        raise BatchError("set ALBUMML_BATCH_JOB_QUEUE and ALBUMML_BATCH_JOB_DEFINITION (the infra stack's outputs)")
    client = client or batch_client(settings)
    check_credentials_secret(settings, client)
    environment = [{"name": k, "value": v} for k, v in job_environment(settings).items()]
    try:
        submitted = client.submit_job(
            jobName=job_name(config),
            jobQueue=settings.batch_job_queue,
            jobDefinition=settings.batch_job_definition,
            parameters={
                "snapshot": config.snapshot_id,
                "model": str(int(config.variant)),
                "backbone": config.backbone,
                "epochs": str(config.epochs),
            },
            containerOverrides={"command": training_command(config), "environment": environment},
            retryStrategy={
                "attempts": attempts,
                "evaluateOnExit": [
                    {"onStatusReason": SPOT_RECLAIM_REASON, "action": "RETRY"},
                    {"onReason": "*", "action": "EXIT"},
                ],
            },
            timeout={"attemptDurationSeconds": settings.batch_timeout_s},
            tags={"albumml:snapshot": config.snapshot_id, "albumml:run-key": config.run_key()},
        )
    except (ClientError, BotoCoreError) as exc:
        raise BatchError(
            f"Batch refused the job for queue {settings.batch_job_queue!r} and definition "
            f"{settings.batch_job_definition!r}: {scrub(str(exc), settings.secrets())}"
        ) from exc
    log.info("submitted Batch job %s (%s) to %s", submitted["jobName"], submitted["jobId"], settings.batch_job_queue)
    return str(submitted["jobId"])


def describe(client: Any, job_id: str) -> BatchJob:
    """The job's current record; a job Batch no longer knows is an error."""
    jobs = client.describe_jobs(jobs=[job_id])["jobs"]
    if not jobs:
        raise BatchError(f"Batch knows no job {job_id} (jobs are kept about 7 days after they end)")
    return BatchJob.from_description(jobs[0])


def log_link(region: str, stream: str | None) -> str | None:
    """The CloudWatch console address of a job's log stream."""
    if not stream:
        return None
    quoted = urllib.parse.quote(urllib.parse.quote(stream, safe=""), safe="").replace("%", "$")
    group = urllib.parse.quote(urllib.parse.quote(LOG_GROUP, safe=""), safe="").replace("%", "$")
    return f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#logsV2:log-groups/log-group/{group}/log-events/{quoted}"


def log_tail(settings: Settings, stream: str | None, lines: int = 20) -> list[str]:
    """The last lines of the job's CloudWatch log stream, or nothing where the logs cannot be read."""
    if not stream:
        return []
    try:
        logs = boto3.client("logs", region_name=settings.batch_region, endpoint_url=settings.batch_endpoint_url)
        events = logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=stream, limit=lines, startFromHead=False)
    except (ClientError, BotoCoreError) as exc:
        log.warning("cannot read the job's log stream %s: %s", stream, exc)
        return []
    return [event["message"] for event in events.get("events", [])]


def failure_message(settings: Settings, job: BatchJob) -> str:
    """Why a job failed: its reason, each attempt's exit and reason, and where its logs are."""
    attempts = "; ".join(
        f"attempt {n}: exit {(a.get('container') or {}).get('exitCode', '?')}, "
        f"{a.get('statusReason') or (a.get('container') or {}).get('reason') or 'no reason given'}"
        for n, a in enumerate(job.attempts, start=1)
    )
    parts = [f"Batch job {job.name} ({job.job_id}) FAILED: {job.reason or 'Batch gave no reason'}"]
    if attempts:
        parts.append(attempts)
    link = log_link(settings.batch_region, job.log_stream)
    parts.append(f"logs: {link}" if link else "no log stream was created (the container never started)")
    tail = log_tail(settings, job.log_stream)
    if tail:
        parts.append("last log lines:\n  " + "\n  ".join(tail))
    return "; ".join(parts[:-1]) + ("\n" if tail else "; ") + parts[-1]


def wait(
    settings: Settings,
    job_id: str,
    *,
    client: Any | None = None,
    on_status: Callable[[BatchJob], None] | None = None,
    first_poll_s: float = 1.0,
    timeout_s: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> BatchJob:
    """Polls the job with exponential backoff until it ends; returns it on SUCCEEDED, raises on FAILED or timeout.

    A dropped connection to the Batch API is retried with the same backoff; the job keeps running meanwhile.
    """
    client = client or batch_client(settings)
    deadline = time.monotonic() + (timeout_s if timeout_s is not None else settings.batch_timeout_s)
    delay, last_status, api_failures = first_poll_s, None, 0
    while True:
        try:
            job = describe(client, job_id)
            api_failures = 0
        except (ClientError, BotoCoreError) as exc:
            api_failures += 1
            if api_failures > 8:
                raise BatchError(f"lost the Batch API while polling job {job_id}: {exc}") from exc
            log.warning("polling Batch job %s failed (%s); trying again in %.0f s", job_id, exc, delay)
            job = None
        if job is not None and job.status != last_status:
            last_status = job.status
            log.info("Batch job %s is %s%s", job.name, job.status, f" ({job.reason})" if job.reason else "")
            link = log_link(settings.batch_region, job.log_stream)
            if link and job.status == "RUNNING":
                log.info("its logs: %s", link)
            if on_status:
                on_status(job)
        if job is not None and job.status == "SUCCEEDED":
            return job
        if job is not None and job.status == "FAILED":
            raise BatchJobFailedError(failure_message(settings, job))
        if time.monotonic() + delay > deadline:
            client.terminate_job(jobId=job_id, reason="albumml: the flow's wait for this job timed out")
            raise BatchJobTimeoutError(f"Batch job {job_id} did not end in time (last seen {last_status}): cancelled")
        sleep(delay)
        delay = min(delay * 2, settings.batch_poll_max_s)

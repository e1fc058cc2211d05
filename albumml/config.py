"""The one settings object: every knob of albumml, read from `ALBUMML_*` variables or a `.env` file.

The embedded default (SQLite, a local folder, a local MLflow store, all under `home`) needs no set-up;
production points the same fields at PostgreSQL, S3 and servers. Nothing else reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from albumml.errors import ConfigError
from albumml.urls import MASK, REDACTED, mask_url, strip_credentials, url_secrets, web_url_problem

SUPPORTED_DATABASES = ("sqlite", "postgresql")
MODEL_NAME_FORBIDDEN = ("'", '"', "\\", "/", ":")  # quotes break MLflow filters; MLflow refuses '/' and ':'
DEFAULT_POSTGRES_DRIVER = "postgresql+psycopg2"  # SQLAlchemy 2.1 would pick psycopg 3 for a bare postgresql://
# Where the real site's pages put their covers (and image placeholders): the crawl fetches images from these too.
PRODUCTION_IMAGE_HOSTS = ("rovimusic.rovicorp.com", "cps-static.rovicorp.com", "fastly-gce.allmusic.com")
HostList = Annotated[list[str], NoDecode]  # read from the environment as a comma-separated list
FeatureRuntime = Literal["openvino", "torch"]
DEFAULT_FEATURE_RUNTIME: FeatureRuntime = "openvino"  # about 2x PyTorch on CPUs, the same float32 features


def default_local_training_slots() -> int:
    """Variants trained at once on this machine: one per two cores (each head's tensor ops use several threads)."""
    return max(1, min(4, (os.cpu_count() or 1) // 2))


class Settings(BaseSettings):
    """Effective configuration; unset URLs default to files under `home`."""

    model_config = SettingsConfigDict(env_prefix="ALBUMML_", env_file=".env", extra="ignore")

    home: Path = Field(Path(".albumml"), description="Folder for the embedded stack's files.")
    database_url: str = Field("", description="SQLAlchemy URL of the catalogue (SQLite or PostgreSQL).")
    store_url: str = Field("", description="Image and artifact store: a folder path, file:// or s3://bucket/prefix.")
    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint (MinIO, moto); AWS if unset.")
    s3_region: str = Field("us-east-1", description="Region for S3 clients.")
    store_request_log: Path | None = Field(
        None,
        description="A file each process appends its store work to at exit, counted as S3 requests by kind (what a "
        "night would cost on S3, measured on any store; the full-scale rehearsal sets it).",
    )
    s3_access_key_id: str | None = Field(None, description="S3 key id; the AWS credential chain if unset.")
    s3_secret_access_key: SecretStr | None = Field(None, description="S3 secret key.")
    mlflow_tracking_uri: str = Field(
        "",
        description="MLflow tracking URI; a SQLite store under home if unset. A `user:password@` in it moves to "
        "mlflow_username/mlflow_password, so the URI itself never carries credentials.",
    )
    mlflow_username: str | None = Field(None, description="User name of the MLflow server's basic auth.")
    mlflow_password: SecretStr | None = Field(None, description="Password of the MLflow server's basic auth.")
    mlflow_experiment: str = Field("album-mood", description="MLflow experiment that training runs go to.")
    mlflow_artifact_location: str = Field(
        "", description="Artifact root of a new experiment; a folder under home for a local tracking store."
    )
    train_backbone: str | None = Field(
        None,
        description="Backbone when a run names none (production: vgg16, on GPUs); else TrainConfig's.",
    )
    train_epochs: int | None = Field(
        None, ge=1, description="This deployment's epoch budget when a run gives none; else TrainConfig's."
    )
    feature_runtime: FeatureRuntime = Field(
        DEFAULT_FEATURE_RUNTIME,
        description="What runs the frozen backbone to extract features on a CPU (GPUs always use PyTorch); a "
        "runtime whose first batch strays from PyTorch's features is dropped for PyTorch.",
    )
    sweep_trials: int = Field(
        20, ge=1, le=10_000, description="Trials a variant's hyper-parameter sweep may spend (finished ones count)."
    )
    sweep_timeout_s: float = Field(
        900.0, gt=0, description="Seconds one variant's sweep may run before it settles on its best trial so far."
    )
    model_name: str = Field("album-mood", description="Registered model name in the MLflow registry.")
    gate_baseline_margin: float = Field(
        0.01,
        ge=0,
        le=1,
        description="The gate promotes only a model whose test micro AP beats the label-frequency baseline's by more "
        "than this (absolute), the first model included.",
    )
    gate_min_improvement: float = Field(
        0.002,
        ge=0,
        le=1,
        description="The gate promotes a challenger only if its test micro AP beats the champion's, re-measured on the "
        "same split, by at least this (absolute).",
    )
    train_local_parallel: int = Field(
        default_factory=default_local_training_slots,
        ge=1,
        le=16,
        description="Variants a night trains at once on the worker (on AWS Batch all are in flight together); "
        "by default one per two cores.",
    )
    alert_url: SecretStr | None = Field(
        None,
        description="Where `albumml flows setup` points the alert block: a webhook URL (a Slack or Teams webhook "
        "with alert_kind); unset, an existing notification block named alert_block is used as it is.",
    )
    alert_kind: Literal["webhook", "slack", "teams"] = Field(
        "webhook", description="The kind of notification block alert_url makes (any other kind: make it in the UI)."
    )
    alert_block: str = Field(
        "albumml-alerts", description="Name of the Prefect notification block alerts are sent through."
    )
    alert_rejected_nights: int = Field(
        3, ge=1, description="Alert when the gate has kept the champion over this many trained nights in a row."
    )
    serve_path_root: Path | None = Field(
        None,
        description="Folder whose covers the served model may read by `path`; unset, a served model reads no "
        "server-side file and takes covers as `bytes` only.",
    )
    batch_job_queue: str = Field("", description="AWS Batch GPU job queue that `train --compute aws-batch` uses.")
    batch_job_definition: str = Field("", description="AWS Batch job definition (name, name:revision or ARN).")
    batch_region: str = Field("us-east-1", description="Region of the Batch queue.")
    batch_endpoint_url: str | None = Field(None, description="Batch API endpoint (moto, a VPC endpoint); AWS if unset.")
    batch_mlflow_secret_arn: str = Field(
        "",
        description="Secrets Manager secret the job definition reads the MLflow credentials from (the infra stack's "
        "MlflowCredentialsSecretArn output); credentials never travel in a job's environment.",
    )
    batch_poll_max_s: float = Field(60.0, gt=0, description="Longest wait between two polls of a Batch job.")
    batch_timeout_s: int = Field(12 * 3600, ge=60, description="A Batch training job is cancelled after this long.")
    db_batch_size: int = Field(500, ge=1, le=50_000, description="Albums per catalogue upsert transaction.")
    db_connect_timeout_s: int = Field(10, ge=1, description="Seconds to wait for the database to answer.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    crawl_start_url: str = Field("", description="Site base, sitemap, robots.txt or album URL the crawl starts from.")
    crawl_user_agent: str = Field("albumml/0.1 (album mood research crawler)", description="User agent sent.")
    crawl_obey_robots: bool = Field(True, description="Obey robots.txt.")
    crawl_concurrency_per_domain: int = Field(
        1, ge=1, le=64, description="Parallel requests per host (one at a time suits a third-party site)."
    )
    crawl_download_delay_s: float = Field(
        1.0, ge=0, description="Least delay between two requests to one host (AutoThrottle never goes below it)."
    )
    crawl_autothrottle: bool = Field(True, description="Adapt the request rate to the server's latency.")
    crawl_autothrottle_start_delay_s: float = Field(1.0, ge=0, description="AutoThrottle's first delay.")
    crawl_autothrottle_target_concurrency: float = Field(
        1.0, gt=0, description="AutoThrottle's target of requests in flight per host."
    )
    crawl_retry_times: int = Field(3, ge=0, le=10, description="Retries of a request after a 5xx or a timeout.")
    crawl_retry_backoff_s: float = Field(1.0, ge=0, description="First retry's delay; doubled on each retry.")
    crawl_retry_after_max_s: float = Field(
        120.0, ge=0, description="Longest wait a 429/503 `Retry-After` is honoured for; a longer one waits this long."
    )
    crawl_timeout_s: float = Field(30.0, gt=0, description="Download timeout per request.")
    crawl_allowed_hosts: HostList = Field(
        [], description="Hosts of the site besides the start URL's (`name` or `name:port`, comma-separated)."
    )
    crawl_image_hosts: HostList = Field(
        list(PRODUCTION_IMAGE_HOSTS), description="Hosts covers may come from (the real site's image CDNs)."
    )
    crawl_max_page_bytes: int = Field(
        50_000_000, ge=1, description="Largest page, sitemap or sub-request accepted (sitemaps may be 50 MB)."
    )
    crawl_max_cover_bytes: int = Field(20_000_000, ge=1, description="Largest cover download accepted.")
    crawl_max_cover_pixels: int = Field(40_000_000, ge=1, description="Decompression-bomb guard for covers.")
    crawl_archive: bool = Field(True, description="Keep album pages and sub-requests of each run as a WARC archive.")
    crawl_min_cover_side: int = Field(64, ge=1, description="Smallest cover width or height accepted.")
    crawl_min_parsed_share: float = Field(
        0.5, ge=0, le=1, description="A crawl fails when a smaller share of the album pages it fetched parses."
    )
    crawl_design_change_margin: float = Field(
        0.3,
        gt=0,
        le=1,
        description="A crawl fails when a page design's share of pages without moods (or titles) exceeds its "
        "usual share by this much.",
    )
    crawl_design_change_min_pages: int = Field(
        20, ge=1, description="Fewest album pages (of a design) a crawl judges the page design's health on."
    )
    crawl_usual_no_moods_share: float = Field(
        0.2, ge=0, le=1, description="Usual share of album pages without moods until earlier crawls have measured it."
    )
    crawl_usual_no_title_share: float = Field(
        0.05, ge=0, le=1, description="Usual share of album pages without a title until earlier crawls measured it."
    )

    @field_validator("crawl_allowed_hosts", "crawl_image_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        """Hosts from a comma-separated string or a list, lower-cased, each a bare `name` or `name:port`."""
        hosts = value.split(",") if isinstance(value, str) else value
        if not isinstance(hosts, list | tuple):
            return hosts
        cleaned = [str(host).strip().lower() for host in hosts if str(host).strip()]
        for host in cleaned:
            if any(mark in host for mark in ("/", "@", "?", "#", " ")):
                raise ValueError(f"{host!r} is not a host name (give `name` or `name:port`, no scheme or path)")
        return cleaned

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not value:
            return value
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(
                f"cannot parse {mask_url(value)!r} as a database URL "
                "(expected e.g. postgresql+psycopg2://user:pass@host:5432/albumml or sqlite:///path.db)"
            ) from exc
        if url.get_backend_name() not in SUPPORTED_DATABASES:
            raise ValueError(
                f"database {url.get_backend_name()!r} is not supported; use one of {', '.join(SUPPORTED_DATABASES)}"
            )
        if url.drivername == "postgresql":
            return url.set(drivername=DEFAULT_POSTGRES_DRIVER).render_as_string(hide_password=False)
        return value

    @field_validator("home")
    @classmethod
    def _check_home(cls, value: Path) -> Path:
        folder = value.expanduser()
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if existing is not None and not existing.is_dir():
            where = "is a file" if existing == folder else f"is under {existing}, which is a file"
            raise ValueError(f"{value} {where}; point it at a folder (it is created when missing)")
        return value

    @field_validator("model_name")
    @classmethod
    def _check_model_name(cls, value: str) -> str:
        if not value.strip() or not value.isprintable() or any(c in value for c in MODEL_NAME_FORBIDDEN):
            raise ValueError(
                f"{value!r} cannot name a registered model; use letters, digits, spaces, '.', '_' or '-' "
                f"(not {' '.join(MODEL_NAME_FORBIDDEN)})"
            )
        return value

    @field_validator("crawl_start_url")
    @classmethod
    def _check_crawl_start_url(cls, value: str) -> str:
        problem = web_url_problem(value) if value else None
        if problem:
            raise ValueError(f"{problem}; give the review site's http(s) URL")
        return value

    @field_validator("store_url")
    @classmethod
    def _check_store_url(cls, value: str) -> str:
        if "://" in value and not value.startswith(("file://", "s3://")):
            raise ValueError(f"store URL {mask_url(value)!r} must be a folder path, file://... or s3://bucket/prefix")
        if value.startswith("s3://") and not value[len("s3://") :].split("/", 1)[0]:
            raise ValueError(f"store URL {mask_url(value)!r} names no bucket (expected s3://bucket/prefix)")
        return value

    @field_validator("mlflow_tracking_uri", "s3_endpoint_url", "batch_endpoint_url", "mlflow_artifact_location")
    @classmethod
    def _check_readable_url(cls, value: str | None) -> str | None:
        """A URL that cannot be parsed fails here, redacted, instead of deep inside a client library."""
        if value and "://" in value and mask_url(value) == REDACTED:
            raise ValueError(f"{REDACTED} cannot be read as a URL (check its brackets, port and special characters)")
        return value

    @model_validator(mode="after")
    def _move_tracking_credentials(self) -> Settings:
        """Credentials in the tracking URI become the username/password settings; the URI keeps none."""
        if "@" not in self.mlflow_tracking_uri or "://" not in self.mlflow_tracking_uri:
            return self
        bare, user, password = strip_credentials(self.mlflow_tracking_uri)
        self.mlflow_tracking_uri = bare
        self.mlflow_username = self.mlflow_username or user
        if self.mlflow_password is None and password is not None:
            self.mlflow_password = SecretStr(password)
        return self

    @model_validator(mode="after")
    def _fill_defaults_under_home(self) -> Settings:
        self.home = self.home.expanduser().absolute()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.home / 'catalogue.db'}"
        if not self.store_url:
            self.store_url = str(self.home / "store")
        if not self.mlflow_tracking_uri:
            self.mlflow_tracking_uri = f"sqlite:///{self.home / 'mlflow.db'}"
        if not self.mlflow_artifact_location and self.mlflow_tracking_uri.startswith(("sqlite:", "file:", "/")):
            self.mlflow_artifact_location = (self.home / "mlartifacts").as_uri()
        return self

    def secrets(self) -> list[str]:
        """Every secret value the settings hold, so a message that quotes a library's error can scrub them."""
        values = [
            v.get_secret_value()
            for v in (self.mlflow_password, self.s3_secret_access_key, self.alert_url)
            if v is not None
        ]
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, str):
                values.extend(url_secrets(value))
        return [value for value in values if value]

    def masked(self) -> dict[str, Any]:
        """Effective settings with passwords and secret keys masked, for printing and logging."""
        shown: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = MASK if value.get_secret_value() else ""
            elif isinstance(value, str) and ("://" in value or "@" in value):
                value = mask_url(value)
            elif isinstance(value, Path):
                value = str(value)
            shown[name] = value
        return shown


def field_problems(error: ValidationError) -> str:
    """Pydantic's findings as one line: `field: what is wrong`, separated by semicolons."""
    return "; ".join(
        ": ".join(filter(None, [".".join(map(str, e["loc"])), e["msg"].removeprefix("Value error, ")]))
        for e in error.errors()
    )


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning validation failures into one ConfigError that names the variables."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"ALBUMML_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from None

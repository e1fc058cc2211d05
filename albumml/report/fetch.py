"""Fetching a run's logged report from MLflow."""

from __future__ import annotations

from pathlib import Path

from albumml.config import Settings
from albumml.errors import ConfigError, TrackingError
from albumml.registry.tracking import is_run_id, scrubbed, use_tracking
from albumml.report.build import REPORT_NAME


def fetch_report(settings: Settings, run_id: str, out: Path) -> Path:
    """Downloads the run's `report/` artifacts under `out/<run_id>/`; returns the report page's path."""
    import mlflow

    if not is_run_id(run_id):
        raise TrackingError(f"{run_id!r} is not an MLflow run id; `albumml models list` shows the runs of versions")
    use_tracking(settings)
    target = out / run_id
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"cannot create {target} ({error.strerror}); choose another folder with --out") from None
    try:
        folder = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="report", dst_path=str(target))
    except Exception as error:
        raise TrackingError(
            f"run {run_id!r} has no report to fetch ({type(error).__name__}: {scrubbed(settings, error)}); "
            "runs trained by this version of albumml log one: check the run id in the MLflow UI"
        ) from None
    path = Path(folder) / REPORT_NAME
    if not path.exists():
        raise TrackingError(f"run {run_id!r} logged a report folder without {REPORT_NAME}")
    return path

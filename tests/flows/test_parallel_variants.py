"""Variants trained as concurrent Prefect tasks against a real Prefect server: at most the setting's number at once,
and a retried night finds the finished ones in MLflow and skips them (with the same runs in its report)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx
import pytest

from albumml.config import load_settings
from albumml.models.heads import Variant
from albumml.storage import open_store
from albumml.training.config import TrainConfig
from tests.support.tiny import tiny_snapshot


def configs(home: Path) -> list[TrainConfig]:
    snapshot = tiny_snapshot(open_store(load_settings(home=home)))
    return [
        TrainConfig(
            snapshot_id=snapshot.id,
            variant=variant,
            backbone="efficientnet_lite0",
            epochs=2,
            hidden=(16,),
            batch_size=16,
            report=False,
        )
        for variant in (Variant.CLASSIFIER, Variant.CLASSIFIER_WITH_METADATA, Variant.EMBEDDING)
    ]


def train_spans(api: str, flow_run_id: str) -> list[tuple[datetime, datetime]]:
    """When each train task run of the flow run started and ended."""
    runs = httpx.post(
        f"{api}/task_runs/filter", json={"flow_runs": {"id": {"any_": [flow_run_id]}}, "task_runs": {}}
    ).json()
    return sorted(
        (datetime.fromisoformat(run["start_time"]), datetime.fromisoformat(run["end_time"]))
        for run in runs
        if run["name"].startswith("train")
    )


def overlapping(spans: list[tuple[datetime, datetime]]) -> int:
    """The most spans in progress at one moment."""
    moments = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    most = running = 0
    for _, change in moments:
        running += change
        most = max(most, running)
    return most


@pytest.mark.parametrize("limit", [1, 2])
def test_variants_train_at_most_the_limit_at_once_and_a_retry_skips_finished_ones(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    from prefect import flow
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.tasks import train_variants

    monkeypatch.setenv("ALBUMML_HOME", str(tmp_path / "home"))
    wanted = configs(tmp_path / "home")

    @flow(name="variants")
    def night() -> tuple[list[dict], str]:
        from prefect.runtime import flow_run

        return train_variants(wanted, "local", limit), flow_run.id

    with temporary_settings(updates={PREFECT_API_URL: prefect_api}):
        first, first_run = night()
        retried, _ = night()
    assert [run["variant"] for run in first] == [1, 2, 3]
    assert not any(run.get("skipped") for run in first)
    assert overlapping(train_spans(prefect_api, first_run)) == limit
    assert all(run["skipped"] for run in retried)
    assert [run["run_id"] for run in retried] == [run["run_id"] for run in first]

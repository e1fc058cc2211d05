"""The nightly flow end to end against a real Prefect server: crawl, snapshot, four models trained concurrently,
gate; then nothing new; then changed albums, two models swept and trained, and a gate that keeps rejecting, which
asks for attention; then a redesigned site, which fails the night at once instead of passing as a quiet one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from mlflow import MlflowClient

from albumml.registry.schema import RunTag
from flows.nightly import ATTENTION_EVENT
from sample_site import FAST_CRAWL_SETTINGS, Faults, change_site, generate_site, serving

REPOSITORY = Path(__file__).resolve().parents[2]


def run_nightly(env: dict[str, str], url: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "albumml", "flows", "nightly", "--url", url, "--epochs", "15", "--json", *options],
        env=env,
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=600,
    )


def nightly(env: dict[str, str], url: str, *options: str) -> dict:
    done = run_nightly(env, url, *options)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_nightly_trains_registers_retrains_nothing_and_fails_on_a_redesign(prefect_api: str, tmp_path: Path) -> None:
    generate_site(tmp_path / "site", albums=400, seed=21, faults=Faults())
    env = {
        **os.environ,
        **FAST_CRAWL_SETTINGS,  # our simulator, crawled at full speed (the defaults are polite to a real site)
        "ALBUMML_HOME": str(tmp_path / "home"),
        "PREFECT_API_URL": prefect_api,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "ALBUMML_TRAIN_LOCAL_PARALLEL": "2",
    }
    # a gate no challenger can pass, and an alert after the first rejection; that night sweeps each model first
    rejecting = {
        **env,
        "ALBUMML_GATE_MIN_IMPROVEMENT": "1",
        "ALBUMML_ALERT_REJECTED_NIGHTS": "1",
        "ALBUMML_SWEEP_TRIALS": "2",
    }
    subprocess.run([sys.executable, "-m", "albumml", "db", "upgrade"], env=env, check=True, capture_output=True)
    started = datetime.now(UTC).isoformat()  # the server is shared: what came before is other tests'
    with serving(tmp_path / "site") as server:
        first = nightly(env, server.base_url)
        second = nightly(env, server.base_url)
        change_site(tmp_path / "site", albums=80)
        third = nightly(rejecting, server.base_url, "--sweep", "--model", "1", "--model", "4")
        change_site(tmp_path / "site", albums=60, redesign=True)
        redesigned = run_nightly(env, server.base_url)
    assert first["crawl"]["albums_new"] > 300
    assert first["snapshot"]["created"]
    assert sorted(run["variant"] for run in first["trained"]) == [1, 2, 3, 4]
    for run in first["trained"]:
        assert run["test_micro_ap"] > run["baseline_micro_ap"], run
        assert run["probe_micro_ap"] > run["baseline_micro_ap"], run  # the anchor in the nightly table
    assert first["gate"]["promoted"]
    # computed once, before the four models (which then find every readable cover cached)
    assert first["features"]["computed"] == first["features"]["covers"] - first["features"]["failed"] >= 250
    assert first["gate"]["rejected_in_a_row"] == 0
    # the candidate is chosen on validation; the test split is the gate's alone
    assert first["best"]["validation_micro_ap"] == max(run["validation_micro_ap"] for run in first["trained"])

    assert second["crawl"]["albums_new"] == 0
    assert not second["snapshot"]["created"]
    assert second["snapshot"]["snapshot_id"] == first["snapshot"]["snapshot_id"]
    assert second["trained"] == []

    assert third["snapshot"]["created"]
    assert third["features"]["computed"] <= 80  # only covers that changed are new to the cache
    assert third["drift"]["mood_js"] > 0
    assert "Mood drift" in third["drift"]["markdown"]
    drift_beside_reports = list((tmp_path / "home").rglob("snapshot-drift.md"))
    assert sorted(run["variant"] for run in third["trained"]) == [1, 4]  # the models the night was asked for
    assert len(drift_beside_reports) == len(third["trained"])  # one per run of the third night
    # each model's recipe was chosen by its sweep on validation, and its run names that sweep
    assert [sweep["trials"] for sweep in third["sweeps"]] == [2, 2]
    client = MlflowClient(f"sqlite:///{tmp_path / 'home' / 'mlflow.db'}")
    for run, sweep in zip(third["trained"], third["sweeps"], strict=True):
        tags = client.get_run(run["run_id"]).data.tags
        assert tags[RunTag.SWEEP_RUN_ID] == sweep["tags"][RunTag.SWEEP_RUN_ID]
        assert float(client.get_run(run["run_id"]).data.params["lr"]) == pytest.approx(sweep["config"]["lr"])
    assert not third["gate"]["promoted"]
    assert third["gate"]["rejected_in_a_row"] == 1
    attention = httpx.post(
        f"{prefect_api}/events/filter",
        json={"filter": {"event": {"name": [ATTENTION_EVENT]}, "occurred": {"since": started}}},
    ).json()["events"]
    assert len(attention) == 1
    assert "rejected every candidate for 1 night in a row" in attention[0]["payload"]["reason"]
    assert attention[0]["resource"]["prefect.resource.id"].startswith("prefect.flow-run.")

    assert redesigned.returncode != 0
    assert "the page design may have changed" in redesigned.stderr.strip().splitlines()[-1]

    runs = httpx.post(
        f"{prefect_api}/flow_runs/filter",
        json={
            "flows": {"name": {"any_": ["nightly"]}},
            # this test's runs: started here after it began (the deployments' scheduled runs wait on the worker)
            "flow_runs": {"deployment_id": {"is_null_": True}, "start_time": {"after_": started}},
        },
    ).json()
    states = [run["state_type"] for run in runs]
    assert sorted(states) == ["COMPLETED", "COMPLETED", "COMPLETED", "FAILED"]
    # a site whose pages no longer parse is not crawled again in the same night: a retry would fail the same way
    failed = next(run["id"] for run in runs if run["state_type"] == "FAILED")
    tasks = httpx.post(f"{prefect_api}/task_runs/filter", json={"flow_runs": {"id": {"any_": [failed]}}}).json()
    assert [(task["name"].rsplit("-", 1)[0], task["run_count"]) for task in tasks] == [("crawl", 1)], tasks
    keys = {artifact["key"] for artifact in httpx.post(f"{prefect_api}/artifacts/filter", json={}).json()}
    assert {"crawl-summary", "nightly-evaluation", "snapshot-drift"} <= keys

"""prefect.yaml against a real Prefect server and a process worker: deploy, check the schedule, trigger runs as the UI
does (parameters in a create-flow-run call) and watch them complete."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from albumml.catalogue import open_catalogue
from albumml.config import load_settings
from albumml.dataset import list_snapshots
from albumml.storage import open_store
from sample_site import FAST_CRAWL_SETTINGS, Faults, generate_site, serving

REPOSITORY = Path(__file__).resolve().parents[2]
POOL = "albumml-process"
DEPLOYMENTS = {"nightly", "crawl-incremental", "snapshot", "train", "evaluate-and-register"}


def prefect(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "prefect", *arguments],
        env=env,
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def deployed(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path]]:
    """Every deployment of prefect.yaml on the server, and a process worker serving the pool; yields env and home."""
    root = tmp_path_factory.mktemp("deployed")
    env = {
        **os.environ,
        **FAST_CRAWL_SETTINGS,  # the worker's flows crawl our simulator at full speed (the defaults are polite)
        "PREFECT_API_URL": prefect_api,
        "PREFECT_HOME": str(root / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "ALBUMML_HOME": str(root / "home"),
    }
    prefect(env, "work-pool", "create", POOL, "--type", "process")
    prefect(env, "--no-prompt", "deploy", "--all")
    subprocess.run([sys.executable, "-m", "albumml", "db", "upgrade"], env=env, check=True, capture_output=True)
    log = (root / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL],
        env=env,
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield env, root
    finally:
        for _ in range(2):
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            worker.kill()
        log.close()


def deployment(api: str, flow: str, name: str) -> dict:
    response = httpx.get(f"{api}/deployments/name/{flow}/{name}")
    assert response.status_code == 200, response.text
    return response.json()


def run_deployment(api: str, flow: str, name: str, parameters: dict, root: Path, timeout_s: float = 240) -> dict:
    """Create a flow run of a deployment with parameters, as the UI's Run button does, and wait for it to end."""
    created = httpx.post(
        f"{api}/deployments/{deployment(api, flow, name)['id']}/create_flow_run", json={"parameters": parameters}
    )
    assert created.status_code == 201, created.text
    run_id = created.json()["id"]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run = httpx.get(f"{api}/flow_runs/{run_id}").json()
        if run["state_type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}:
            worker_log = (root / "worker.log").read_text()[-4000:]
            assert run["state_type"] == "COMPLETED", f"{run['state']}\nworker log:\n{worker_log}"
            return run
        time.sleep(1)
    pytest.fail(f"flow run {run_id} of {flow}/{name} did not end in {timeout_s:.0f} s")


def test_every_deployment_is_on_the_pool_and_nightly_runs_at_three_utc(prefect_api: str, deployed) -> None:
    found = httpx.post(f"{prefect_api}/deployments/filter", json={}).json()
    assert {d["name"] for d in found} == DEPLOYMENTS
    assert {d["work_pool_name"] for d in found} == {POOL}
    schedules = deployment(prefect_api, "nightly", "nightly")["schedules"]
    assert len(schedules) == 1
    assert schedules[0]["active"]
    assert schedules[0]["schedule"]["cron"] == "0 3 * * *"
    assert schedules[0]["schedule"]["timezone"] == "UTC"
    assert all(not d["schedules"] for d in found if d["name"] != "nightly")


def test_the_train_form_offers_local_or_aws_batch(prefect_api: str, deployed) -> None:
    schema = deployment(prefect_api, "train", "train")["parameter_openapi_schema"]
    train = schema["definitions"]["TrainParameters"]["properties"]
    assert train["compute"]["enum"] == ["local", "aws-batch"]
    assert {"snapshot_id", "model", "backbone", "epochs", "gate", "finetune_epochs"} <= set(train)
    assert train["model"]["minimum"] == 1
    assert train["model"]["maximum"] == 4


def test_triggered_crawl_and_snapshot_runs_complete_on_the_worker(prefect_api: str, deployed, tmp_path) -> None:
    _, root = deployed
    generate_site(tmp_path / "site", albums=60, seed=5, faults=Faults())
    with serving(tmp_path / "site") as server:
        run_deployment(prefect_api, "crawl", "crawl-incremental", {"site_url": server.base_url}, root)
    settings = load_settings(home=root / "home")
    catalogue = open_catalogue(settings)
    assert catalogue.stats().albums >= 55
    run_deployment(prefect_api, "snapshot", "snapshot", {"min_mood_count": 3}, root)
    snapshots = list_snapshots(open_store(settings))
    assert len(snapshots) == 1
    assert snapshots[0]["albums"] > 0
    keys = {a["key"] for a in httpx.post(f"{prefect_api}/artifacts/filter", json={}).json()}
    assert "crawl-summary" in keys

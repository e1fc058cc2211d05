"""prefect.yaml's deployments on a real Prefect server with a process worker, and runs of them started as the UI's
Run button starts them (parameters in a create-flow-run call)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from sample_site import FAST_CRAWL_SETTINGS

REPOSITORY = Path(__file__).resolve().parents[2]
POOL = "albumml-process"
ENDED = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def prefect(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    """The `prefect` command in the repository, which must succeed."""
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


def deployment_environment(prefect_api: str, root: Path) -> dict[str, str]:
    """What the deploying process and the worker see: the server, their own homes, the simulator's fast crawl."""
    return {
        **os.environ,
        **FAST_CRAWL_SETTINGS,  # the worker's flows crawl our simulator at full speed (the defaults are polite)
        "PREFECT_API_URL": prefect_api,
        "PREFECT_HOME": str(root / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "ALBUMML_HOME": str(root / "home"),
    }


def deploy(prefect_api: str, root: Path) -> dict[str, str]:
    """Every deployment of prefect.yaml on the server (runs wait: no worker serves the pool); the env."""
    env = deployment_environment(prefect_api, root)
    prefect(env, "work-pool", "create", POOL, "--type", "process")
    prefect(env, "--no-prompt", "deploy", "--all")
    return env


@contextmanager
def deployed_with_worker(prefect_api: str, root: Path) -> Iterator[dict[str, str]]:
    """Every deployment of prefect.yaml on the server and a process worker serving the pool; yields the env."""
    env = deploy(prefect_api, root)
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
        yield env
    finally:
        for _ in range(2):  # the worker needs a second signal to exit
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
    """The deployment `flow/name` as the server holds it."""
    response = httpx.get(f"{api}/deployments/name/{flow}/{name}")
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_run(api: str, run_id: str, timeout_s: float = 240) -> dict:
    """The flow run once it has ended."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run = httpx.get(f"{api}/flow_runs/{run_id}").json()
        if run["state_type"] in ENDED:
            return run
        time.sleep(1)
    raise AssertionError(f"flow run {run_id} did not end in {timeout_s:.0f} s")


def runs_of(api: str, deployment_id: str) -> list[dict]:
    """The flow runs of a deployment."""
    found = httpx.post(f"{api}/flow_runs/filter", json={"deployments": {"id": {"any_": [deployment_id]}}})
    assert found.status_code == 200, found.text
    return found.json()


def start_run(api: str, flow: str, name: str, parameters: dict) -> str:
    """A flow run of a deployment with these parameters, as the UI's Run button creates it; its id."""
    url = f"{api}/deployments/{deployment(api, flow, name)['id']}/create_flow_run"
    for _ in range(5):  # a busy server's SQLite answers 503 for a moment; Prefect's own client retries those too
        created = httpx.post(url, json={"parameters": parameters})
        if created.status_code != 503:
            break
        time.sleep(1)
    assert created.status_code == 201, created.text
    return created.json()["id"]


def run_deployment(api: str, flow: str, name: str, parameters: dict, root: Path, timeout_s: float = 240) -> dict:
    """Run a deployment to its end; it must complete."""
    run = wait_for_run(api, start_run(api, flow, name, parameters), timeout_s)
    worker_log = (root / "worker.log").read_text()[-4000:]
    assert run["state_type"] == "COMPLETED", f"{run['state']}\nworker log:\n{worker_log}"
    return run

"""Alerts through Prefect automations against a real Prefect server and worker: `albumml flows setup` creates the
webhook block, the automations and the crawl limit (twice, changing nothing); a deployment run that fails reaches a
webhook receiver on 127.0.0.1 with the run's name, state and reason; so does a night that needs attention."""

from __future__ import annotations

import subprocess
import sys
import uuid

import httpx
import pytest

from flows.nightly import ATTENTION_EVENT
from flows.operations import ATTENTION_AUTOMATION, FAILURE_AUTOMATION
from flows.tasks import CRAWL_TAG
from tests.support.deployments import REPOSITORY, start_run, wait_for_run
from tests.support.webhook import WebhookReceiver


@pytest.fixture(scope="module")
def receiver(deployed) -> WebhookReceiver:
    env, _ = deployed
    with WebhookReceiver() as hook:
        for _ in range(2):  # idempotent: a second run leaves one block and one automation of each
            done = subprocess.run(
                [sys.executable, "-m", "albumml", "flows", "setup"],
                env={**env, "ALBUMML_ALERT_URL": hook.alerts_url},
                cwd=REPOSITORY,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            assert hook.alerts_url not in done.stdout + done.stderr  # the URL is a secret (it often carries a token)
        yield hook


def test_setup_is_idempotent_and_limits_crawls_to_one(prefect_api: str, receiver: WebhookReceiver) -> None:
    automations = httpx.post(f"{prefect_api}/automations/filter", json={}).json()
    assert sorted(a["name"] for a in automations) == sorted([FAILURE_AUTOMATION, ATTENTION_AUTOMATION])
    assert all(a["enabled"] for a in automations)
    blocks = httpx.post(f"{prefect_api}/block_documents/filter", json={}).json()
    assert [b["name"] for b in blocks].count("albumml-alerts") == 1
    limit = httpx.get(f"{prefect_api}/concurrency_limits/tag/{CRAWL_TAG}")
    assert limit.status_code == 200 and limit.json()["concurrency_limit"] == 1


def test_a_failed_deployment_run_alerts_with_its_name_state_and_reason(
    prefect_api: str, receiver: WebhookReceiver
) -> None:
    run_id = start_run(prefect_api, "crawl", "crawl-incremental", {"site_url": "ftp://files.example/albums"})
    run = wait_for_run(prefect_api, run_id, timeout_s=120)
    assert run["state_type"] == "FAILED"  # a bad URL is not retried: it would fail the same way
    message = receiver.wait_for(run["name"])
    assert "Failed" in message["subject"] and run["name"] in message["subject"]
    assert "entered state Failed" in message["body"]
    assert "http(s) URL" in message["body"]  # the reason, from the run's state message
    assert run_id in message["body"]


def test_a_night_that_needs_attention_alerts_with_its_reason(prefect_api: str, receiver: WebhookReceiver) -> None:
    from prefect.events.clients import PrefectEventsClient
    from prefect.events.schemas.events import Event

    # the night the event speaks of: a flow run on the server (what the nightly emits from; nothing need run)
    flow_id = httpx.post(f"{prefect_api}/flows/", json={"name": "nightly"}).json()["id"]
    run = httpx.post(f"{prefect_api}/flow_runs/", json={"flow_id": flow_id, "name": f"night-{uuid.uuid4().hex[:6]}"})
    assert run.status_code == 201, run.text
    run_id = run.json()["id"]
    reason = f"the gate has kept the champion 3 nights in a row ({uuid.uuid4().hex[:6]})"
    event = Event(
        event=ATTENTION_EVENT,
        resource={"prefect.resource.id": f"prefect.flow-run.{run_id}", "prefect.resource.name": run.json()["name"]},
        payload={"reason": reason},
    )
    import asyncio

    async def send() -> None:
        async with PrefectEventsClient(api_url=prefect_api) as events:
            await events.emit(event)

    asyncio.run(send())
    message = receiver.wait_for(reason)
    assert run.json()["name"] in message["subject"]
    assert "needs attention" in message["body"] and run_id in message["body"]


def test_setup_without_an_alert_url_or_block_is_one_clear_error(deployed, receiver: WebhookReceiver) -> None:
    env, _ = deployed
    done = subprocess.run(
        [sys.executable, "-m", "albumml", "flows", "setup"],
        env={**env, "ALBUMML_ALERT_BLOCK": "no-such-block"},
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: no alert block") and "ALBUMML_ALERT_URL" in last and "Traceback" not in done.stderr

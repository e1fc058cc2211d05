"""prefect.yaml against a real Prefect server and a process worker: deploy, check the schedule, trigger runs as the UI
does (parameters in a create-flow-run call) and watch them complete."""

from __future__ import annotations

import httpx

from albumml.catalogue import open_catalogue
from albumml.config import load_settings
from albumml.dataset import list_snapshots
from albumml.storage import open_store
from sample_site import Faults, generate_site, serving
from tests.support.deployments import POOL, deployment, run_deployment

DEPLOYMENTS = {"nightly", "crawl-incremental", "snapshot", "train", "evaluate-and-register"}


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


def test_every_form_field_has_its_real_default_and_choices_are_choices(prefect_api: str, deployed) -> None:
    for flow, name in [("train", "train"), ("nightly", "nightly")]:
        schema = deployment(prefect_api, flow, name)["parameter_openapi_schema"]
        fields = schema["properties"]
        assert "parameters" not in fields  # no wrapper object to unfold
        for field, spec in fields.items():
            if field not in schema.get("required", []):
                assert spec.get("default") is not None, (flow, field, spec)  # no "None means the setting"
            assert spec.get("description"), (flow, field)
        assert fields["compute"]["enum"] == ["local", "aws-batch"]
        backbones = schema["definitions"][fields["backbone"]["$ref"].rsplit("/", 1)[1]]["enum"]
        assert {"vgg16", "resnet50", "efficientnet_lite0"} <= set(backbones)
        assert fields["backbone"]["default"] == "efficientnet_lite0"
        assert fields["epochs"]["default"] == 40
        assert fields["epochs"]["minimum"] == 1
    train = deployment(prefect_api, "train", "train")["parameter_openapi_schema"]["properties"]
    assert train["model"]["enum"] == [1, 2, 3, 4]
    nightly = deployment(prefect_api, "nightly", "nightly")["parameter_openapi_schema"]["properties"]
    assert nightly["variants"]["items"]["enum"] == [1, 2, 3, 4]
    assert nightly["variants"]["default"] == [1, 2, 3, 4]


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

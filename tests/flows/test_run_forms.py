"""Each deployment's run form in the Prefect UI, opened in headless Chromium against a real Prefect server: every
field visible with its real default, choices as choices; a changed field reaches the flow run it submits."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import chromium
from tests.support.deployments import deploy, deployment, runs_of
from tests.support.services import prefect_server_for_tests

# What the rendered form shows: each parameter's label, description and current value (a select's chosen item).
FIELDS = """() => Array.from(document.querySelectorAll('.schema-form-property')).map(property => {
    const select = property.querySelector('.p-select-button__value');
    const input = property.querySelector('input, textarea');
    const description = property.querySelector('.schema-form-property__description');
    return {
        label: property.querySelector('.schema-form-property__label')?.innerText ?? '',
        description: description ? description.innerText : '',
        choice: select !== null,
        value: select ? select.innerText : input ? (input.type === 'checkbox' ? String(input.checked) : input.value)
            : null,
    };
})"""


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of this module's own: the package's has a worker, which would run what the forms submit."""
    with prefect_server_for_tests(tmp_path_factory.mktemp("forms-prefect")) as api:
        yield api


@pytest.fixture(scope="module")
def deployed_only(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The deployments, and no worker: a submitted run waits, so only what the form sent is checked."""
    deploy(prefect_api, tmp_path_factory.mktemp("forms"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def open_form(browser: Any, api: str, flow: str, name: str) -> tuple[Any, dict[str, dict[str, Any]]]:
    """The deployment's Run page, once its parameters are rendered; the fields by parameter name."""
    page = browser.new_page()
    page.goto(f"{api.removesuffix('/api')}/deployments/deployment/{deployment(api, flow, name)['id']}/run")
    page.wait_for_selector(".schema-form-property", timeout=30_000)
    page.wait_for_timeout(500)  # the form fills its defaults just after it renders
    fields = {re.sub(r" \(Optional\)$", "", f["label"]): f for f in page.evaluate(FIELDS)}
    return page, fields


def field(page: Any, name: str) -> Any:
    """The form property of parameter `name`."""
    label = page.locator(".schema-form-property__label", has_text=re.compile(rf"^{re.escape(name)}( \(Optional\))?$"))
    return page.locator(".schema-form-property").filter(has=label).first


def choose(page: Any, name: str, option: str) -> None:
    """Pick `option` in the select of parameter `name` (the list opens from the keyboard)."""
    field(page, name).locator(".p-select-button__control").click()
    page.keyboard.press("ArrowDown")
    page.get_by_role("option", name=option, exact=True).click()


def submit(page: Any, api: str, flow: str, name: str) -> dict[str, Any]:
    """Submit the form; the flow run it created, as the server holds it. A busy test server's SQLite can answer the
    UI's create request 503 for a moment (the UI does not retry it): then the form is submitted again, as a user
    would; anything else fails with what the server answered and what the page shows."""
    deployment_id = deployment(api, flow, name)["id"]
    before = {run["id"] for run in runs_of(api, deployment_id)}
    answers: list[Any] = []
    page.on("response", lambda response: answers.append(response) if "create_flow_run" in response.url else None)
    for _ in range(3):
        answered = len(answers)  # only this click's answers count: an earlier 503 is no reason to submit again
        page.get_by_role("button", name="Submit").click()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            new = [run for run in runs_of(api, deployment_id) if run["id"] not in before]
            if new:
                assert len(new) == 1, new
                return new[0]
            page.wait_for_timeout(500)  # lets Playwright deliver the page's events
            if any(response.status >= 500 for response in answers[answered:]):
                break
        else:
            break  # no run and no server error: submitting again would not help
    statuses = [response.status for response in answers]
    shown = page.locator("[role=alert], .p-toast, .p-message").all_inner_texts()
    raise AssertionError(
        f"submitting the {flow}/{name} form created no flow run: create_flow_run answered {statuses}, "
        f"page at {page.url} shows {shown}"
    )


def test_the_train_form_shows_every_field_with_its_default_and_submits_a_change(
    prefect_api: str, deployed_only, browser
) -> None:
    page, fields = open_form(browser, prefect_api, "train", "train")
    expected = {
        "snapshot_id": "",
        "model": "1",
        "backbone": "efficientnet_lite0",
        "epochs": "40",
        "lr": "0.001",
        "batch_size": "64",
        "seed": "0",
        "compute": "local",
        "finetune_epochs": "0",
    }
    assert {name: fields[name]["value"] for name in expected} == expected
    assert all(fields[name]["description"] for name in [*expected, "gate", "sweep"])
    assert fields["sweep"]["value"] == "false"
    assert fields["model"]["choice"] and fields["backbone"]["choice"] and fields["compute"]["choice"]
    field(page, "epochs").locator("input").fill("7")
    choose(page, "backbone", "resnet50")
    run = submit(page, prefect_api, "train", "train")
    assert run["parameters"]["epochs"] == 7
    assert run["parameters"]["backbone"] == "resnet50"
    assert run["parameters"].get("model", 1) == 1


def test_the_nightly_form_shows_its_defaults_and_submits_a_change(prefect_api: str, deployed_only, browser) -> None:
    page, fields = open_form(browser, prefect_api, "nightly", "nightly")
    assert fields["min_mood_count"]["value"] == "20"
    assert fields["epochs"]["value"] == "40"
    assert fields["backbone"]["value"] == "efficientnet_lite0" and fields["backbone"]["choice"]
    assert fields["compute"]["value"] == "local" and fields["compute"]["choice"]
    assert "variants" in fields
    field(page, "min_mood_count").locator("input").fill("5")
    run = submit(page, prefect_api, "nightly", "nightly")
    assert run["parameters"]["min_mood_count"] == 5


def test_the_step_forms_show_their_defaults(prefect_api: str, deployed_only, browser) -> None:
    page, fields = open_form(browser, prefect_api, "snapshot", "snapshot")
    assert fields["min_mood_count"]["value"] == "20"
    page, fields = open_form(browser, prefect_api, "crawl", "crawl-incremental")
    assert fields["site_url"]["value"] == "" and fields["full_crawl"]["value"] == "false"
    page, fields = open_form(browser, prefect_api, "evaluate-and-register", "evaluate-and-register")
    assert "run_id" in fields and fields["run_id"]["description"]
    field(page, "run_id").locator("input, textarea").first.fill("0123abcd")
    run = submit(page, prefect_api, "evaluate-and-register", "evaluate-and-register")
    assert run["parameters"]["run_id"] == "0123abcd"

"""What the deployments rely on in the Prefect server, created idempotently by `albumml flows setup`: the alert
block, the automations that send through it, and the tag concurrency limit that keeps crawls one at a time.

Alerts: a flow run of any albumml deployment (tag `albumml`) that fails, crashes or times out; and a night that
completed but needs attention (the gate kept the champion for ALBUMML_ALERT_REJECTED_NIGHTS nights in a row). An
unhealthy crawl fails its night, so it alerts as a failure, with the crawl's reason as the state message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from albumml.config import Settings
from albumml.errors import ConfigError
from flows.nightly import ATTENTION_EVENT
from flows.tasks import CRAWL_TAG

DEPLOYMENT_TAG = "albumml"  # every deployment in prefect.yaml carries it
FAILED_STATES = ("Failed", "Crashed", "TimedOut")
FAILURE_AUTOMATION = "albumml: a run failed"
ATTENTION_AUTOMATION = "albumml: a night needs attention"

FAILURE_SUBJECT = "albumml: {{ flow.name }} run {{ flow_run.name }} {{ flow_run.state.name }}"
FAILURE_BODY = (
    "Flow run {{ flow_run.name }} of {{ flow.name }} (deployment {{ deployment.name }}) entered state "
    "{{ flow_run.state.name }}.\nReason: {{ flow_run.state.message }}\nFlow run id: {{ flow_run.id }}"
)
ATTENTION_SUBJECT = "albumml: nightly run {{ flow_run.name }} needs attention"
ATTENTION_BODY = (
    "Flow run {{ flow_run.name }} completed but needs attention.\nReason: {{ event.payload.reason }}\n"
    "Flow run id: {{ flow_run.id }}"
)
# The JSON a plain webhook receives: Prefect fills in the rendered subject and body.
WEBHOOK_JSON = {"subject": "{{subject}}", "body": "{{body}}", "text": "{{subject}}\n{{body}}"}


@dataclass(frozen=True)
class SetupOutcome:
    """What `albumml flows setup` left on the server."""

    block: str
    block_created: bool
    automations: tuple[str, ...]
    crawl_limit: int


def alert_block(settings: Settings) -> Any:
    """The notification block alert_url and alert_kind describe (a webhook receives subject, body and text)."""
    from prefect.blocks.notifications import (
        CustomWebhookNotificationBlock,
        MicrosoftTeamsWebhook,
        SlackWebhook,
    )

    assert settings.alert_url is not None
    url = settings.alert_url.get_secret_value()
    if settings.alert_kind == "slack":
        return SlackWebhook(url=url)
    if settings.alert_kind == "teams":
        return MicrosoftTeamsWebhook(url=url)
    return CustomWebhookNotificationBlock(name=settings.alert_block, url=url, json_data=WEBHOOK_JSON)


def ensure_block(settings: Settings) -> tuple[Any, bool]:
    """The alert block's document id: saved from the settings (overwritten, so a rerun changes nothing else), or
    an existing block of that name when no alert_url is set. Whether it was written now."""
    from prefect.blocks.core import Block

    if settings.alert_url is not None:
        return alert_block(settings).save(settings.alert_block, overwrite=True), True
    for kind in ("custom-webhook", "slack-webhook", "ms-teams-webhook", "sendgrid-email"):
        try:
            return Block.load(f"{kind}/{settings.alert_block}")._block_document_id, False
        except ValueError:
            continue
    raise ConfigError(
        f"no alert block: set ALBUMML_ALERT_URL (and ALBUMML_ALERT_KIND), or create a notification block named "
        f"{settings.alert_block!r} in the Prefect UI"
    )


def automations(block_id: Any) -> list[Any]:
    """The two automations, sending through the block `block_id`."""
    from prefect.automations import Automation, EventTrigger, Posture, SendNotification

    failed = Automation(
        name=FAILURE_AUTOMATION,
        description="Alert when a flow run of any albumml deployment fails, crashes or times out.",
        trigger=EventTrigger(
            expect={f"prefect.flow-run.{state}" for state in FAILED_STATES},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={"prefect.resource.role": "tag", "prefect.resource.id": f"prefect.tag.{DEPLOYMENT_TAG}"},
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[SendNotification(block_document_id=block_id, subject=FAILURE_SUBJECT, body=FAILURE_BODY)],
    )
    attention = Automation(
        name=ATTENTION_AUTOMATION,
        description="Alert when a night completed but needs attention (the gate keeps rejecting).",
        trigger=EventTrigger(
            expect={ATTENTION_EVENT},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[SendNotification(block_document_id=block_id, subject=ATTENTION_SUBJECT, body=ATTENTION_BODY)],
    )
    return [failed, attention]


def ensure_automation(wanted: Any) -> None:
    """Creates the automation, or brings the one of the same name up to date."""
    from prefect.automations import Automation

    try:
        existing = Automation.read(name=wanted.name)
    except ValueError:
        wanted.create()
        return
    wanted.id = existing.id
    wanted.update()


def setup(settings: Settings) -> SetupOutcome:
    """The alert block, both automations and the crawl concurrency limit, on the server PREFECT_API_URL names."""
    from prefect.client.orchestration import get_client

    block_id, written = ensure_block(settings)
    wanted = automations(block_id)
    for automation in wanted:
        ensure_automation(automation)
    with get_client(sync_client=True) as client:
        client.create_concurrency_limit(tag=CRAWL_TAG, concurrency_limit=1)
    return SetupOutcome(settings.alert_block, written, tuple(a.name for a in wanted), 1)

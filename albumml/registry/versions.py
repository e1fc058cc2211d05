"""The registered model's versions as people list them: aliases, run, the snapshot and figures the gate recorded."""

from __future__ import annotations

from dataclasses import dataclass

from albumml.config import Settings
from albumml.registry.schema import GateTag
from albumml.registry.tracking import client, tracking_errors


@dataclass(frozen=True)
class VersionRow:
    """One registered version and what the gate recorded on it."""

    version: str
    aliases: str
    run_id: str
    snapshot: str
    test_micro_ap: str
    decision: str


def list_versions(settings: Settings) -> list[VersionRow]:
    """Every version of the configured model, oldest first."""
    mlflow_client = client(settings)
    with tracking_errors(settings, f"listing the versions of {settings.model_name!r}"):
        versions = mlflow_client.search_model_versions(f"name = '{settings.model_name}'")
        registered = mlflow_client.get_registered_model(settings.model_name) if versions else None
    aliases: dict[str, list[str]] = {}
    if registered is not None:
        for alias, version in registered.aliases.items():
            aliases.setdefault(str(version), []).append(alias)
    return [
        VersionRow(
            version=str(v.version),
            aliases=",".join(aliases.get(str(v.version), [])),
            run_id=v.run_id,
            snapshot=v.tags.get(GateTag.SNAPSHOT_ID, ""),
            test_micro_ap=v.tags.get(GateTag.CHALLENGER_MICRO_AP, ""),
            decision=v.tags.get(GateTag.DECISION, ""),
        )
        for v in sorted(versions, key=lambda v: int(v.version))
    ]

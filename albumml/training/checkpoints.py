"""A checkpoint per epoch in the store, so a killed run (or a reclaimed spot host) continues where it stopped."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from typing import Any

import torch

from albumml.errors import ObjectNotFoundError
from albumml.storage import Store

log = logging.getLogger(__name__)

PREFIX = "checkpoints/"
KEEP = 3


class Checkpoints:
    """The checkpoints of one run key: `checkpoints/<key>/epoch-NNNN.pt` and a `latest.json` pointer."""

    def __init__(self, store: Store, run_key: str) -> None:
        self.store = store
        self.folder = f"{PREFIX}{run_key}/"

    def _name(self, epoch: int) -> str:
        return f"{self.folder}epoch-{epoch:04d}.pt"

    def save(self, epoch: int, state: dict[str, Any]) -> None:
        """Writes the state after `epoch`, then points `latest.json` at it and drops checkpoints older than KEEP."""
        buffer = io.BytesIO()
        torch.save({**state, "epoch": epoch}, buffer)
        self.store.put_object(self._name(epoch), buffer.getvalue())
        self.store.put_object(self.folder + "latest.json", json.dumps({"epoch": epoch}).encode())
        old = epoch - KEEP
        if old >= 1:
            with contextlib.suppress(ObjectNotFoundError):
                self.store.delete_object(self._name(old))

    def latest(self) -> dict[str, Any] | None:
        """The newest checkpoint's state, or None when the run has none."""
        if not self.store.has_object(self.folder + "latest.json"):
            return None
        epoch = json.loads(self.store.get_object(self.folder + "latest.json"))["epoch"]
        state = torch.load(io.BytesIO(self.store.get_object(self._name(epoch))), map_location="cpu", weights_only=True)
        log.info("resuming from the checkpoint after epoch %d (%s)", epoch, self._name(epoch))
        return state

"""A webhook receiver on 127.0.0.1 (where alerts are sent in tests): the recording server, read as JSON messages."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.support.recording_server import RecordingServer


class WebhookReceiver(RecordingServer):
    """Records the JSON bodies POSTed to `alerts_url`."""

    @property
    def alerts_url(self) -> str:
        """Where the alert block is pointed."""
        return self.url("/alerts")

    @property
    def received(self) -> list[Any]:
        """Every message so far, decoded."""
        return [json.loads(body or b"null") for body in list(self.posted)]

    def wait_for(self, text: str, timeout_s: float = 90) -> dict[str, Any]:
        """The first message whose body mentions `text`; AssertionError after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for message in self.received:
                if isinstance(message, dict) and text in str(message.get("body", "")):
                    return message
            time.sleep(0.5)
        raise AssertionError(f"no alert mentioning {text!r} in {timeout_s:.0f} s; received: {self.received}")

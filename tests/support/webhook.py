"""A webhook receiver on 127.0.0.1 that records every JSON body POSTed to it (where alerts are sent in tests)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        """Record the body and answer 200."""
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.owner.received.append(json.loads(body or b"null"))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: WebhookReceiver


class WebhookReceiver:
    """Records the JSON bodies POSTed to `url`."""

    def __init__(self) -> None:
        self.received: list[Any] = []
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/alerts"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def wait_for(self, text: str, timeout_s: float = 90) -> dict[str, Any]:
        """The first message whose body mentions `text`; AssertionError after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for message in list(self.received):
                if isinstance(message, dict) and text in str(message.get("body", "")):
                    return message
            time.sleep(0.5)
        raise AssertionError(f"no alert mentioning {text!r} in {timeout_s:.0f} s; received: {self.received}")

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

"""A small HTTP proxy that demands basic credentials in front of a real server (the MLflow test server), as a
reverse proxy or MLflow's basic-auth app would: 401 without the right user and password, the server's answer with."""

from __future__ import annotations

import base64
import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "authorization", "host", "content-length"}


@dataclass
class AuthProxy:
    """Where the proxy listens and how many requests it let through or refused."""

    url: str
    allowed: int = 0
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


def _handler(proxy: AuthProxy, upstream: str, expected: str) -> type[BaseHTTPRequestHandler]:
    target = urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test output is no place for access logs."""

        def _forward(self) -> None:
            if self.headers.get("Authorization") != expected:
                with proxy.lock:
                    proxy.refused += 1
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="mlflow"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with proxy.lock:
                proxy.allowed += 1
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            try:
                connection.request(self.command, self.path, body=body or None, headers=headers)
                answer = connection.getresponse()
                payload = answer.read()
            finally:
                connection.close()
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward  # noqa: N815 - the names http.server calls

    return Handler


@contextmanager
def basic_auth_proxy(upstream: str, user: str, password: str) -> Iterator[AuthProxy]:
    """Serve `upstream` on a free local port to requests carrying `user`:`password` only; yield the proxy."""
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    proxy = AuthProxy("")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy, upstream, expected))
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

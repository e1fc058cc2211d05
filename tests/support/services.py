"""Find or start real servers for tests: PostgreSQL (a throw-away cluster if none answers) and moto's S3."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(what: str) -> None:
    """A needed server cannot be reached: fail in CI, skip (with the reason) on a developer's machine."""
    if IN_CI:
        pytest.fail(f"{what} (CI=true: tests never skip a missing server)")
    pytest.skip(what)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], object], timeout_s: float, what: str) -> None:
    """Poll `check` until it returns truthy, or raise after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not become ready within {timeout_s:.0f}s")


def postgres_answers(dsn: str) -> bool:
    """Whether a PostgreSQL server accepts a connection at `dsn`."""
    try:
        psycopg2.connect(dsn, connect_timeout=3).close()
    except psycopg2.OperationalError:
        return False
    return True


def _postgres_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    return str(candidates[0]) if candidates else None


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Initialise and start a private PostgreSQL cluster on a free port; yield its admin DSN; remove it after."""
    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("no PostgreSQL server answers and initdb/pg_ctl are not installed")
    folder = Path(tempfile.mkdtemp(prefix="albumml-pg-"))
    data, port = folder / "data", free_port()
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*run_as, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = f"-F -p {port} -k {folder} -c listen_addresses=127.0.0.1"
    subprocess.run(
        [*run_as, pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """The admin DSN of a PostgreSQL server: the one on 127.0.0.1:5432 if it answers, else a throw-away one."""
    dsn = os.environ.get("ALBUMML_TEST_POSTGRES_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
    if postgres_answers(dsn):
        yield dsn
        return
    with throwaway_postgres() as started:
        yield started


def dsn_to_url(dsn: str, database: str) -> str:
    """An SQLAlchemy URL for `database` on the server of a libpq `dsn`."""
    parts = dict(item.split("=", 1) for item in dsn.split())
    return f"postgresql+psycopg2://{parts['user']}@{parts['host']}:{parts['port']}/{database}"


def admin_execute(dsn: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
    connection = psycopg2.connect(dsn, connect_timeout=5)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


@contextmanager
def moto_server() -> Iterator[str]:
    """Start moto's HTTP server in its own process on a free port; yield its endpoint URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).status == 200, 20, "moto")
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def server_process(
    what: str, command: list[str], health_url: str, timeout_s: float, env: dict[str, str]
) -> Iterator[None]:
    """Run a server command with its output in a log file, wait until `health_url` answers 200, stop it after."""
    log = tempfile.NamedTemporaryFile(prefix=f"{what.replace(' ', '-')}-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env})
    try:
        wait_for(lambda: urllib.request.urlopen(health_url, timeout=1).status == 200, timeout_s, what)
        yield
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}; its log: {Path(log.name).read_text()[-2000:]}") from None
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def mlflow_server(backend_uri: str, artifacts: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start a real `mlflow server` (one worker, no job runner) on a free port; yield its tracking URI."""
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--backend-store-uri",
        backend_uri,
        "--artifacts-destination",
        artifacts,
    ]
    with server_process(
        "mlflow server", command, f"{uri}/health", 60, {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", **(env or {})}
    ):
        yield uri


@contextmanager
def prefect_server(home: Path) -> Iterator[str]:
    """Start a real `prefect server` on a free port with its own PREFECT_HOME; yield its API URL."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with server_process(
        "prefect server",
        command,
        f"{api}/health",
        90,
        # the UI it serves talks to this server's API (else it looks for one on port 4200)
        {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_API_URL": api},
    ):
        yield api


@contextmanager
def prefect_server_for_tests(home: Path) -> Iterator[str]:
    """`prefect_server`, or `unavailable` (a failure in CI) when it does not start."""
    try:
        with prefect_server(home) as api:
            yield api
    except (RuntimeError, OSError) as exc:
        unavailable(f"prefect server did not start: {exc}")

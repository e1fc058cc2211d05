"""The registered champion served as users serve it (`mlflow models serve`), scoring a real cover's bytes exactly
as `albumml predict` ranks them."""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

import httpx
import pytest

from albumml.dataset import load_snapshot
from albumml.storage import open_store
from tests.support.analysis import AnalysisChampion, run_albumml
from tests.support.services import free_port, server_process

pytestmark = pytest.mark.slow
TOP = 6


def test_the_served_champion_ranks_cover_bytes_as_predict_does(
    analysis_champion: AnalysisChampion, tmp_path: Path
) -> None:
    settings = analysis_champion.settings()
    store = open_store(settings)
    manifest = load_snapshot(store, analysis_champion.snapshot_id).manifest
    cover = tmp_path / "cover.jpg"
    cover.write_bytes(store.get_blob(manifest["cover_key"].iloc[0]))

    predicted = run_albumml(analysis_champion, "predict", str(cover), "--top", str(TOP), "--json")
    assert predicted.returncode == 0, predicted.stderr[-3000:]
    [expected] = json.loads(predicted.stdout)

    port = free_port()
    command = [
        sys.executable,
        "-m",
        "mlflow",
        "models",
        "serve",
        "-m",
        analysis_champion.model_uri,
        "--env-manager",
        "local",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    environment = {
        # the server's registry, whatever tracking and registry URIs earlier calls left in this process
        "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
        "MLFLOW_REGISTRY_URI": settings.mlflow_tracking_uri,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # it execs uvicorn
    }
    body = {
        "dataframe_split": {"columns": ["bytes"], "data": [[base64.b64encode(cover.read_bytes()).decode()]]},
        "params": {"top": TOP},
    }
    with server_process("mlflow models serve", command, f"http://127.0.0.1:{port}/ping", 240, environment):
        answer = httpx.post(f"http://127.0.0.1:{port}/invocations", json=body, timeout=120)
        refused = httpx.post(
            f"http://127.0.0.1:{port}/invocations",
            json={"dataframe_split": {"columns": ["path"], "data": [["/etc/passwd"]]}},
            timeout=60,
        )
    assert answer.status_code == 200, answer.text[-2000:]
    rows = answer.json()["predictions"]
    assert [(row["image"], row["rank"]) for row in rows] == [(0, rank) for rank in range(1, TOP + 1)]
    assert [row["mood"] for row in rows] == [m["mood"] for m in expected["moods"]]
    assert [row["score"] for row in rows] == pytest.approx([m["score"] for m in expected["moods"]], abs=1e-4)
    # a served model reads no server-side file unless a folder is allowed
    assert refused.status_code >= 400 and "server-side path is off" in refused.text

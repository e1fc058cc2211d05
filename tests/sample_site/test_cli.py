"""`albumml sample-site` as users run it: real processes, their output and exit codes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sample_site import load_manifest
from tests.support.http_client import get

ALBUMML = str(Path(sys.executable).with_name("albumml"))


def _run(*args: str, home: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALBUMML_HOME": str(home), "COLUMNS": "200"}
    completed = subprocess.run([ALBUMML, *args], env=env, capture_output=True, text=True, timeout=120)
    if check:
        assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


@pytest.mark.slow
def test_generate_and_change_under_the_home_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    generated = _run(
        "sample-site",
        "generate",
        "--albums",
        "30",
        "--seed",
        "3",
        "--faults",
        "typical",
        "--slow-pages",
        "0",
        "--json",
        home=home,
    )
    summary = json.loads(generated.stdout)
    site = home / "sample-site"
    assert summary["folder"] == str(site) and summary["albums"] == 30
    manifest = load_manifest(site)
    assert manifest.faults.slow_pages == 0 and manifest.faults.image_bombs == 1
    changed = json.loads(_run("sample-site", "change", "--albums", "2", "--json", home=home).stdout)
    assert changed["round"] == 1 and len(changed["albums"]) == 2
    assert len(load_manifest(site).changes) == 1


def test_errors_are_one_clean_line(tmp_path: Path) -> None:
    failed = _run("sample-site", "change", "--albums", "2", "--dir", str(tmp_path / "none"), home=tmp_path, check=False)
    assert failed.returncode == 1
    assert "no sample site" in failed.stderr and "Traceback" not in failed.stderr


@pytest.mark.slow
def test_serve_answers_until_terminated(tmp_path: Path) -> None:
    _run("sample-site", "generate", "--albums", "10", "--no-covers", "--out", str(tmp_path / "site"), home=tmp_path)
    env = {**os.environ, "ALBUMML_HOME": str(tmp_path), "COLUMNS": "300", "PYTHONUNBUFFERED": "1"}
    command = [ALBUMML, "sample-site", "serve", "--dir", str(tmp_path / "site"), "--port", "0"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        base = re.search(r"at (http://127\.0\.0\.1:\d+)", line).group(1)
        assert get(base + "/robots.txt").status == 200
        manifest = load_manifest(tmp_path / "site")
        assert get(base + manifest.albums[0].path).status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "stopped after 2 requests" in out

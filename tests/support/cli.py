"""The `albumml` command as users run it: its own process, with the test's environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ALBUMML = str(Path(sys.executable).with_name("albumml"))


def albumml(
    *args: str, env: dict[str, str] | None = None, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the CLI with the test's environment plus `env` (killed after `timeout` seconds)."""
    completed = subprocess.run(
        [ALBUMML, *args],
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and completed.returncode != 0:
        raise AssertionError(f"albumml {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed

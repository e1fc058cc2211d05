"""`python -m benchmarks` refuses bad sizes with argparse's one-line error, before any stage starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("arguments", "option", "reason"),
    [
        (["--nights", "4"], "--nights", "4 is out of range (1 to 3)"),
        (["--nights", "0"], "--nights", "0 is out of range (1 to 3)"),
        (["--models", "5"], "--models", "5 is out of range (1 to 4)"),
        (["--albums", "-3"], "--albums", "-3 is out of range (at least 1)"),
        (["--nights", "two"], "--nights", "not a whole number: 'two'"),
    ],
)
def test_bad_sizes_fail_in_one_line_before_any_stage(
    arguments: list[str], option: str, reason: str, tmp_path: Path
) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "nightly", *arguments, "--output", str(tmp_path / "out")],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2
    last = completed.stderr.strip().splitlines()[-1]
    assert option in last and reason in last
    assert "Traceback" not in completed.stderr
    assert not (tmp_path / "out").exists()  # no stage ran, no report written


def test_good_sizes_are_taken() -> None:
    from benchmarks.__main__ import whole_number

    assert whole_number(1, 3)("3") == 3
    assert whole_number(1)("127467") == 127_467

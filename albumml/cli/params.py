"""Checks on the paths and ids people pass, made while the arguments are parsed so a bad one is a usage error."""

from __future__ import annotations

import os
from pathlib import Path

import typer


def _nearest_existing(path: Path) -> Path:
    """`path` itself when it exists, else the closest folder above it that does."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path.cwd()


def _check_folder_writable(folder: Path, named: Path) -> None:
    """A usage error unless `named` can be made in or under the existing `folder`."""
    if not folder.is_dir():
        if folder == named.absolute():
            raise typer.BadParameter(f"{named} is a file; give a folder path")
        raise typer.BadParameter(f"{named} is under {folder}, which is a file, not a folder; give another path")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise typer.BadParameter(f"cannot write in {folder} (permission denied); give a folder you can write to")


def output_folder(value: Path | None) -> Path | None:
    """Typer callback: a folder that exists and can be written, or that can be created."""
    if value is not None:
        _check_folder_writable(_nearest_existing(value.absolute()), value)
    return value


def output_file(value: Path | None) -> Path | None:
    """Typer callback: a file that can be written: not a folder, in a folder that exists."""
    if value is None:
        return value
    if value.is_dir():
        raise typer.BadParameter(f"{value} is a folder; give a file path")
    parent = value.absolute().parent
    if not parent.exists():
        raise typer.BadParameter(f"the folder {value.parent} does not exist; create it first or give another path")
    _check_folder_writable(parent, value)
    if value.exists() and not os.access(value, os.W_OK):
        raise typer.BadParameter(f"cannot write {value} (permission denied); give a file you can write to")
    return value


def run_id(value: str) -> str:
    """Typer callback: an MLflow run id (letters, digits, '_' and '-'), never a path."""
    from albumml.registry.tracking import is_run_id

    if not is_run_id(value):
        raise typer.BadParameter(f"{value!r} is not an MLflow run id (32 hex digits); `albumml models list` shows them")
    return value

"""A sample's folder for raters: the covers, `sample.json`, a blank rating sheet and the self-contained rating page."""

from __future__ import annotations

import json
from pathlib import Path

from albumml.agreement.page import render_page
from albumml.agreement.sample import COVERS_FOLDER, PAGE_FILE, SAMPLE_FILE, SHEET_FILE, Draw, read_sample
from albumml.agreement.sheet import write_sheet
from albumml.errors import AgreementError


def write_sample(draw: Draw, folder: Path) -> list[Path]:
    """Write the sample folder (covers, sample.json, blank sheet, rating page); returns the files written."""
    sample = draw.sample
    existing = folder / SAMPLE_FILE
    if existing.exists():
        try:
            previous = read_sample(folder).id
        except AgreementError:
            previous = "an unreadable one"
        if previous != sample.id:
            raise AgreementError(
                f"{folder} already holds another sample ({previous}); choose another --out so its sheets stay valid"
            )
    (folder / COVERS_FOLDER).mkdir(parents=True, exist_ok=True)
    written = []
    for cover in sample.covers:
        path = folder / cover.cover
        path.write_bytes(draw.images[cover.album_id])
        written.append(path)
    existing.write_text(json.dumps(sample.to_json(), indent=1) + "\n", encoding="utf-8")
    write_sheet(folder / SHEET_FILE, sample)
    (folder / PAGE_FILE).write_text(render_page(sample), encoding="utf-8")
    return [existing, folder / SHEET_FILE, folder / PAGE_FILE, *written]

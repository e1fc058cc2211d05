"""Rating sheets: one CSV row per (cover, rater), moods separated by ';', stamped with the sample and vocabulary.

A sheet holds one rater or several (the `rater` column; a blank one means the file's name). A row whose moods are
blank is a cover that rater did not label. Sheets of one sample are scored together, whoever wrote them. A cell
that a spreadsheet would run as a formula is written behind a quote, and read back without it.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from albumml.agreement.kappa import did_you_mean
from albumml.agreement.sample import PAGE_FILE, SAMPLE_FILE, Sample
from albumml.errors import AgreementError
from albumml.textsafe import for_csv_row, from_csv_cell

COLUMNS = ("sample_id", "snapshot_id", "vocabulary_id", "album_id", "cover_key", "cover", "rater", "moods")
SEPARATOR = ";"
SHOWN = 12


@dataclass(frozen=True)
class Rating:
    """One sheet row: who rated which album with which moods (as written), and where it stands."""

    sheet: Path
    line: int
    sample_id: str
    vocabulary_id: str
    rater: str
    album_id: str
    moods: tuple[str, ...]

    @property
    def where(self) -> str:
        """The sheet and line, for messages."""
        return f"{self.sheet.name} line {self.line}"


def write_sheet(
    path: Path, sample: Sample, rater: str = "", labels: Mapping[str, Collection[str]] | None = None
) -> None:
    """A sheet with a row per sampled cover: blank moods, or a rater's moods by album id."""
    labels = labels or {}
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for cover in sample.covers:
            moods = SEPARATOR.join(labels.get(cover.album_id, ()))
            writer.writerow(
                for_csv_row(
                    [
                        sample.id,
                        sample.snapshot_id,
                        sample.vocabulary_id,
                        cover.album_id,
                        cover.cover_key,
                        cover.cover,
                        rater,
                        moods,
                    ]
                )
            )


def read_sheet(path: Path) -> list[Rating]:
    """Every row of a sheet (blank-moods rows included); AgreementError naming what is wrong with the file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AgreementError(f"no sheet {path}: give the CSV files raters filled in") from None
    except UnicodeDecodeError:
        raise AgreementError(f"{path} is not UTF-8 text: save it as 'CSV UTF-8'") from None
    except OSError as error:
        raise AgreementError(f"cannot read sheet {path}: {error.strerror or error}") from None
    reader = csv.DictReader(text.splitlines(keepends=True))
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise AgreementError(
            f"{path} lacks the columns {', '.join(missing)}: a sheet has the columns of the {PAGE_FILE} export or of "
            f"sheet.csv ({', '.join(COLUMNS)})"
        )
    ratings = []
    for raw in reader:
        row = {column: from_csv_cell(value) if isinstance(value, str) else value for column, value in raw.items()}
        moods = tuple(mood.strip() for mood in (row["moods"] or "").split(SEPARATOR) if mood.strip())
        ratings.append(
            Rating(
                path,
                reader.line_num,
                (row["sample_id"] or "").strip(),
                (row["vocabulary_id"] or "").strip(),
                (row["rater"] or "").strip() or path.stem,
                (row["album_id"] or "").strip(),
                moods,
            )
        )
    return ratings


def _listed(problems: Sequence[str]) -> str:
    shown = "; ".join(problems[:SHOWN])
    return shown + (f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else "")


def _check_sample(ratings: Sequence[Rating], sample: Sample) -> None:
    """Every row is about this sample and its vocabulary."""
    by_sheet: dict[Path, set[tuple[str, str]]] = {}
    for rating in ratings:
        by_sheet.setdefault(rating.sheet, set()).add((rating.sample_id, rating.vocabulary_id))
    vocabularies = {sheet: {v for _, v in ids} for sheet, ids in by_sheet.items()}
    if any(ids != {sample.vocabulary_id} for ids in vocabularies.values()):
        found = ", ".join(f"{sheet.name}: {'/'.join(sorted(ids))}" for sheet, ids in vocabularies.items())
        raise AgreementError(
            f"the sheets use different mood vocabularies ({found}; the sample's is {sample.vocabulary_id}, snapshot "
            f"{sample.snapshot_id}): score together only sheets of one sample, with the {SAMPLE_FILE} they came from"
        )
    samples = {sheet: {s for s, _ in ids} for sheet, ids in by_sheet.items()}
    if any(ids != {sample.id} for ids in samples.values()):
        found = ", ".join(f"{sheet.name}: {'/'.join(sorted(ids))}" for sheet, ids in samples.items())
        raise AgreementError(
            f"the sheets are about different samples ({found}; {SAMPLE_FILE} is sample {sample.id}): score together "
            f"only sheets of one sample, and pass --sample with its folder"
        )


def _moods(ratings: Sequence[Rating], sample: Sample) -> dict[tuple[str, str], tuple[Rating, set[str]]]:
    """Rows with moods, keyed by (rater, album), moods in the vocabulary's spelling; errors name rows to fix."""
    canonical = {mood.casefold(): mood for mood in sample.vocabulary}
    albums = {cover.album_id for cover in sample.covers}
    unknown: dict[tuple[str, str], list[int]] = {}
    strangers: list[str] = []
    duplicates: list[str] = []
    labelled: dict[tuple[str, str], tuple[Rating, set[str]]] = {}
    for rating in ratings:
        if not rating.moods:
            continue
        if rating.album_id not in albums:
            strangers.append(f"{rating.where} (album {rating.album_id or '(blank)'})")
            continue
        for mood in rating.moods:
            if mood.casefold() not in canonical:
                unknown.setdefault((rating.sheet.name, mood), []).append(rating.line)
        key = (rating.rater, rating.album_id)
        if key in labelled:
            duplicates.append(
                f"{rating.rater} on album {rating.album_id} ({labelled[key][0].where} and {rating.where})"
            )
        moods = {canonical[m.casefold()] for m in rating.moods if m.casefold() in canonical}
        labelled[key] = (rating, moods)
    if strangers:
        raise AgreementError(f"rows about albums not in sample {sample.id}: {_listed(strangers)}; remove them")
    if unknown:
        named = [
            f"{sheet} line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}: {mood!r}"
            f"{did_you_mean(mood, sample.vocabulary)}"
            for (sheet, mood), lines in unknown.items()
        ]
        raise AgreementError(
            f"moods not in the vocabulary of snapshot {sample.snapshot_id}: {_listed(named)}; use the names "
            f"shown on {PAGE_FILE} (the vocabulary in {SAMPLE_FILE}), separated by '{SEPARATOR}'"
        )
    if duplicates:
        raise AgreementError(
            f"a rater labelled the same cover twice: {_listed(duplicates)}; keep one row per rater and cover"
        )
    return labelled


def collect(ratings: Sequence[Rating], sample: Sample) -> dict[str, dict[str, set[str]]]:
    """Each rater's moods per album id from sheets of `sample`; AgreementError naming rows, raters or sheets to fix."""
    if not ratings:
        raise AgreementError("the sheets have no rows: give the filled CSV files (one row per cover)")
    _check_sample(ratings, sample)
    raters: dict[str, dict[str, set[str]]] = {}
    for (rater, album_id), (_, moods) in sorted(_moods(ratings, sample).items()):
        raters.setdefault(rater, {})[album_id] = moods
    idle: dict[str, set[str]] = {}
    for rating in ratings:
        if rating.rater not in raters:
            idle.setdefault(rating.rater, set()).add(rating.sheet.name)
    if idle:
        named = ", ".join(f"{rater!r} ({', '.join(sorted(sheets))})" for rater, sheets in sorted(idle.items()))
        who = "raters" if len(idle) > 1 else "rater"
        raise AgreementError(
            f"{who} {named} labelled no cover: fill the moods column (moods separated by '{SEPARATOR}') "
            "or leave the sheet out"
        )
    return {rater: raters[rater] for rater in dict.fromkeys(r.rater for r in ratings)}

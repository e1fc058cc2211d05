"""Rating sheets: written, read back, gathered per rater, and refused with errors that name what to fix."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from albumml.agreement import collect, read_sheet, write_sheet
from albumml.agreement.sheet import COLUMNS
from albumml.errors import AgreementError
from tests.support.agreement import small_sample

SAMPLE = small_sample()
A, B, C = (cover.album_id for cover in SAMPLE.covers[:3])


def sheet(path: Path, rows: list[dict[str, str]], **stamp: str) -> Path:
    """A sheet of this sample with the given rows (album_id, rater, moods), stamped like a real one."""
    defaults = {
        "sample_id": SAMPLE.id,
        "snapshot_id": SAMPLE.snapshot_id,
        "vocabulary_id": SAMPLE.vocabulary_id,
        "cover_key": "",
        "cover": "",
        "rater": "",
        "moods": "",
    }
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({**defaults, **stamp, **row})
    return path


def test_a_written_sheet_reads_back_per_rater(tmp_path: Path) -> None:
    write_sheet(tmp_path / "ann.csv", SAMPLE, "Ann", {A: ["Brash", "Rustic"], C: ["Wistful"]})
    ratings = read_sheet(tmp_path / "ann.csv")
    assert len(ratings) == len(SAMPLE.covers) and ratings[0].line == 2 and ratings[0].rater == "Ann"
    assert collect(ratings, SAMPLE) == {"Ann": {A: {"Brash", "Rustic"}, C: {"Wistful"}}}


def test_one_sheet_may_hold_several_raters_and_a_blank_rater_is_the_file_name(tmp_path: Path) -> None:
    rows = [
        {"album_id": A, "rater": "ann", "moods": "Brash"},
        {"album_id": A, "rater": "bob", "moods": "brash ;RUSTIC;"},
    ]
    shared = sheet(tmp_path / "shared.csv", rows)
    alone = sheet(tmp_path / "cel.csv", [{"album_id": A, "moods": "Literate"}, {"album_id": B}])
    raters = collect([*read_sheet(shared), *read_sheet(alone)], SAMPLE)
    assert raters == {"ann": {A: {"Brash"}}, "bob": {A: {"Brash", "Rustic"}}, "cel": {A: {"Literate"}}}


def test_unknown_moods_are_named_with_their_line_and_close_matches(tmp_path: Path) -> None:
    rows = [{"album_id": A, "moods": "Rustik"}, {"album_id": B, "moods": "Brash;Rustik;Glum"}]
    path = sheet(tmp_path / "ann.csv", rows)
    with pytest.raises(AgreementError) as error:
        collect(read_sheet(path), SAMPLE)
    message = str(error.value)
    assert "ann.csv lines 2, 3: 'Rustik' (did you mean 'Rustic'?)" in message
    assert "ann.csv line 3: 'Glum';" in message and "rate.html" in message


def test_a_rater_who_labelled_no_cover_is_named(tmp_path: Path) -> None:
    ann = sheet(tmp_path / "ann.csv", [{"album_id": A, "moods": "Brash"}])
    bob = sheet(tmp_path / "bob.csv", [{"album_id": A}, {"album_id": B, "moods": " ; "}])
    with pytest.raises(AgreementError, match=r"rater 'bob' \(bob.csv\) labelled no cover"):
        collect([*read_sheet(ann), *read_sheet(bob)], SAMPLE)


def test_sheets_of_another_sample_or_vocabulary_are_refused(tmp_path: Path) -> None:
    ann = sheet(tmp_path / "ann.csv", [{"album_id": A, "moods": "Brash"}])
    other = sheet(tmp_path / "bob.csv", [{"album_id": A, "moods": "Brash"}], sample_id="0123456789abcdef")
    with pytest.raises(AgreementError, match=r"different samples \(ann.csv: .*, bob.csv: 0123456789abcdef"):
        collect([*read_sheet(ann), *read_sheet(other)], SAMPLE)
    words = sheet(tmp_path / "cel.csv", [{"album_id": A, "moods": "Brash"}], vocabulary_id="feedfeedfeed")
    with pytest.raises(AgreementError, match=r"different mood vocabularies \(.*cel.csv: feedfeedfeed"):
        collect([*read_sheet(ann), *read_sheet(words)], SAMPLE)


def test_rows_about_other_albums_and_repeated_rows_are_named(tmp_path: Path) -> None:
    stranger = sheet(tmp_path / "ann.csv", [{"album_id": "mw9999999999", "moods": "Brash"}])
    with pytest.raises(AgreementError, match=r"not in sample .*ann\.csv line 2 \(album mw9999999999\)"):
        collect(read_sheet(stranger), SAMPLE)
    twice = sheet(tmp_path / "bob.csv", [{"album_id": A, "moods": "Brash"}, {"album_id": A, "moods": "Rustic"}])
    with pytest.raises(
        AgreementError, match=r"same cover twice: bob on album .* \(bob.csv line 2 and bob.csv line 3\)"
    ):
        collect(read_sheet(twice), SAMPLE)


def test_files_that_are_not_sheets_are_named(tmp_path: Path) -> None:
    with pytest.raises(AgreementError, match="no sheet"):
        read_sheet(tmp_path / "missing.csv")
    (tmp_path / "plain.csv").write_text("album,moods\nx,Brash\n")
    with pytest.raises(AgreementError, match=r"plain\.csv lacks the columns sample_id, snapshot_id"):
        read_sheet(tmp_path / "plain.csv")
    (tmp_path / "latin.csv").write_bytes(",".join(COLUMNS).encode() + b"\n\xe9\xff\n")
    with pytest.raises(AgreementError, match="not UTF-8"):
        read_sheet(tmp_path / "latin.csv")
    with pytest.raises(AgreementError, match="no rows"):
        collect([], SAMPLE)


FORMULA_MOODS = ('=HYPERLINK("https://evil.example","x")', "+1+2", "-sad", "@SUM(A1)", "'quoted", "Brash")


def test_a_sheet_never_starts_a_cell_with_a_formula_and_reads_back_the_same(tmp_path: Path) -> None:
    from albumml.textsafe import CSV_FORMULA_STARTS
    from tests.support.agreement import small_sample as sample_of

    hostile = sample_of(4, FORMULA_MOODS)
    labels = {cover.album_id: [FORMULA_MOODS[i], FORMULA_MOODS[-1]] for i, cover in enumerate(hostile.covers)}
    path = tmp_path / "sheet.csv"
    write_sheet(path, hostile, rater="=cmd|' /C calc'!A0", labels=labels)
    with path.open(newline="", encoding="utf-8") as file:
        cells = [cell for row in csv.reader(file) for cell in row]
    assert not [cell for cell in cells if cell.startswith(CSV_FORMULA_STARTS)]
    ratings = read_sheet(path)
    assert {r.rater for r in ratings} == {"=cmd|' /C calc'!A0"}
    assert {r.album_id: list(r.moods) for r in ratings} == labels
    assert collect(ratings, hostile) == {"=cmd|' /C calc'!A0": {k: set(v) for k, v in labels.items()}}

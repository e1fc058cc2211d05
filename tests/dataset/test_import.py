"""`albumml catalogue import`: labelled covers of one's own through the crawl's path, on both catalogue backends.
Good rows land whole (moods in order, covers checked and content-addressed, local ids), every bad row is refused
with its reason and written nowhere, the import is a crawl run, and importing again changes nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from albumml.catalogue import open_catalogue
from albumml.catalogue.vocabulary import bundled_moods
from albumml.config import load_settings
from albumml.dataset import SnapshotConfig, build_snapshot
from albumml.dataset.imports import import_file, local_id
from albumml.errors import ConfigError
from albumml.storage import open_store
from tests.support.cli import albumml
from tests.support.crawling import migrated
from tests.support.recording_server import Answer, RecordingServer


def picture(seed: int, side: int = 96) -> bytes:
    image = Image.new("RGB", (side, side), (seed * 40 % 256, seed * 90 % 256, seed * 10 % 256))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def write_csv(path: Path, rows: list[list[str]]) -> None:
    header = "album_id,title,artist,year,genres,styles,moods,themes,cover\n"
    path.write_text(header + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8")


@pytest.fixture
def covers(tmp_path: Path) -> Path:
    folder = tmp_path / "set"
    (folder / "covers").mkdir(parents=True)
    for seed in range(4):
        (folder / "covers" / f"{seed}.png").write_bytes(picture(seed))
    (folder / "covers" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (folder / "covers" / "tiny.png").write_bytes(picture(9, side=8))
    return folder


def test_good_rows_land_whole_and_bad_rows_are_refused_with_their_reason(
    database_url: str, tmp_path: Path, covers: Path
) -> None:
    settings = load_settings(home=tmp_path / "home", database_url=database_url)
    catalogue = migrated(settings)
    catalogue.upsert_vocabulary(bundled_moods(), [])
    moods = [tag.name for tag in bundled_moods()[:3]]
    with RecordingServer() as server:
        server.routes["/cover.png"] = Answer(200, picture(7), {"Content-Type": "image/png"})
        write_csv(
            covers / "set.csv",
            [
                [
                    "a1",
                    "First",
                    "Someone",
                    "1999",
                    "Rock|Pop",
                    "Indie Rock",
                    f"{moods[0]}|{moods[1]}",
                    "",
                    "covers/0.png",
                ],
                ["a2", "Second", "", "", "Jazz", "", moods[2], "", server.url("/cover.png")],
                ["a3", "Unknown mood", "", "", "", "", "Not A Mood", "", "covers/1.png"],
                ["a4", "Broken cover", "", "", "", "", moods[0], "", "covers/broken.png"],
                ["a5", "Tiny cover", "", "", "", "", moods[0], "", "covers/tiny.png"],
                ["a6", "No file", "", "", "", "", moods[0], "", "covers/none.png"],
                ["a7", "Bad year", "", "nineteen", "", "", moods[0], "", "covers/2.png"],
                ["a1", "Again", "", "", "", "", moods[0], "", "covers/3.png"],
                ["a8", "Other scheme", "", "", "", "", moods[0], "", "file:///etc/passwd"],
                ["a9", "Dead link", "", "", "", "", moods[0], "", server.url("/gone.png")],
            ],
        )
        store = open_store(settings)
        outcome = import_file(settings, catalogue, store, covers / "set.csv")
        again = import_file(settings, catalogue, store, covers / "set.csv")
    assert (outcome.rows, outcome.albums_new, outcome.covers_stored) == (10, 2, 2)
    assert outcome.errors_by_reason == {
        "unknown_mood": 1,
        "cover_not_image": 1,
        "cover_too_small": 1,
        "cover_missing": 1,
        "import_invalid_row": 1,
        "import_duplicate": 1,
        "cover_bad_url": 1,
        "cover_http_404": 1,
    }
    first = catalogue.album(local_id("lc", "album:a1"))
    assert first is not None and first.title == "First" and first.year == 1999
    assert [link.mood.name for link in first.moods] == moods[:2]
    assert first.genres == ["Rock", "Pop"] and first.styles == ["Indie Rock"]
    assert store.get_blob(first.cover_key) == picture(0)
    second = catalogue.album(local_id("lc", "album:a2"))
    assert second is not None and second.cover_url.endswith("/cover.png") and second.artist is None
    for refused in ("a3", "a4", "a5", "a6", "a7", "a8", "a9"):
        assert catalogue.album(local_id("lc", f"album:{refused}")) is None  # nothing half-written
    run, reasons = catalogue.crawl_run(outcome.run_id)
    assert run.source == "import:set.csv" and run.status == "finished" and run.albums_new == 2
    assert sum(reasons.values()) == 8
    # imported albums are learnable although no critic reviewed them
    assert {local_id("lc", "album:a1"), local_id("lc", "album:a2")} <= set(
        build_snapshot(catalogue, SnapshotConfig(min_mood_count=1)).manifest["album_id"]
    )
    assert (again.albums_new, again.albums_changed, again.albums_unchanged, again.covers_stored) == (0, 0, 2, 0)


def test_extending_the_vocabulary_adds_local_moods_from_json_lines(tmp_path: Path, covers: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    catalogue = migrated(settings)
    lines = [
        json.dumps({"album_id": "x", "title": "Cat", "moods": ["tabby cat", "Whiskered"], "cover": "covers/0.png"}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"album_id": "y", "title": "Dog", "moods": ["tabby cat"], "cover": "covers/1.png", "colour": "x"}),
    ]
    (covers / "set.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused = import_file(settings, catalogue, open_store(settings), covers / "set.jsonl")
    assert refused.albums_new == 0 and refused.errors_by_reason["unknown_mood"] == 1
    outcome = import_file(settings, catalogue, open_store(settings), covers / "set.jsonl", extend_vocabulary=True)
    assert outcome.albums_new == 1
    assert outcome.moods_added == ["Whiskered", "tabby cat"]
    assert outcome.errors_by_reason == {"import_bad_json": 2, "import_invalid_row": 1}  # "colour" is no field
    album = catalogue.album(local_id("lc", "album:x"))
    assert [link.mood.name for link in album.moods] == ["tabby cat", "Whiskered"]
    assert all(link.mood.id.startswith("lm") for link in album.moods)


def test_the_command_reports_the_import_and_refuses_a_file_without_the_needed_columns(
    tmp_path: Path, covers: Path
) -> None:
    env = {"ALBUMML_HOME": str(tmp_path / "home")}
    albumml("db", "upgrade", env=env)
    write_csv(covers / "set.csv", [["a1", "First", "", "", "Rock", "", "Lonely", "", "covers/0.png"]])
    done = albumml("catalogue", "import", str(covers / "set.csv"), "--extend-vocabulary", "--json", env=env)
    assert json.loads(done.stdout)["albums_new"] == 1
    (covers / "bad.csv").write_text("name,picture\nx,y\n", encoding="utf-8")
    failed = albumml("catalogue", "import", str(covers / "bad.csv"), env=env, check=False)
    assert failed.returncode == 1
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and "lacks album_id, cover, title" in lines[0] and "Traceback" not in failed.stderr
    settings = load_settings(home=tmp_path / "home")
    with pytest.raises(ConfigError, match="no import file"):
        import_file(settings, open_catalogue(settings), open_store(settings), tmp_path / "none.csv")

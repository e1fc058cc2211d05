"""`albumml similar` end to end against the session's registered champion: real catalogue, store and MLflow."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from albumml.catalogue import open_catalogue
from albumml.dataset import load_snapshot
from albumml.errors import NoVectorError, UnknownAlbumError
from albumml.recommend import catalogue_index, similar_albums
from albumml.recommend.persistence import folder
from albumml.registry.models import resolve_model
from albumml.registry.tracking import client
from albumml.storage import open_store
from tests.support.analysis import AnalysisChampion, CatalogueCopy, run_albumml
from tests.support.factories import album


def a_test_album(champion: AnalysisChampion, position: int = 0) -> str:
    store = open_store(champion.settings())
    manifest = load_snapshot(store, champion.snapshot_id).manifest
    return str(manifest[manifest["split"] == "test"]["album_id"].iloc[position])


def kept_vectors(champion: AnalysisChampion) -> tuple[Path, list[str], np.ndarray]:
    settings = champion.settings()
    base = Path(settings.store_url) / folder(resolve_model(settings).key)
    ids = pd.read_parquet(base / "ids.parquet")["album_id"].tolist()
    return base / "vectors.npy", ids, np.load(base / "vectors.npy")


def test_similar_json_lists_k_albums_by_cosine_and_reuses_the_kept_vectors(
    analysis_champion: AnalysisChampion,
) -> None:
    query = a_test_album(analysis_champion)
    started = time.perf_counter()
    first = run_albumml(analysis_champion, "similar", query, "--k", "7", "--json")
    first_s = time.perf_counter() - started
    assert first.returncode == 0, first.stderr[-3000:]
    result = json.loads(first.stdout)
    found = result["albums"]
    assert len(found) == 7
    cosines = [entry["cosine"] for entry in found]
    assert cosines == sorted(cosines, reverse=True) and all(-1 <= c <= 1 + 1e-6 for c in cosines)
    assert query not in {entry["album_id"] for entry in found} and len({e["album_id"] for e in found}) == 7
    assert result["query"]["album_id"] == query and result["query"]["title"]
    assert all(entry["title"] and entry["predicted"] for entry in found)
    assert any(entry["moods"] for entry in found)
    stats = open_catalogue(analysis_champion.settings()).stats()
    assert result["index"]["albums"] + result["index"]["without_vector"] == stats.albums_with_cover

    path, ids, vectors = kept_vectors(analysis_champion)
    assert vectors.dtype == np.float32 and np.linalg.norm(vectors, axis=1) == pytest.approx(1, abs=1e-5)
    row = ids.index(query)
    cosine = vectors.astype(np.float64) @ vectors[row].astype(np.float64)
    expected = [ids[i] for i in np.argsort(-cosine, kind="stable") if i != row][:7]
    assert [entry["album_id"] for entry in found] == expected
    written = path.stat().st_mtime_ns

    started = time.perf_counter()
    second = run_albumml(analysis_champion, "similar", query, "--k", "7", "--json")
    second_s = time.perf_counter() - started
    assert second.returncode == 0, second.stderr[-3000:]
    again = json.loads(second.stdout)
    assert again["index"]["computed"] == 0 and not again["index"]["written"]
    assert again["index"]["reused"] == result["index"]["albums"]
    assert [e["album_id"] for e in again["albums"]] == [e["album_id"] for e in found]
    assert path.stat().st_mtime_ns == written
    assert second_s < first_s or result["index"]["computed"] == 0


def test_similar_table_names_the_albums(analysis_champion: AnalysisChampion) -> None:
    query = a_test_album(analysis_champion, 1)
    shown = run_albumml(analysis_champion, "similar", query.upper(), "--k", "3")
    assert shown.returncode == 0, shown.stderr[-3000:]
    assert f"albums nearest {query}" in shown.stdout and "cosine" in shown.stdout
    assert "reused" in shown.stdout


def test_unknown_album_fails_with_a_message_naming_it(analysis_champion: AnalysisChampion) -> None:
    shown = run_albumml(analysis_champion, "similar", "mw0999999999", "--json")
    assert shown.returncode == 1
    assert "mw0999999999" in shown.stderr and "not in the catalogue" in shown.stderr.replace("\n", " ")
    assert "Traceback" not in shown.stderr and shown.stdout == ""


def test_no_champion_is_a_clear_error(analysis_champion: AnalysisChampion) -> None:
    shown = run_albumml(
        analysis_champion, "similar", a_test_album(analysis_champion), env={"ALBUMML_MODEL_NAME": "album-mood-nobody"}
    )
    assert shown.returncode == 1
    message = " ".join(shown.stderr.split())
    assert "album-mood-nobody" in message and "no champion" in message and "Traceback" not in message


def test_album_without_a_cover_has_no_vector(
    analysis_champion: AnalysisChampion, catalogue_copy: CatalogueCopy
) -> None:
    open_catalogue(catalogue_copy.settings).upsert_albums([album(999_999_001, cover_key=None, title="Coverless")])
    shown = run_albumml(analysis_champion, "similar", "mw0999999001", env=catalogue_copy.environment)
    assert shown.returncode == 1
    message = " ".join(shown.stderr.split())
    assert "mw0999999001 (Coverless) has no cover" in message and "no vector" in message
    with pytest.raises(NoVectorError):
        similar_albums(catalogue_copy.settings, "mw0999999001")
    with pytest.raises(UnknownAlbumError, match="mw0999999002"):
        similar_albums(catalogue_copy.settings, "mw0999999002")


def test_new_albums_are_added_without_recomputing_the_others(
    analysis_champion: AnalysisChampion, catalogue_copy: CatalogueCopy
) -> None:
    settings = catalogue_copy.settings
    logged = client(settings).get_run(analysis_champion.run_id).data.tags["model_uri"]
    first = catalogue_index(settings, logged)
    assert first.status.computed == first.status.albums > 100 and first.status.written
    twin = a_test_album(analysis_champion, 2)
    cover = first.catalogue.album(twin).cover_key
    open_catalogue(settings).upsert_albums([album(999_999_003, cover_key=cover, title="Reissue")])
    second = catalogue_index(settings, logged)
    assert (second.status.computed, second.status.reused) == (1, first.status.albums)
    assert np.array_equal(second.index.vectors[: first.status.albums], first.index.vectors)
    nearest = second.similar("mw0999999003", k=3)
    assert nearest.albums[0].album_id == twin and nearest.albums[0].cosine == pytest.approx(1, abs=1e-5)
    assert nearest.query.title == "Reissue"
    third = catalogue_index(settings, logged)
    assert (third.status.computed, third.status.written, third.model.loaded) == (0, False, False)
    kept = open_store(settings).get_object(folder(third.model.key) + "vectors.npy")
    assert np.array_equal(np.load(io.BytesIO(kept)), second.index.vectors)


def test_the_default_model_is_the_champion_with_its_snapshot(analysis_champion: AnalysisChampion) -> None:
    resolved = resolve_model(analysis_champion.settings())
    assert resolved.uri == analysis_champion.model_uri
    assert resolved.snapshot_id == analysis_champion.snapshot_id and resolved.run_id == analysis_champion.run_id
    assert resolved.version and len(resolved.key) == 16

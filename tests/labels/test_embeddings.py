"""Label embeddings: GloVe means, the bundled MiniLM default, the store cache and nearest-mood lookup."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from albumml.config import load_settings
from albumml.errors import AlbummlError
from albumml.labels import (
    LabelEmbeddingError,
    LabelEmbeddings,
    cached_embeddings,
    glove_embeddings,
    minilm_embeddings,
    nearest,
    tokenize_mood,
)
from albumml.labels import embeddings as emb
from albumml.storage import open_store

GLOVE = {
    "amiable": [1.0, 0.0, 0.0, 0.0],
    "good": [0.0, 2.0, 0.0, 0.0],
    "natured": [0.0, 0.0, 3.0, 0.0],
    "angst": [1.0, 1.0, 0.0, 0.0],
    "ridden": [0.0, 0.0, 1.0, 1.0],
    "rock": [0.0, 0.0, 0.0, 5.0],
    "roll": [4.0, 0.0, 0.0, 0.0],
    "sad": [0.0, -1.0, 0.0, 0.0],
}


def unit(vector: list[float]) -> np.ndarray:
    """`vector` scaled to length one, as float32."""
    array = np.asarray(vector, dtype=np.float32)
    return array / np.linalg.norm(array)


@pytest.fixture
def glove_file(tmp_path):
    path = tmp_path / "glove.test.4d.txt"
    lines = [f"{word} {' '.join(str(v) for v in vector)}" for word, vector in GLOVE.items()]
    path.write_text("\n".join(["the 0.1 0.2 0.3 0.4", *lines]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path):
    return open_store(load_settings(home=tmp_path))


@pytest.fixture(scope="module")
def minilm() -> LabelEmbeddings:
    return minilm_embeddings(["Sad", "Melancholy", "Playful", "Angry", "Aggressive", "Peaceful", "Calm", "Energetic"])


def test_tokenize_splits_on_slashes_hyphens_ampersands_and_spaces():
    assert tokenize_mood("Amiable/Good-Natured") == ["amiable", "good", "natured"]
    assert tokenize_mood("Angst-Ridden") == ["angst", "ridden"]
    assert tokenize_mood("Rock & Roll") == ["rock", "roll"]
    assert tokenize_mood("  Sad ") == ["sad"]


def test_glove_moods_are_normalised_means_of_their_words(glove_file):
    moods = ["Amiable/Good-Natured", "Angst-Ridden", "Rock & Roll", "Sad"]
    result = glove_embeddings(glove_file, moods)
    assert result.vocabulary == moods
    assert result.source == "glove:glove.test.4d.txt"
    assert result.vectors.dtype == np.float32
    assert result.vectors.shape == (4, 4)
    np.testing.assert_allclose(result.vectors[0], unit([1 / 3, 2 / 3, 1.0, 0.0]), rtol=1e-6)
    np.testing.assert_allclose(result.vectors[1], unit([0.5, 0.5, 0.5, 0.5]), rtol=1e-6)
    np.testing.assert_allclose(result.vectors[2], unit([2.0, 0.0, 0.0, 2.5]), rtol=1e-6)
    np.testing.assert_allclose(result.vectors[3], [0.0, -1.0, 0.0, 0.0])
    np.testing.assert_allclose(np.linalg.norm(result.vectors, axis=1), 1.0, rtol=1e-6)
    assert result.missing == {}


def test_glove_reports_and_logs_missing_words(glove_file, caplog):
    with caplog.at_level(logging.WARNING, logger="albumml.labels.embeddings"):
        result = glove_embeddings(glove_file, ["Sad/Wistful", "Rock"])
    assert result.missing == {"Sad/Wistful": ["wistful"]}
    np.testing.assert_allclose(result.vectors[0], [0.0, -1.0, 0.0, 0.0])
    assert "wistful" in caplog.text


def test_glove_mood_without_any_known_word_is_a_clear_error(glove_file):
    with pytest.raises(LabelEmbeddingError) as info:
        glove_embeddings(glove_file, ["Sad", "Wistful/Bittersweet", "Zany"])
    message = str(info.value)
    assert "Wistful/Bittersweet" in message
    assert "Zany" in message
    assert "bigger GloVe file" in message
    assert "minilm" in message
    assert isinstance(info.value, AlbummlError)


def test_glove_inconsistent_dimensions_are_an_error(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("sad 1 0 0 0\nrock 1 0 0\n", encoding="utf-8")
    with pytest.raises(LabelEmbeddingError, match=r"bad.txt:2: 3 values where earlier lines have 4"):
        glove_embeddings(path, ["Sad"])


def test_glove_missing_file_and_bad_vocabulary_are_errors(tmp_path, glove_file):
    with pytest.raises(LabelEmbeddingError, match="cannot read GloVe file"):
        glove_embeddings(tmp_path / "absent.txt", ["Sad"])
    with pytest.raises(LabelEmbeddingError, match="more than once: Sad"):
        glove_embeddings(glove_file, ["Sad", "Sad"])
    with pytest.raises(LabelEmbeddingError, match="empty"):
        glove_embeddings(glove_file, [])


def test_minilm_gives_384d_unit_vectors(minilm):
    assert minilm.source == "minilm"
    assert minilm.vectors.shape == (8, 384)
    assert minilm.vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(minilm.vectors, axis=1), 1.0, rtol=1e-5)


def test_minilm_is_semantically_meaningful(minilm):
    def cos(a: str, b: str) -> float:
        return float(minilm.vector(a) @ minilm.vector(b))

    assert cos("Sad", "Melancholy") > cos("Sad", "Playful")
    assert cos("Angry", "Aggressive") > cos("Angry", "Peaceful")
    assert cos("Calm", "Peaceful") > cos("Calm", "Energetic")


def test_cache_computes_once_and_round_trips_exactly(store, glove_file, monkeypatch):
    calls = []
    real = emb.glove_embeddings

    def counting(path, vocabulary):
        calls.append(list(vocabulary))
        return real(path, vocabulary)

    monkeypatch.setattr(emb, "glove_embeddings", counting)
    moods = ["Amiable/Good-Natured", "Sad/Wistful"]
    first = cached_embeddings(store, moods, source=glove_file)
    second = cached_embeddings(store, moods, source=glove_file)
    assert len(calls) == 1
    assert store.has_object(emb.cache_name(glove_file, moods))
    assert second.vocabulary == first.vocabulary
    assert second.source == first.source
    assert second.missing == first.missing == {"Sad/Wistful": ["wistful"]}
    assert second.vectors.dtype == np.float32
    np.testing.assert_array_equal(second.vectors, first.vectors)
    cached_embeddings(store, ["Sad"], source=glove_file)
    assert len(calls) == 2


def test_cache_uses_minilm_by_default(store, minilm, monkeypatch):
    calls = []

    def fake(vocabulary):
        calls.append(list(vocabulary))
        return LabelEmbeddings(list(vocabulary), minilm.vectors[: len(vocabulary)], "minilm", {})

    monkeypatch.setattr(emb, "minilm_embeddings", fake)
    first = cached_embeddings(store, ["Sad", "Melancholy"])
    second = cached_embeddings(store, ["Sad", "Melancholy"])
    assert calls == [["Sad", "Melancholy"]]
    np.testing.assert_array_equal(first.vectors, second.vectors)
    assert second.source == "minilm"


def test_cache_recomputes_an_unreadable_object(store, glove_file):
    name = emb.cache_name(glove_file, ["Sad"])
    store.put_object(name, b"not an npz")
    result = cached_embeddings(store, ["Sad"], source=glove_file)
    np.testing.assert_allclose(result.vectors[0], [0.0, -1.0, 0.0, 0.0])
    assert emb._from_bytes(store.get_object(name)).vocabulary == ["Sad"]


def test_nearest_ranks_moods_by_cosine(glove_file):
    moods = ["Amiable/Good-Natured", "Angst-Ridden", "Rock & Roll", "Sad"]
    labels = glove_embeddings(glove_file, moods)
    ranked = nearest(labels, np.array([0.0, -3.0, 0.0, 0.1]), k=2)
    assert [mood for mood, _ in ranked[0]] == ["Sad", "Rock & Roll"]
    assert ranked[0][0][1] == pytest.approx(3 / np.sqrt(9.01), rel=1e-5)
    both = nearest(labels, np.stack([labels.vectors[1], labels.vectors[2]]), k=10)
    assert [row[0][0] for row in both] == ["Angst-Ridden", "Rock & Roll"]
    assert len(both[0]) == 4
    assert both[0][0][1] == pytest.approx(1.0, rel=1e-6)
    with pytest.raises(LabelEmbeddingError, match="do not match 4-d"):
        nearest(labels, np.zeros(3), k=1)

"""Label embeddings: a vector per mood (GloVe text files or the bundled MiniLM model), cached in the store."""

from albumml.errors import LabelEmbeddingError
from albumml.labels.embeddings import (
    MINILM_SOURCE,
    LabelEmbeddings,
    cached_embeddings,
    glove_embeddings,
    minilm_embeddings,
    nearest,
    tokenize_mood,
)

__all__ = [
    "MINILM_SOURCE",
    "LabelEmbeddingError",
    "LabelEmbeddings",
    "cached_embeddings",
    "glove_embeddings",
    "minilm_embeddings",
    "nearest",
    "tokenize_mood",
]

"""Albums near each other in mood space (the study's recommender signal)."""

from albumml.errors import AnalysisError, NoVectorError, UnknownAlbumError
from albumml.recommend.albums import AlbumDetails
from albumml.recommend.index import AlbumInput, MoodIndex, Refresh, Vectors, refresh
from albumml.recommend.similar import CatalogueIndex, SimilarAlbum, SimilarAlbums, catalogue_index, similar_albums
from albumml.recommend.vectors import Progress

__all__ = [
    "AlbumDetails",
    "AlbumInput",
    "AnalysisError",
    "CatalogueIndex",
    "MoodIndex",
    "NoVectorError",
    "Progress",
    "Refresh",
    "SimilarAlbum",
    "SimilarAlbums",
    "UnknownAlbumError",
    "Vectors",
    "catalogue_index",
    "refresh",
    "similar_albums",
]

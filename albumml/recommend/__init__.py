"""Albums near each other in mood space (the study's recommender signal), and the model an analysis looks at."""

from albumml.recommend.albums import AlbumDetails, AnalysisError, NoVectorError, UnknownAlbumError
from albumml.recommend.champion import AnalysedModel, NoChampionError, resolve_model
from albumml.recommend.index import AlbumInput, MoodIndex, Refresh, Vectors, refresh
from albumml.recommend.similar import CatalogueIndex, SimilarAlbum, SimilarAlbums, catalogue_index, similar_albums
from albumml.recommend.vectors import Progress

__all__ = [
    "AlbumDetails",
    "AlbumInput",
    "AnalysedModel",
    "AnalysisError",
    "CatalogueIndex",
    "MoodIndex",
    "NoChampionError",
    "NoVectorError",
    "Progress",
    "Refresh",
    "SimilarAlbum",
    "SimilarAlbums",
    "UnknownAlbumError",
    "Vectors",
    "catalogue_index",
    "refresh",
    "resolve_model",
    "similar_albums",
]

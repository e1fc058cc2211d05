"""Pictures of what a mood model learned: the t-SNE map of the mood vocabulary with albums placed in it."""

from albumml.viz.layout import tsne_layout
from albumml.viz.mood_space import MoodSpace, mood_space, mood_space_figure
from albumml.viz.placed import PlacedAlbum
from albumml.viz.points import mood_vectors, predict_points, weighted_points

__all__ = [
    "MoodSpace",
    "PlacedAlbum",
    "mood_space",
    "mood_space_figure",
    "mood_vectors",
    "predict_points",
    "tsne_layout",
    "weighted_points",
]

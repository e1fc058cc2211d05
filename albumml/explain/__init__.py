"""What a model looks at on a cover: saliency maps and Grad-CAM per predicted mood, and the backbone's ImageNet view."""

from albumml.explain.attribution import (
    CoverExplanation,
    ImageNetExplanation,
    MoodExplanation,
    explain_cover,
    explain_imagenet,
    gradcam_layer,
)
from albumml.explain.figures import cover_figure, imagenet_figure

__all__ = [
    "CoverExplanation",
    "ImageNetExplanation",
    "MoodExplanation",
    "cover_figure",
    "explain_cover",
    "explain_imagenet",
    "gradcam_layer",
    "imagenet_figure",
]

